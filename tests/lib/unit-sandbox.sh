#!/bin/bash
# SPDX-License-Identifier: MIT
# Run a program as systemd/container-watchd.service runs the daemon, as far as this host allows
# without systemd as PID 1: a DAEMON_WRAPPER (tests/lib/sandbox.sh sets it up). Every step execs,
# so the daemon keeps this script's PID (NotifyAccess=main checks it).
#
#   unit-sandbox.sh PROGRAM [ARGS...]
#
# Applied, from the unit:
#   ProtectSystem=strict        every mount read-only, but /proc, /dev and the StateDirectory
#   ProtectControlGroups=yes    /sys/fs/cgroup and every mount under it read-only
#   ProtectKernelTunables=yes   /sys and /proc/sys read-only
#   ProtectHome=yes             an empty read-only tmpfs on /home and /root
#   StateDirectory=, UMask=     $STATE_DIRECTORY stays writable, owned by the dynamic user, mode 0700
#   DynamicUser=yes             an unprivileged UID/GID from systemd's dynamic range ($SANDBOX_UID)
#   CapabilityBoundingSet=, AmbientCapabilities=   CAP_DAC_READ_SEARCH CAP_SYS_PTRACE, nothing else;
#                               with SANDBOX_PROBE=1 also CAP_BPF CAP_PERFMON, as the unit grants
#                               them for the kernel probe's load at start (the daemon drops them)
#   NoNewPrivileges=yes, SecureBits=noroot-locked
# Not applied (SANDBOX_NOT_APPLIED says so in one line): PrivateTmp (the tests' state roots live in
# /tmp), PrivateDevices, PrivateNetwork, the seccomp filter, RestrictNamespaces, MemoryDenyWriteExecute
# and the other directives that need systemd's executor.
# Environment: STATE_DIRECTORY (required), NOTIFY_SOCKET (made writable for the dynamic user, as
# systemd's own socket is), SANDBOX_UID (default 61184, the first UID of systemd's dynamic range),
# SANDBOX_PROBE (1: the unit's four capabilities, the probe's two included).
set -u

SANDBOX_UID=${SANDBOX_UID:-61184}
CAPS=+dac_read_search,+sys_ptrace
[ "${SANDBOX_PROBE:-}" = 1 ] && CAPS=$CAPS,+bpf,+perfmon

if [ "${_CW_SANDBOXED:-}" != 1 ]; then
        _CW_SANDBOXED=1 exec unshare -m --propagation private -- bash "$0" "$@"
        echo "unit-sandbox: cannot enter a private mount namespace" >&2
        exit 70
fi
: "${STATE_DIRECTORY:?unit-sandbox: STATE_DIRECTORY must be set}"

die() {
        echo "unit-sandbox: $*" >&2
        exit 70
}

# StateDirectory=: writable, owned by the dynamic user, 0700.
chown "$SANDBOX_UID:$SANDBOX_UID" "$STATE_DIRECTORY" && chmod 0700 "$STATE_DIRECTORY" ||
        die "cannot hand $STATE_DIRECTORY to UID $SANDBOX_UID"
mount --bind "$STATE_DIRECTORY" "$STATE_DIRECTORY" || die "cannot bind $STATE_DIRECTORY"

# The notify socket: systemd's accepts datagrams from the service's user.
if [ -n "${NOTIFY_SOCKET:-}" ] && [ "${NOTIFY_SOCKET#@}" = "$NOTIFY_SOCKET" ]; then
        chmod 0777 "$NOTIFY_SOCKET" 2>/dev/null || true
fi

# ProtectHome=yes
for d in /home /root; do
        [ -d "$d" ] && { mount -t tmpfs -o ro,mode=0755 tmpfs "$d" || die "cannot hide $d"; }
done

# ProtectSystem=strict, ProtectControlGroups=yes, ProtectKernelTunables=yes: remount read-only,
# mount by mount (a bind remount is not recursive). /proc and /dev stay as they are, but /proc/sys.
mount --bind /proc/sys /proc/sys || die "cannot bind /proc/sys"
while read -r target; do
        case $target in
        /proc/sys|/proc/sys/*) ;;
        /proc|/proc/*|/dev|/dev/*) continue ;;
        "$STATE_DIRECTORY") continue ;;
        esac
        mount -o remount,bind,ro "$target" 2>/dev/null ||
                echo "unit-sandbox: warning: cannot make $target read-only" >&2
done < <(findmnt -rn -o TARGET | sed 's/\\x20/ /g')
rw=$(findmnt -rn -R -o TARGET,OPTIONS /sys/fs/cgroup | awk '$2 !~ /^ro(,|$)/ { print $1 }')
[ -z "$rw" ] || die "still writable: $rw"

umask 0077
exec setpriv --reuid="$SANDBOX_UID" --regid="$SANDBOX_UID" --clear-groups \
        --inh-caps="-all,$CAPS" --ambient-caps="-all,$CAPS" --bounding-set="-all,$CAPS" \
        --securebits=+noroot,+noroot_locked \
        --no-new-privs -- "$@"
