#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Benchmark "runtime-status" (tests/bench/lib.sh, issue 12 item 2): how many exits keep their real
# status when the kernel cannot give it. Runs the one-line scripts beside this one, each on real
# containers killed with SIGKILL from outside:
#   docker-runtime-status.sh   Docker, the daemon ignoring the kernel's statuses
#                              (CW_TEST_NO_KERNEL_STATUS=1): only Docker's config.v2.json can tell
#   podman-runtime-status.sh   the same for Podman: only conmon's exit file can tell
#   runc-status-6.1.sh         plain `runc run -d` on Debian 12's 6.1 in the tests/vm guest, PID 1
#                              reaping at once: twice, KernelProbe=no (the race for /proc/PID/stat
#                              alone; nothing records a plain runc exit) and the default (the probe)
#   manager-status-6.1.sh      Docker (dockerd, containerd, the shim reaping at once) and Podman
#                              (conmon reaping) on that 6.1 in the guest, KernelProbe=no:
#                              /proc/PID/stat when the daemon wins the race, else Docker's
#                              config.v2.json or conmon's exit file, waited for up to
#                              ReapTimeoutSec=15 (the host's 2 s scaled to TCG, tests/vm/README.md)
# N_STATUS kills for Docker and Podman (BENCH_N_STATUS; 100, --quick 10: the target is >= 99 %),
# N_GUEST for each guest runc run (BENCH_N_GUEST; 30, --quick 10: under TCG a container costs 2-5 s),
# N_GUEST_MGR for each guest Docker and Podman run (BENCH_N_GUEST_MGR; 100, --quick 10: the
# target is >= 99 %). A Docker container costs about 12 s of qemu CPU under TCG (its start), so the
# starts go in batches of 10 at once; the kills one at a time (ten at once kept dockerd busy for
# 110 s of guest time).
# The scripts need the build tree's test helpers (notify-listen, tests/vm/vm-reaper and crash): the
# build tree is the daemon's. Cost, 2-core machine: --quick 3 min 18 s (Docker 5 s, Podman 3 s, the
# runc guest runs 25-28 s each, the guest Docker run 92 s and the guest Podman run 44 s, boots
# included; 2026-12-02, moderate load); a full run more than 20 minutes, most of it the guest
# Docker run of 100 (20 min 10 s, 1143 s of qemu CPU, at a load of 5; BENCH_N_GUEST_MGR sizes it).
. "$(dirname "$0")/lib.sh"

# status_line NAME: the one line a script printed, or why there is none.
status_line() { if [ -s "$R/$1.out" ]; then tail -n 1 "$R/$1.out"; else echo "not measured: $(cat "$R/$1.note" 2>/dev/null)"; fi; }

# run_one NAME N SCRIPT [VAR=VALUE...]: run a script for N kills with the test harness's environment.
run_one() {
        local name=$1 n=$2 script=$3 rc
        shift 3
        log "$name: $n kills"
        env top_srcdir="$BENCH_SRC" top_builddir="$BUILD" DAEMON="$DAEMON" BENCH_N="$n" "$@" \
                bash "$BENCH_SRC/tests/bench/$script" >"$R/$name.log" 2>&1
        rc=$?
        case $rc in
        0) grep -E '^(docker|podman|plain runc)' "$R/$name.log" | tail -n 1 >"$R/$name.out" ;;
        77) echo "skipped: $(grep -m1 -iE 'skip|not installed' "$R/$name.log")" >"$R/$name.note" ;;
        *) echo "failed (status $rc): $(tail -n 1 "$R/$name.log")" >"$R/$name.note" ;;
        esac
        log "$name: $(status_line "$name")"
}

bench_run() {
        if [ "$QUICK" = 1 ]; then N_STATUS=10 N_GUEST=10 N_GUEST_MGR=10; else N_STATUS=100 N_GUEST=30 N_GUEST_MGR=100; fi
        overrides N_STATUS N_GUEST N_GUEST_MGR
        BUILD=$(dirname "$(dirname "$DAEMON")")
        results N_STATUS N_GUEST N_GUEST_MGR BUILD
        if [ "$DOCKER" = 1 ]; then
                run_one docker "$N_STATUS" docker-runtime-status.sh CW_DOCKERD_STARTED=1
        else
                echo "no dockerd" >"$R/docker.note"
        fi
        run_one podman "$N_STATUS" podman-runtime-status.sh
        run_one runc-6.1-noprobe "$N_GUEST" runc-status-6.1.sh ITEST_KERNEL_PROBE=no
        run_one runc-6.1-probe "$N_GUEST" runc-status-6.1.sh
        # its own dockerd in the guest: the host's is not used
        run_one docker-6.1-noprobe "$N_GUEST_MGR" manager-status-6.1.sh BENCH_MANAGER=docker
        run_one podman-6.1-noprobe "$N_GUEST_MGR" manager-status-6.1.sh BENCH_MANAGER=podman
}

# pct_of NAME: the "(P %)" of a script's line, "" when there is none
pct_of() { status_line "$1" | sed -n 's/.*(\([0-9]*\) %).*/\1/p'; }

bench_targets() {
        local p
        p=$(pct_of docker)
        echo "| Docker exits with the real status, no kernel status | ≥ 99 % | ${p:-–} % of $N_STATUS | $(verdict "$(ok "${p:-nan} >= 99")") |"
        p=$(pct_of podman)
        echo "| Podman exits with the real status, no kernel status | ≥ 99 % | ${p:-–} % of $N_STATUS | $(verdict "$(ok "${p:-nan} >= 99")") |"
        p=$(pct_of docker-6.1-noprobe)
        echo "| Docker exits with the real status on 6.1, KernelProbe=no | ≥ 99 % | ${p:-–} % of $N_GUEST_MGR | $(verdict "$(ok "${p:-nan} >= 99")") |"
        p=$(pct_of podman-6.1-noprobe)
        echo "| Podman exits with the real status on 6.1, KernelProbe=no | ≥ 99 % | ${p:-–} % of $N_GUEST_MGR | $(verdict "$(ok "${p:-nan} >= 99")") |"
        p=$(pct_of runc-6.1-noprobe)
        echo "| plain runc exits with a known status on 6.1, KernelProbe=no | reported | ${p:-–} % of $N_GUEST | – |"
        p=$(pct_of runc-6.1-probe)
        echo "| plain runc exits with a known status on 6.1, the probe | reported | ${p:-–} % of $N_GUEST | – |"
}

bench_report() {
        cat <<EOT
## Real exit statuses when the kernel cannot give them

Before Linux 6.15 there is no \`PIDFD_INFO_EXIT\`, and a reaper that reaps at once (containerd-shim,
conmon, crun) often wins the race for the zombie's \`/proc/PID/stat\`. Then only the manager's own
record of the exit can tell (DESIGN.md: \`EXIT_STATUS_SOURCE=runtime\`, after a bounded wait), or the
kernel probe where it loads. Containers killed with SIGKILL from outside ($N_STATUS per manager on
the host, $N_GUEST per plain runc guest run, $N_GUEST_MGR Docker and Podman containers in the guest):

| case | what can tell | result |
|---|---|---|
| Docker, the daemon ignoring the kernel's statuses | Docker's \`config.v2.json\` | $(status_line docker) |
| Podman, the same | conmon's exit file | $(status_line podman) |
| Docker on 6.1 (tests/vm guest), \`KernelProbe=no\`, \`ReapTimeoutSec=15\` (TCG) | \`/proc/PID/stat\` when the daemon wins the race, else Docker's \`config.v2.json\` | $(status_line docker-6.1-noprobe) |
| Podman on 6.1 (tests/vm guest), \`KernelProbe=no\`, \`ReapTimeoutSec=15\` | \`/proc/PID/stat\` when the daemon wins the race, else conmon's exit file | $(status_line podman-6.1-noprobe) |
| plain \`runc run -d\` on 6.1 (tests/vm guest), \`KernelProbe=no\` | \`/proc/PID/stat\` when the daemon wins the race | $(status_line runc-6.1-noprobe) |
| plain \`runc run -d\` on 6.1, the default (the kernel probe) | the probe's exit record | $(status_line runc-6.1-probe) |

Plain runc writes no exit down anywhere (\`runc state\` of a dead container says only \`stopped\`), and
the daemon is not the inits' parent or subreaper (a subreaper only receives orphans of its own
descendants), so without the probe the share of known statuses is the share of races the daemon
wins. In the guest every program runs tens of times slower under qemu's TCG, and dockerd writes an
exit down seconds after it (3.3 s seen), so the daemon there runs with \`ReapTimeoutSec=15\`, the
documented bound of that wait scaled like everything else. (\`tests/bench/docker-runtime-status.sh\`,
\`podman-runtime-status.sh\`, \`runc-status-6.1.sh\`, \`manager-status-6.1.sh\`.)

EOT
}

bench_main "$@"
