#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 6, reading state files safely: a state.json that is a symlink to /etc/shadow is refused and
# nothing of the target is read or logged; an oversized file (over 1 MiB) and a deeply nested one
# are refused with one clear line each; a directory whose name is not a valid container id (with
# control characters) is ignored with the name escaped; good containers beside them are reported.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_runc
require_cmd head tr
runc_rootfs

good1=$(new_id good1)
runc_run "$good1" "${INIT_SLEEP[@]}"
start_daemon -r "$RUNC_ROOT" --log-target=console --json
wait_event "$good1" started

# make ID: prepare content in a staging dir, then move the whole directory in (as runc's rename)
staging=$TEST_TMP/staging
mkdir -p "$staging"

shadow=$(new_id shadow)
mkdir "$staging/$shadow"
ln -s /etc/shadow "$staging/$shadow/state.json"
mv "$staging/$shadow" "$RUNC_ROOT/"

big=$(new_id big)
mkdir "$staging/$big"
{ printf '{"init_process_pid":1234,"init_process_start":1,"pad":"'; head -c 1100000 /dev/zero | tr '\0' a; printf '"}'; } \
        >"$staging/$big/state.json"
mv "$staging/$big" "$RUNC_ROOT/"

deep=$(new_id deep)
mkdir "$staging/$deep"
{ printf '{"init_process_pid":1234,"init_process_start":1,"x":'; head -c 5000 /dev/zero | tr '\0' '['; head -c 5000 /dev/zero | tr '\0' ']'; printf '}'; } \
        >"$staging/$deep/state.json"
mv "$staging/$deep" "$RUNC_ROOT/"

evil=$'bad\x1b[31mid\nx'
mkdir "$staging/$evil"
cp "$(runc_state_file "$good1")" "$staging/$evil/state.json"
mv "$staging/$evil" "$RUNC_ROOT/"

good2=$(new_id good2)
runc_run "$good2" "${INIT_SLEEP[@]}"
wait_event "$good2" started

wait_for 5 grep -q "Refusing state file '$RUNC_ROOT/$shadow/state.json': it is a symbolic link" "$DAEMON_ERR" ||
        fail "symlink not refused"
wait_for 5 grep -q "'$RUNC_ROOT/$big/state.json'.*larger than 1 MiB" "$DAEMON_ERR" || fail "big file not refused"
wait_for 5 grep -q "'$RUNC_ROOT/$deep/state.json'.*nested too deeply" "$DAEMON_ERR" || fail "deep file not refused"
wait_for 5 grep -qF 'bad\x1b[31mid\nx' "$DAEMON_ERR" || fail "the bad id is not reported escaped"
# nothing raw reached the console, and nothing of /etc/shadow
if grep -q $'\x1b' "$DAEMON_ERR"; then fail "an escape character reached the console"; fi
if grep -q '^root:' "$DAEMON_ERR" "$DAEMON_OUT"; then fail "/etc/shadow content leaked"; fi
for id in "$shadow" "$big" "$deep"; do
        assert_eq "$(stderr_lines_matching "$id")" 1 "diagnostics naming $id"
        assert_event_count "$id" started 0
done
assert_eq "$(events 'has("CONTAINER_EVENT")' | wc -l)" 2 "events (the two good containers)"
daemon_alive || fail "daemon died"
stop_daemon
note "ok"
