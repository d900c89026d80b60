#!/bin/bash
# SPDX-License-Identifier: MIT
# Memcheck over everything that runs under Debian 12's valgrind (3.19): every unit-test program,
# and the daemon's one-shot modes (--list over real runc containers, --check-config, --help).
# The event loop itself cannot run under this valgrind: it does not know the pidfd_open system
# call (434) and fails it with ENOSYS, so the daemon refuses to start; the whole test suite runs
# under ASan + LeakSanitizer instead (.ci/run). Prints one "PASS: name" or "FAIL: name" line per
# program; exit status 0 only when all passed.
#
#   tests/valgrind.sh BUILDDIR
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
builddir=$(cd "${1:?usage: tests/valgrind.sh BUILDDIR}" && pwd)
srcdir=$(cd "$(dirname "$0")/.." && pwd)
command -v valgrind >/dev/null || { echo "FAIL: valgrind (not installed)"; exit 1; }

vg=(valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99
    --track-fds=no)
failed=0
run() {
        local name=$1 log
        shift
        log=$(mktemp)
        if "${vg[@]}" "$@" >"$log" 2>&1; then
                echo "PASS: $name"
        else
                echo "FAIL: $name (exit $?)"
                tail -n 40 "$log"
                failed=$((failed + 1))
        fi
        rm -f "$log"
}

# newer_valgrind: Debian 13's valgrind, which knows pidfd_open (fetched once into the build tree).
newer_valgrind() {
        local dir=$builddir/tests/bench/valgrind
        if [ -x "$dir/valgrind" ]; then
                echo "$dir/valgrind"
        else
                "$srcdir/tests/bench/fetch-valgrind.sh" "$dir"
        fi
}

for t in "$builddir"/tests/unit/test-*; do
        [ -x "$t" ] && [ "${t%.sh}" = "$t" ] && [ "${t%.o}" = "$t" ] || continue
        # A program that needs pidfd_open() exits 77 under this valgrind: run it under the newer one.
        log=$(mktemp)
        CK_FORK=no "${vg[@]}" "$t" >"$log" 2>&1
        rc=$?
        if [ "$rc" = 0 ]; then
                echo "PASS: valgrind ${t##*/}"
        elif [ "$rc" != 77 ]; then
                echo "FAIL: valgrind ${t##*/} (exit $rc)"
                tail -n 40 "$log"
                failed=$((failed + 1))
        elif newvg=$(newer_valgrind); then
                if CK_FORK=no "$newvg" "${vg[@]:1}" "$t" >"$log" 2>&1; then
                        echo "PASS: valgrind (Debian 13's) ${t##*/}"
                else
                        echo "FAIL: valgrind (Debian 13's) ${t##*/} (exit $?)"
                        tail -n 40 "$log"
                        failed=$((failed + 1))
                fi
        else
                echo "FAIL: valgrind ${t##*/} (needs pidfd_open, and Debian 13's valgrind could not be fetched)"
                failed=$((failed + 1))
        fi
        rm -f "$log"
done

daemon=$builddir/daemon/container-watchd
run "valgrind container-watchd --help" "$daemon" --help
run "valgrind container-watchd --check-config" "$daemon" --check-config -c "$srcdir/conf/container-watchd.conf"

# --list over a root with real runc containers: one alive, one dead, one bad state file.
if command -v runc >/dev/null && [ -x /bin/busybox ]; then
        tmp=$(mktemp -d)
        mkdir -p "$tmp/rootfs/bin" "$tmp/root"
        cp /bin/busybox "$tmp/rootfs/bin/"
        ln -s busybox "$tmp/rootfs/bin/sleep"
        (cd "$tmp" && runc spec && jq '.process.terminal=false | .process.args=["sleep","100000"] |
                .linux.namespaces |= map(select(.type != "network"))' config.json >c && mv c config.json)
        for id in vg-alive vg-dead; do
                runc --root "$tmp/root" run -d --bundle "$tmp" "$id" </dev/null >/dev/null 2>&1
        done
        kill -KILL "$(runc --root "$tmp/root" state vg-dead | jq .pid)" 2>/dev/null
        mkdir "$tmp/root/vg-bad" && echo '{"init_process_pid":' >"$tmp/root/vg-bad/state.json"
        run "valgrind container-watchd --list" "$daemon" --list -c /dev/null -r "$tmp/root"
        run "valgrind container-watchd --list --json" "$daemon" --list --json -c /dev/null -r "$tmp/root"
        for id in vg-alive vg-dead; do
                runc --root "$tmp/root" delete -f "$id" >/dev/null 2>&1
        done
        rm -rf "$tmp"
else
        echo "FAIL: valgrind container-watchd --list (runc or busybox-static missing)"
        failed=$((failed + 1))
fi
[ "$failed" = 0 ]
