#!/bin/bash
# SPDX-License-Identifier: MIT
# The Debian package, end to end (issue 8, item 1), on this very machine:
#   1. copy the tree (the tracked files of a git checkout, or the unpacked dist tarball under
#      distcheck), run `dpkg-buildpackage -us -uc -b` there: it must build container-watchd_*.deb, with the
#      kernel probe (configured, libbpf in Depends);
#   2. lintian must report no error;
#   3. `apt-get install ./container-watchd_*.deb` must put in place the binary, the unit (enabled),
#      the configuration as a conffile, the journal catalog (and Debian's systemd trigger must
#      have added it to the catalog database: `journalctl --list-catalog ID` knows every id) and
#      both man pages; `container-watchd --check-config` must run, and the installed daemon must
#      start, get READY=1 and write its record into a DynamicUser-style state directory
#      (/var/lib/container-watchd -> private/container-watchd, as systemd lays it out);
#   4. `apt-get purge` must remove every file the package installed, the conffile, the enable
#      symlink, the catalog entries and the state directory.
# The test installs into the real system (that is what it checks), so it refuses to run where
# container-watchd is already installed or any file it would own already exists. The state
# directory is different: any run of the daemon without $STATE_DIRECTORY (the README's first
# command) creates /var/lib/container-watchd, and that must not turn this test red (issue 14,
# item 11). A prior state directory is moved aside (a rename within /var/lib) before the test
# and put back, unchanged, afterwards; when there is none the test plants one, so that this path
# runs on every host. The slowest step is the package build with its unit tests: well under a
# minute here.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
require_root
require_cmd dpkg-buildpackage dpkg-deb dpkg-query apt-get lintian journalctl dh tar

PKG=container-watchd
BIN=/usr/sbin/container-watchd
UNIT=/lib/systemd/system/container-watchd.service
CONF=/etc/container-watchd.conf
CATALOG=/usr/lib/systemd/catalog/container-watchd.catalog
MAN8=/usr/share/man/man8/container-watchd.8.gz
MAN5=/usr/share/man/man5/container-watchd.conf.5.gz
CTL=/usr/bin/container-watchctl
MAN1=/usr/share/man/man1/container-watchctl.1.gz
BASH_COMPLETION=/usr/share/bash-completion/completions/container-watchctl
WANTS=/etc/systemd/system/multi-user.target.wants/container-watchd.service
SOCKET=/lib/systemd/system/container-watchd.socket
SOCKET_WANTS=/etc/systemd/system/sockets.target.wants/container-watchd.socket
STATE_LINK=/var/lib/container-watchd
STATE_PRIVATE=/var/lib/private/container-watchd
APT=(apt-get -y -q -o DPkg::Lock::Timeout=120)
export DEBIAN_FRONTEND=noninteractive

pkg_installed() {
        [ "$(dpkg-query -W -f '${db:Status-Status}' "$PKG" 2>/dev/null)" = installed ]
}
# pkg_known: dpkg still has a record of the package (installed, or removed with its conffiles).
pkg_known() {
        local s
        s=$(dpkg-query -W -f '${db:Status-Status}' "$PKG" 2>/dev/null) || return 1
        [ -n "$s" ] && [ "$s" != not-installed ]
}
catalog_knows() {
        journalctl --list-catalog "$1" >/dev/null 2>&1
}

# ---------------------------------------------------------------- one at a time, on a clean host
# Two runs at once (make check beside make distcheck, two checkouts) would install and purge the
# same package under each other: a host-wide lock, held until exit, before looking at the host.
require_cmd flock
exec {_deb_lock}>>/run/lock/container-watchd-deb-test.lock || fail "cannot open the lock file in /run/lock"
if ! flock -n "$_deb_lock"; then
        note "another deb.sh is running on this host; waiting for it"
        flock -w 600 "$_deb_lock" || fail "timed out waiting for the other deb.sh (lock /run/lock/container-watchd-deb-test.lock)"
fi
# Everything below would be overwritten, then deleted by the purge: never touch a real install.
if pkg_known; then
        skip_or_fail "package $PKG is already known to dpkg ($(dpkg-query -W -f '${db:Status-Status}' "$PKG")); this test would purge it"
fi
for p in "$BIN" "$UNIT" "$SOCKET" "$CONF" "$CONF.d" "$CATALOG" "$MAN8" "$MAN5" "$WANTS" "$SOCKET_WANTS"; do
        if [ -e "$p" ] || [ -L "$p" ]; then
                skip_or_fail "'$p' exists (a 'make install'?); this test would overwrite and then delete it"
        fi
done
mapfile -t IDS < <(sed -n 's/^-- \([0-9a-f]\{32\}\)\( .*\)\{0,1\}$/\1/p' "$top_srcdir/systemd/container-watchd.catalog" | sort -u)
[ "${#IDS[@]}" -ge 2 ] || fail "found ${#IDS[@]} MESSAGE_IDs in systemd/container-watchd.catalog"
for id in "${IDS[@]}"; do
        catalog_knows "$id" && skip_or_fail "the catalog database already knows $id (a stale install?)"
done
private_existed=0
[ -d /var/lib/private ] && private_existed=1

# From here on, whatever happens, nothing of the package stays behind.
_deb_cleanup() {
        if pkg_known; then
                note "cleanup: purging $PKG"
                "${APT[@]}" purge "$PKG" >>"$TEST_TMP/cleanup.log" 2>&1 ||
                        echo "$TEST_NAME: warning: could not purge $PKG" >&2
        fi
        if [ -d "$SAVED" ]; then
                rm -rf "$STATE_LINK" "$STATE_PRIVATE"
                state_restore
        fi
        [ "$private_existed" = 1 ] || rmdir /var/lib/private 2>/dev/null
        return 0
}
CLEANUP_HOOKS+=(_deb_cleanup)

# ---------------------------------------------------------------- a prior state directory
# Moved aside to $SAVED (same file system: rename(2), nothing copied) and put back by
# state_restore at the end or, whatever happens, by the cleanup. $SAVED/planted marks a state
# directory this test made itself: it is deleted instead of put back. A $SAVED left behind by a
# run that was SIGKILLed is dealt with first.
SAVED=/var/lib/.container-watchd-deb-test.saved
state_snapshot() {        # names, types, modes and contents of what was moved aside
        (cd "$SAVED" && find . -printf '%p %y %m %l\n' | sort && find . -type f -exec md5sum {} + | sort)
}
state_restore() {
        local p dst
        [ -d "$SAVED" ] || return 0
        if [ -e "$SAVED/planted" ]; then
                [ -e "$SAVED/link" ] || rm -rf "$STATE_LINK" # killed before it was moved aside
                rm -rf "$SAVED"
                return 0
        fi
        for p in link private; do
                [ -e "$SAVED/$p" ] || [ -L "$SAVED/$p" ] || continue
                if [ "$p" = link ]; then dst=$STATE_LINK; else dst=$STATE_PRIVATE; fi
                if [ -e "$dst" ] || [ -L "$dst" ]; then
                        echo "$TEST_NAME: warning: $dst exists; the prior state stays in $SAVED/$p" >&2
                        return 1
                fi
                if [ "$p" = private ] && [ ! -d /var/lib/private ]; then mkdir -m 0700 /var/lib/private; fi
                mv -T "$SAVED/$p" "$dst" || return 1
        done
        rmdir "$SAVED"
}
if [ -d "$SAVED" ]; then
        note "putting back the state that a killed run left in $SAVED"
        state_restore || fail "cannot put back the prior state from $SAVED"
fi
mkdir -m 0700 "$SAVED" || fail "cannot create $SAVED"
if [ ! -e "$STATE_LINK" ] && [ ! -L "$STATE_LINK" ] && [ ! -e "$STATE_PRIVATE" ]; then
        # What the README's first command leaves behind: a plain 0700 directory with the record.
        : >"$SAVED/planted"
        mkdir -m 0700 "$STATE_LINK" || fail "cannot create $STATE_LINK"
        printf '{"record":"container-watchd","version":1,"boot":"%s"}\n' \
                "$(tr -d - </proc/sys/kernel/random/boot_id)" >"$STATE_LINK/reported"
        what="one planted by this test"
else
        what="the host's"
fi
[ ! -e "$STATE_LINK" ] && [ ! -L "$STATE_LINK" ] || mv -T "$STATE_LINK" "$SAVED/link" ||
        fail "cannot move $STATE_LINK aside to $SAVED"
[ ! -e "$STATE_PRIVATE" ] || mv -T "$STATE_PRIVATE" "$SAVED/private" ||
        fail "cannot move $STATE_PRIVATE aside to $SAVED"
saved_before=$(state_snapshot)
note "moved the prior state directory ($what) aside to $SAVED"

# ---------------------------------------------------------------- 1. build from a clean copy
src=$TEST_TMP/src/$PKG
mkdir -p "$src"
# (A dist tree unpacked inside a checkout, as distcheck does, is not the checkout: compare tops.)
if [ "$(git -C "$top_srcdir" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$top_srcdir" && pwd -P)" ]; then
        # A git checkout: exactly the tracked files, as they are in the work tree (so that an
        # uncommitted change is tested too), nothing generated, nothing from an in-tree build.
        (cd "$top_srcdir" && git ls-files -z --cached | tar --null --no-recursion -T - -cf -) |
                tar -C "$src" -xf - || fail "cannot copy the tracked files of $top_srcdir"
        from="git checkout $top_srcdir ($(git -C "$top_srcdir" rev-parse --short HEAD))"
else
        # No git: the unpacked dist tarball (make distcheck); it must carry debian/.
        tar -C "$top_srcdir" --exclude=./_build --exclude=./_inst -cf - . | tar -C "$src" -xf - ||
                fail "cannot copy $top_srcdir"
        chmod -R u+w "$src"
        from="dist tree $top_srcdir"
fi
[ -x "$src/debian/rules" ] || fail "no executable debian/rules in the copy of $from"
note "building the package from a copy of the $from"

# The outer make's job server and the harness variables must not leak into the package build.
t0=$SECONDS
if ! (cd "$src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u top_srcdir -u top_builddir -u DAEMON \
        -u DAEMON_WRAPPER DEB_BUILD_OPTIONS="parallel=2" \
        dpkg-buildpackage -us -uc -b) >"$TEST_TMP/build.log" 2>&1; then
        tail -n 60 "$TEST_TMP/build.log" >&2
        fail "dpkg-buildpackage -us -uc -b failed (log above)"
fi
note "dpkg-buildpackage took $((SECONDS - t0)) s"
debs=("$TEST_TMP"/src/"$PKG"_*.deb)
if [ "${#debs[@]}" != 1 ] || [ ! -f "${debs[0]}" ]; then
        fail "expected one ${PKG}_*.deb, found: ${debs[*]}"
fi
deb=${debs[0]}
assert_match "$(basename "$deb")" "^${PKG}_[0-9][^_]*_$(dpkg --print-architecture)\\.deb\$" "package file name"
grep -q '^PASS: tests/unit/test-' "$TEST_TMP/build.log" || fail "the build ran no unit test (dh_auto_test)"
# The kernel probe is in every package (debian/rules: --enable-probe=yes, with clang, bpftool and
# libbpf-dev as build dependencies): the build configured it, and the binary links libbpf.
grep -q '^checking whether to build the kernel probe\.\.\. yes$' "$TEST_TMP/build.log" ||
        fail "the package was built without the kernel probe: $(grep 'kernel probe' "$TEST_TMP/build.log")"
assert_match "$(dpkg-deb -f "$deb" Depends)" '(^|, )libbpf[0-9]' "the package's Depends (libbpf, for the probe)"

# ---------------------------------------------------------------- 2. lintian
lintian --fail-on error --tag-display-limit 0 "$TEST_TMP"/src/*.changes >"$TEST_TMP/lintian.log" 2>&1
lrc=$?
grep -v 'running with root privileges is not recommended' "$TEST_TMP/lintian.log" | sed "s/^/lintian: /"
if [ "$lrc" != 0 ] || grep -q '^E: ' "$TEST_TMP/lintian.log"; then
        fail "lintian reports errors (status $lrc)"
fi

# The package's own file list, for the purge check.
dpkg-deb -c "$deb" | awk '{ p = $6; sub(/^\./, "", p); sub(/\/$/, "", p); if (p != "") print p }' \
        >"$TEST_TMP/contents" || fail "dpkg-deb -c failed"
for p in "$BIN" "$UNIT" "$SOCKET" "$CONF" "$CATALOG" "$MAN8" "$MAN5" "$CTL" "$MAN1" "$BASH_COMPLETION"; do
        grep -qxF "$p" "$TEST_TMP/contents" || fail "the package does not ship $p"
done

# ---------------------------------------------------------------- 3. install and check
# apt-get needs a path with a slash to take a local file.
(cd "$(dirname "$deb")" && "${APT[@]}" install "./$(basename "$deb")") >"$TEST_TMP/install.log" 2>&1 ||
        { cat "$TEST_TMP/install.log" >&2; fail "apt-get install ./$(basename "$deb") failed"; }
pkg_installed || fail "dpkg does not list $PKG as installed after apt-get install"

[ -x "$BIN" ] || fail "$BIN is not installed"
assert_match "$("$BIN" --version 2>&1 | head -n 1)" "$(dpkg-query -W -f '${Version}' "$PKG" | sed 's/-[^-]*$//; s/\./\\./g')" "$BIN --version"
# Every file the package lists is on disk.
while IFS= read -r p; do
        [ -e "$p" ] || fail "dpkg -L lists $p, which is not on disk"
done < <(dpkg -L "$PKG")

[ -f "$UNIT" ] || fail "$UNIT is not installed"
assert_file_contains "$UNIT" "^ExecStart=$BIN\$" "ExecStart= of the installed unit"
assert_file_contains "$UNIT" '^Type=notify$' "Type= of the installed unit"
# Enabled by dh_installsystemd's postinst (deb-systemd-helper works without a running systemd).
[ -L "$WANTS" ] || fail "the unit is not enabled: no $WANTS"
assert_eq "$(readlink -f "$WANTS")" "$(readlink -f "$UNIT")" "target of $WANTS"
# The subscriber socket (issue 15): the sandboxed service cannot make it under a read-only /run.
assert_file_contains "$SOCKET" '^ListenSequentialPacket=/run/container-watchd/events$' "the installed socket unit"
[ -L "$SOCKET_WANTS" ] || fail "the socket unit is not enabled: no $SOCKET_WANTS"

# The configuration is a conffile, and is the shipped file.
conffiles=$(dpkg-query -W -f '${Conffiles}\n' "$PKG")
assert_match "$conffiles" "^ *$CONF [0-9a-f]{32}\$" "dpkg's conffiles of $PKG"
assert_eq "$(md5sum <"$CONF" | cut -d' ' -f1)" "$(awk -v f="$CONF" '$1 == f { print $2 }' <<<"$conffiles")" "md5 of $CONF"
cmp -s "$CONF" "$top_srcdir/conf/container-watchd.conf" || fail "$CONF differs from conf/container-watchd.conf"

# The catalog, and the database that Debian's systemd trigger rebuilt (FACTS 5.4).
cmp -s "$CATALOG" "$top_srcdir/systemd/container-watchd.catalog" || fail "$CATALOG differs from the shipped catalog"
for id in "${IDS[@]}"; do
        out=$(journalctl --list-catalog "$id" 2>&1) ||
                fail "journalctl --list-catalog $id does not know the id after install (trigger not run?): $out"
        assert_match "$out" "^$id " "journalctl --list-catalog $id"
done
note "the catalog database knows all ${#IDS[@]} ids, e.g. $(journalctl --list-catalog "${IDS[0]}" | head -n 1)"

# Man pages, compressed by dh_compress, render.
for m in "$MAN8" "$MAN5"; do
        [ -f "$m" ] || fail "$m is not installed"
        zcat "$m" | grep -q '^\.TH ' || fail "$m has no .TH header"
done
if command -v man >/dev/null 2>&1; then
        assert_eq "$(man -w 8 container-watchd)" "$MAN8" "man -w 8 container-watchd"
        assert_eq "$(man -w 5 container-watchd.conf)" "$MAN5" "man -w 5 container-watchd.conf"
fi

# --check-config reads the installed conffile.
out=$("$BIN" --check-config 2>&1) || fail "$BIN --check-config failed: $out"
assert_match "$out" '^Roots=/run/docker/runtime-runc/moby$' "--check-config output"
out=$("$BIN" --check-config -c "$CONF" 2>&1) || fail "$BIN --check-config -c $CONF failed: $out"
! grep -q '^# Kernel probe: not available: built without' <<<"$out" || fail "the installed daemon has no kernel probe: $out"

# The installed daemon runs. systemd (not PID 1 here) would create the state directory as
# DynamicUser=yes + StateDirectory= do, and pass it in $STATE_DIRECTORY: do the same.
[ -d /var/lib/private ] || mkdir -m 0700 /var/lib/private
mkdir -m 0700 "$STATE_PRIVATE" || fail "cannot create $STATE_PRIVATE"
ln -s private/container-watchd "$STATE_LINK" || fail "cannot create $STATE_LINK"
mkdir -p "$TEST_TMP/root"
DAEMON=$BIN
STATE_DIRECTORY=$STATE_LINK start_daemon -c "$CONF" -r "$TEST_TMP/root" --log-target=console
stop_daemon
# It wrote its record through the symlink, as it would under systemd.
[ -n "$(ls -A "$STATE_PRIVATE")" ] || fail "the daemon wrote nothing into $STATE_LINK -> $STATE_PRIVATE"
note "state directory after a run: $(find "$STATE_PRIVATE" -mindepth 1 -printf '%P ')"

# ---------------------------------------------------------------- 4. purge and check
"${APT[@]}" purge "$PKG" >"$TEST_TMP/purge.log" 2>&1 ||
        { cat "$TEST_TMP/purge.log" >&2; fail "apt-get purge $PKG failed"; }
pkg_known && fail "dpkg still knows $PKG after purge: $(dpkg-query -W -f '${db:Status-Status}' "$PKG")"

left=()
while IFS= read -r p; do
        [ -e "$p" ] || [ -L "$p" ] || continue
        # A directory may stay only while another package owns it (/usr/sbin, /etc, ...; /lib
        # is a symlink to usr/lib on a merged-/usr system: -d follows it).
        if [ -d "$p" ] && dpkg-query -S "$p" >/dev/null 2>&1; then
                continue
        fi
        left+=("$p")
done <"$TEST_TMP/contents"
for p in "$CONF" "$CONF.d" "$WANTS" "$SOCKET_WANTS" "$STATE_LINK" "$STATE_PRIVATE" \
         /var/lib/systemd/deb-systemd-helper-enabled/container-watchd.service.dsh-also \
         /var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/container-watchd.service; do
        if [ -e "$p" ] || [ -L "$p" ]; then left+=("$p"); fi
done
[ "${#left[@]}" = 0 ] || fail "left behind after apt-get purge: ${left[*]}"
for id in "${IDS[@]}"; do
        catalog_knows "$id" && fail "the catalog database still knows $id after purge"
done

# ---------------------------------------------------------------- 5. the prior state is back
assert_eq "$(state_snapshot)" "$saved_before" "what was moved aside to $SAVED"
planted=0
[ -e "$SAVED/planted" ] && planted=1
state_restore || fail "cannot put the prior state back from $SAVED"
[ ! -e "$SAVED" ] || fail "$SAVED is still there after putting the state back"
if [ "$planted" = 1 ]; then
        [ ! -e "$STATE_LINK" ] || fail "the planted $STATE_LINK is still there"
else
        [ -e "$STATE_LINK" ] || [ -e "$STATE_PRIVATE" ] || fail "the host's state directory was not put back"
fi
note "the prior state directory ($what) is back as it was"

note "ok: built $(basename "$deb"), lintian clean, installed, checked, purged without a trace"
