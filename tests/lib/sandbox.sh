# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# The daemon as the shipped unit runs it (issue 12, item 4). Source after common.sh, then call
# `sandbox_daemon` before start_daemon (or start_docker_daemon; export SANDBOX_PROBE=1 first for
# the unit's capabilities of the kernel probe): the daemon then runs through
# tests/lib/unit-sandbox.sh, which applies what this host can apply of
# systemd/container-watchd.service without systemd (read-only file system and cgroup tree in a
# private mount namespace, the dynamic user, the two capabilities, no new privileges) and execs,
# so the daemon keeps its PID. The test log gets one line naming what is not applied.

SANDBOX_NOT_APPLIED="not applied here (they need systemd's executor): PrivateTmp (the state roots of the tests live in /tmp), PrivateDevices, PrivateNetwork, IPAddressDeny, RestrictAddressFamilies, SystemCallFilter, RestrictNamespaces, MemoryDenyWriteExecute, ProtectKernelModules/Logs, ProtectClock, ProtectHostname, LockPersonality, RestrictRealtime, RestrictSUIDSGID"

# sandbox_daemon: wrap the daemon in the unit's sandbox from now on.
sandbox_daemon() {
        require_root
        require_cmd unshare setpriv findmnt
        DAEMON_WRAPPER="bash $top_srcdir/tests/lib/unit-sandbox.sh${DAEMON_WRAPPER:+ $DAEMON_WRAPPER}"
        local caps="2 capabilities"
        [ "${SANDBOX_PROBE:-}" = 1 ] && caps="4 capabilities (the kernel probe's two at start)"
        note "daemon in the unit's sandbox: ProtectSystem=strict, ProtectControlGroups, ProtectKernelTunables, ProtectHome, DynamicUser (UID ${SANDBOX_UID:-61184}), $caps, NoNewPrivileges; $SANDBOX_NOT_APPLIED"
}

# sandbox_probe_state: after the daemon started with SANDBOX_PROBE=1, "attached" or "off" on
# stdout. Fails the test when the unit's two probe capabilities did not suffice (libbpf 1.1 once
# wanted CAP_SYS_ADMIN to list the modules' BTF: probe.c names vmlinux's BTF file); other reasons
# (KernelProbe=no, a build or kernel without it) leave the documented fallback, "off".
sandbox_probe_state() {
        if grep -q 'Kernel probe not loaded: not permitted' "$DAEMON_ERR"; then
                fail "the unit's capabilities do not let the dynamic user load the probe: $(grep -m1 'Kernel probe' "$DAEMON_ERR")"
        fi
        if grep -q 'Kernel probe not loaded' "$DAEMON_ERR"; then echo off; else echo attached; fi
}
