#!/bin/bash
# SPDX-License-Identifier: MIT
# Benchmark (reports, asserts nothing): of BENCH_N (default 100) Docker containers killed with
# SIGKILL from outside, how many exits carry their real status (killed by SIGKILL, 137 for Docker)
# when the kernel gives none? The daemon runs with CW_TEST_NO_KERNEL_STATUS=1 (daemon/pidwatch.h):
# it ignores PIDFD_INFO_EXIT and /proc/PID/stat, as on a kernel before 6.15 whose reaper (the
# containerd shim) won the race, so every status must come from Docker's own record
# (config.v2.json State, EXIT_STATUS_SOURCE=runtime). Uses the running dockerd (or starts one, as
# tests/lib/docker.sh does). Prints one line: "docker, no kernel status: R of N from the runtime
# (P %), U unknown, W wrong".
#
#   CW_DOCKERD_STARTED=1 top_srcdir=SRC top_builddir=BUILD DAEMON=BUILD/daemon/container-watchd \
#           bash tests/bench/docker-runtime-status.sh
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/docker.sh" || exit 99
N=${BENCH_N:-100}
B=${BENCH_BATCH:-10}
require_docker
docker_image
export CW_TEST_NO_KERNEL_STATUS=1
start_docker_daemon
done_n=0
while [ "$done_n" -lt "$N" ]; do
        ids=()
        for ((i = 0; i < B && done_n + i < N; i++)); do
                ids+=("$(docker_run "$DOCKER_IMAGE" sleep 1000000)")
                printf '%s\n' "${ids[-1]}" >>"$TEST_TMP/mine"
        done
        for id in "${ids[@]}"; do
                wait_event "$id" started 30
                kill -KILL "$(docker_init_pid "$id")"
        done
        for id in "${ids[@]}"; do
                wait_event "$id" exited 30
        done
        "$DOCKER" rm -f "${ids[@]}" >/dev/null 2>&1
        done_n=$((done_n + ${#ids[@]}))
done
stop_daemon
# Only this run's containers: the dockerd may be shared, and the daemon sees every container of it.
mine=$(jq -R . "$TEST_TMP/mine" | jq -s -c .)
ex=".CONTAINER_EVENT == \"exited\" and (.CONTAINER_ID_FULL as \$i | $mine | index(\$i) != null)"
total=$(events "$ex" | wc -l)
runtime=$(events "$ex and .EXIT_STATUS_SOURCE == \"runtime\" and .EXIT_CODE == \"killed\" and .EXIT_STATUS == \"9\"" | wc -l)
unknown=$(events "$ex and .EXIT_CODE == \"unknown\"" | wc -l)
wrong=$(events "$ex and .EXIT_CODE != \"unknown\" and (.EXIT_CODE != \"killed\" or .EXIT_STATUS != \"9\")" |
        jq -r '"\(.CONTAINER_ID_FULL) \(.EXIT_CODE) \(.EXIT_STATUS // "") \(.EXIT_STATUS_SOURCE)"')
[ -z "$wrong" ] || note "wrong: $wrong"
printf 'docker, no kernel status: %d of %d from the runtime (%d %%), %d unknown, %d wrong\n' \
        "$runtime" "$total" $((total ? runtime * 100 / total : 0)) "$unknown" $((total - runtime - unknown))
