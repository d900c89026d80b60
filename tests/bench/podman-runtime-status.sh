#!/bin/bash
# SPDX-License-Identifier: MIT
# Benchmark (reports, asserts nothing): docker-runtime-status.sh for Podman. Of BENCH_N (default
# 100) Podman containers (runc, conmon as the init's parent) killed with SIGKILL from outside, how
# many exits carry their real status when the daemon ignores the kernel's (CW_TEST_NO_KERNEL_STATUS=1),
# so that only conmon's exit file (/run/libpod/exits/<id>) can tell? Prints one line.
#
#   top_srcdir=SRC top_builddir=BUILD DAEMON=BUILD/daemon/container-watchd bash tests/bench/podman-runtime-status.sh
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
N=${BENCH_N:-100}
B=${BENCH_BATCH:-10}
require_root
require_cmd podman conmon runc jq
runc_rootfs
PODMAN=(podman --cgroup-manager cgroupfs --events-backend file)
image=localhost/container-watchd-itest-busybox:1
if ! "${PODMAN[@]}" image exists "$image" 2>/dev/null; then
        tar -C "$RUNC_ROOTFS" -c . | "${PODMAN[@]}" import - "$image" >/dev/null || fail "podman import failed"
fi
_podman_cleanup() { [ -s "$TEST_TMP/mine" ] && xargs -r "${PODMAN[@]}" rm -f <"$TEST_TMP/mine" >/dev/null 2>&1; return 0; }
CLEANUP_HOOKS+=(_podman_cleanup)
export CW_TEST_NO_KERNEL_STATUS=1
start_daemon -r /run/runc --log-target=console --json
done_n=0
while [ "$done_n" -lt "$N" ]; do
        ids=()
        for ((i = 0; i < B && done_n + i < N; i++)); do
                id=$("${PODMAN[@]}" run -d --runtime runc --network none --ulimit nofile=1024:20000 \
                        --ulimit nproc=32768:32768 "$image" sleep 1000000) || fail "podman run failed"
                ids+=("$id")
                printf '%s\n' "$id" >>"$TEST_TMP/mine"
        done
        for id in "${ids[@]}"; do
                wait_event "$id" started 30
                kill -KILL "$(jq -r .init_process_pid "/run/runc/$id/state.json")"
        done
        for id in "${ids[@]}"; do
                wait_event "$id" exited 30
        done
        done_n=$((done_n + ${#ids[@]}))
done
stop_daemon
mine=$(jq -R . "$TEST_TMP/mine" | jq -s -c .)
ex=".CONTAINER_EVENT == \"exited\" and (.CONTAINER_ID_FULL as \$i | $mine | index(\$i) != null)"
total=$(events "$ex" | wc -l)
runtime=$(events "$ex and .EXIT_STATUS_SOURCE == \"runtime\" and .EXIT_CODE == \"killed\" and .EXIT_STATUS == \"9\"" | wc -l)
unknown=$(events "$ex and .EXIT_CODE == \"unknown\"" | wc -l)
printf 'podman, no kernel status: %d of %d from the runtime (%d %%), %d unknown, %d wrong\n' \
        "$runtime" "$total" $((total ? runtime * 100 / total : 0)) "$unknown" $((total - runtime - unknown))
