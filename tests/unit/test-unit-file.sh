#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The generated systemd unit: fully substituted, the directives the contract asks for are there
# and the forbidden ones are not, "systemd-analyze verify" is clean, and the offline
# "systemd-analyze security" exposure is at most $MAX_EXPOSURE (2.0 unless overridden).
#
# verify checks that ExecStart= is executable and that Documentation=man:... pages exist. The
# installed path (@sbindir@) usually does not exist at "make check" time, so verify runs on a copy
# whose ExecStart= points at the built binary ($DAEMON), with MANPATH pointing at our man/ pages;
# everything else is byte-for-byte the generated unit.
set -eu

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${DAEMON:=$top_builddir/daemon/container-watchd}"
: "${MAX_EXPOSURE:=2.0}"
unit="$top_builddir/systemd/container-watchd.service"

. "$top_srcdir/tests/lib/checks.sh" || exit 99

[ -f "$unit" ] || { echo "FAIL: $unit was not generated (run make)" >&2; exit 1; }

# 1. Substitution and contents (a line-anchored grep, so comments do not count).
if grep -n '@[A-Za-z_]*@' "$unit" >&2; then
        err "unsubstituted @variables@ in $unit (above)"
fi
for want in \
        'Type=notify' \
        'ExecStart=/.*/container-watchd' \
        'ExecReload=/bin/kill -HUP \$MAINPID' \
        'WatchdogSec=30s' \
        'Restart=on-failure' \
        'Documentation=man:container-watchd(8).*' \
        'StateDirectory=container-watchd' \
        'LogRateLimitIntervalSec=0' \
        'LimitNOFILE=[0-9]*:[0-9]*' \
        'NoNewPrivileges=yes' \
        'ProtectSystem=strict' \
        'CapabilityBoundingSet=CAP_DAC_READ_SEARCH CAP_SYS_PTRACE CAP_BPF CAP_PERFMON' \
        'SystemCallFilter=bpf perf_event_open' \
        'SystemCallFilter=@system-service'; do
        grep -qx "$want" "$unit" || err "no line matching '$want' in $unit"
done
for forbidden in 'ProtectProc=invisible' 'ProtectProc=noaccess' 'PrivatePIDs=.*' 'PrivateUsers=.*'; do
        if grep -nx "$forbidden" "$unit" >&2; then
                err "$unit sets $forbidden (hides other users' /proc/<pid> or voids the capabilities)"
        fi
done
# The soft limit must allow more than 10,000 tracked containers (one pidfd each, plus slack).
soft=$(sed -n 's/^LimitNOFILE=\([0-9]*\):[0-9]*$/\1/p' "$unit")
[ "${soft:-0}" -ge 16384 ] || err "LimitNOFILE soft limit '${soft:-}' is too small for 10,000 containers"
[ "$fail" -eq 0 ] && echo "unit contents: OK"

command -v systemd-analyze >/dev/null 2>&1 || skip "systemd-analyze not installed (Debian package systemd)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-unit-file.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# 2. systemd-analyze verify, on a copy that can be checked for real.
[ -x "$DAEMON" ] || { echo "FAIL: $DAEMON is not built" >&2; exit 1; }
mkdir "$tmp/units"
sed "s|^ExecStart=.*|ExecStart=$DAEMON|" "$unit" >"$tmp/units/container-watchd.service"
if command -v man >/dev/null 2>&1; then
        mkdir -p "$tmp/man/man8" "$tmp/man/man5"
        cp "$top_srcdir/man/container-watchd.8" "$tmp/man/man8/"
        cp "$top_srcdir/man/container-watchd.conf.5" "$tmp/man/man5/"
        man_opt=--man=yes
else
        # Say so rather than pretend: without man(1), verify cannot look the pages up.
        [ "${CI:-}" = true ] && { echo "FAIL: man(1) missing in CI (Debian package man-db)" >&2; exit 1; }
        echo "NOTE: man(1) not installed, verifying with --man=no" >&2
        man_opt=--man=no
fi
# verify prints warnings (unknown keys, bad values) yet may exit 0: any output is a failure.
if ! MANPATH="$tmp/man" systemd-analyze verify "$man_opt" "$tmp/units/container-watchd.service" \
        >"$tmp/verify.out" 2>&1; then
        err "systemd-analyze verify failed"
fi
if [ -s "$tmp/verify.out" ]; then
        sed 's/^/  verify: /' "$tmp/verify.out" >&2
        err "systemd-analyze verify was not clean (above)"
else
        echo "systemd-analyze verify: clean ($man_opt)"
fi

# 3. systemd-analyze security, offline, on the generated unit itself.
if ! systemd-analyze security --offline=yes "$unit" >"$tmp/security.out" 2>&1; then
        cat "$tmp/security.out" >&2
        err "systemd-analyze security failed"
fi
level=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9]*\.[0-9]\).*/\1/p' "$tmp/security.out")
if [ -z "$level" ]; then
        cat "$tmp/security.out" >&2
        err "no 'Overall exposure level' line in the systemd-analyze security output"
elif awk -v l="$level" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(l > m) }'; then
        grep '✗' "$tmp/security.out" >&2 || true
        err "exposure level $level is above $MAX_EXPOSURE"
else
        echo "systemd-analyze security: exposure $level (limit $MAX_EXPOSURE)"
fi

exit "$fail"
