#!/bin/bash
# SPDX-License-Identifier: MIT
# A containerd-style root `DIR/*` (containerd gives every namespace its own runc root,
# /run/containerd/runc/<namespace>): namespace directories that exist at start and that appear
# later are all watched, and CONTAINER_NAMESPACE names the directory. Also a `*` root whose
# parent does not exist yet.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_runc
runc_rootfs

base=$TEST_TMP/containerd/runc
later=$TEST_TMP/later/runc
mkdir -p "$base"
m=$(new_id ns-moby)
RUNC_ROOT=$base/moby runc_run "$m" "${INIT_SLEEP[@]}"

start_daemon -r "$base/*" -r "$later/*" --log-target=console --json
wait_event "$m" started 5
assert_field "$m" started CONTAINER_NAMESPACE moby
assert_field "$m" started CONTAINER_STATE_DIR "$base/moby/$m"

k=$(new_id ns-k8s)
RUNC_ROOT=$base/k8s.io runc_run "$k" "${INIT_SLEEP[@]}"
wait_event "$k" started
assert_field "$k" started CONTAINER_NAMESPACE k8s.io
assert_field "$k" started CONTAINER_STATE_DIR "$base/k8s.io/$k"
assert_field "$k" started CONTAINER_PID "$(RUNC_ROOT=$base/k8s.io runc_pid "$k")"

d=$(new_id ns-default)
mkdir -p "$base/default"
RUNC_ROOT=$base/default runc_run "$d" "${INIT_SLEEP[@]}"
wait_event "$d" started
assert_field "$d" started CONTAINER_NAMESPACE default

l=$(new_id ns-later)
RUNC_ROOT=$later/k8s.io runc_run "$l" "${INIT_SLEEP[@]}"
wait_event "$l" started
assert_field "$l" started CONTAINER_NAMESPACE k8s.io
assert_field "$l" started CONTAINER_STATE_DIR "$later/k8s.io/$l"

# Tracked in a namespace root: the exit is seen live.
RUNC_ROOT=$base/k8s.io runc_kill "$k" KILL
wait_event "$k" exited
assert_field "$k" exited CONTAINER_NAMESPACE k8s.io
assert_field "$k" exited EXIT_CODE killed
assert_field "$k" exited EXIT_OBSERVED live

# A plain file where a namespace directory would be is not a root (and not fatal).
echo junk >"$base/not-a-namespace"
bar=$(new_id ns-barrier)
RUNC_ROOT=$base/k8s.io runc_run "$bar" "${INIT_SLEEP[@]}"
wait_event "$bar" started

for id in "$m" "$k" "$d" "$l" "$bar"; do
        assert_event_count "$id" started 1
done
stop_daemon
note "ok"
