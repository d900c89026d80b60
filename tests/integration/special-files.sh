#!/bin/bash
# SPDX-License-Identifier: MIT
# state.json that is not a regular file and would block or never end a naive reader: a FIFO
# (`runc list` itself hangs on one) and a symlink to /dev/zero. Present at start-up and appearing
# later. The daemon must not hang: it gets READY, reports good containers, and prints one
# diagnostic line per bad file.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_runc
require_cmd mkfifo
runc_rootfs

# make_special KIND ROOT: a container directory whose state.json is of KIND; print its id.
make_special() {
        local id
        id=$(new_id "$1")
        mkdir -p "$TEST_TMP/staging/$id"
        case $1 in
        *fifo)  mkfifo "$TEST_TMP/staging/$id/state.json" ;;
        *zero)  ln -s /dev/zero "$TEST_TMP/staging/$id/state.json" ;;
        esac
        mv "$TEST_TMP/staging/$id" "$2/$id"
        printf '%s\n' "$id"
}

g1=$(new_id special-good1)
runc_run "$g1" "${INIT_SLEEP[@]}"
BAD=("$(make_special scan-fifo "$RUNC_ROOT")" "$(make_special scan-zero "$RUNC_ROOT")")

start_daemon -r "$RUNC_ROOT" --log-target=console --json
wait_event "$g1" started 5

BAD+=("$(make_special live-fifo "$RUNC_ROOT")" "$(make_special live-zero "$RUNC_ROOT")")
# The runc way too: directory first, then the file renamed into it.
for kind in live-rename-fifo live-rename-zero; do
        id=$(new_id "$kind")
        mkdir "$RUNC_ROOT/$id" "$TEST_TMP/staging/$id"
        case $kind in
        *fifo)  mkfifo "$TEST_TMP/staging/$id/state.json" ;;
        *zero)  ln -s /dev/zero "$TEST_TMP/staging/$id/state.json" ;;
        esac
        mv -T "$TEST_TMP/staging/$id/state.json" "$RUNC_ROOT/$id/state.json"
        BAD+=("$id")
done

g2=$(new_id special-good2)
runc_run "$g2" "${INIT_SLEEP[@]}"
wait_event "$g2" started
daemon_alive || fail "daemon died"

for id in "${BAD[@]}"; do
        n=$(stderr_lines_matching "$id")
        [ "$n" = 1 ] || fail "special state.json ($id): expected 1 diagnostic line on stderr, got $n"
        assert_event_count "$id" started 0
        assert_event_count "$id" exited 0
done
runc_kill "$g2" KILL
wait_event "$g2" exited
stop_daemon
note "ok"
