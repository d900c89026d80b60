#!/bin/bash
# SPDX-License-Identifier: MIT
# Bad state files next to good containers, present at start-up and appearing later, a root that
# is a regular file, and container directories deleted while the daemon may be reading them.
# Each bad thing gets exactly one diagnostic line on stderr naming it, no event, and the daemon
# keeps running and keeps reporting the good containers.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_runc
runc_rootfs

g1=$(new_id bad-good1)
runc_run "$g1" "${INIT_SLEEP[@]}"
good_state=$(runc_state_file "$g1")
size=$(stat -c %s "$good_state")

# bad_dir LABEL: make a container directory LABEL-<random> in a staging area; print its name.
staging=$TEST_TMP/staging
mkdir -p "$staging"
bad_dir() {
        local id
        id=$(new_id "$1")
        mkdir "$staging/$id"
        printf '%s\n' "$id"
}

# write_bad KIND DIR: put a bad state.json of KIND into DIR.
write_bad() {
        case $1 in
        malformed)      printf 'this is not JSON {"id": ' >"$2/state.json" ;;
        truncated)      head -c $((size / 2)) "$good_state" >"$2/state.json" ;;
        empty)          : >"$2/state.json" ;;
        directory)      mkdir "$2/state.json" ;;
        missing-keys)   jq -c --arg id "$(basename "$2")" '{id: $id, created: .created}' "$good_state" >"$2/state.json" ;;
        wrong-types)    jq -c --arg id "$(basename "$2")" '.id = $id | .init_process_pid = "many"' "$good_state" >"$2/state.json" ;;
        oversized)      # valid JSON, 8 MiB: a bounded reader refuses it
                        { printf '{"id": "%s", "pad": "' "$(basename "$2")"; head -c $((8 << 20)) /dev/zero | tr '\0' a; printf '"}'; } >"$2/state.json" ;;
        *)              fail "write_bad: unknown kind $1" ;;
        esac
}
KINDS=(malformed truncated empty directory missing-keys wrong-types oversized)

# Bad containers present before the daemon starts (found by the start-up scan).
declare -A BAD=()
for kind in "${KINDS[@]}"; do
        id=$(bad_dir "scan-$kind")
        write_bad "$kind" "$staging/$id"
        mv "$staging/$id" "$RUNC_ROOT/$id"
        BAD[$id]=$kind
done

file_root=$TEST_TMP/file-root
echo "I am a file" >"$file_root"

start_daemon -r "$RUNC_ROOT" -r "$file_root" --log-target=console --json
wait_event "$g1" started 5
daemon_alive || fail "daemon died"

# Bad containers appearing while it runs, the way runc writes state.json: in a new directory,
# a temporary file renamed to state.json.
for kind in "${KINDS[@]}"; do
        id=$(new_id "live-$kind")
        mkdir "$RUNC_ROOT/$id"
        mkdir "$staging/$id"
        write_bad "$kind" "$staging/$id"
        mv -T "$staging/$id/state.json" "$RUNC_ROOT/$id/state.json"
        BAD[$id]=$kind
done

g2=$(new_id bad-good2)
runc_run "$g2" "${INIT_SLEEP[@]}"
wait_event "$g2" started

# Directories that vanish while the daemon may be looking at them: a good-looking state.json
# (pointing at a process that does not exist) renamed in, then the file and the directory removed
# at once. Perl (always on Debian) does it without a process spawn in between, so the daemon
# often loses the race at different points.
pid_max=$(cat /proc/sys/kernel/pid_max)
churn_state=$(jq -c --argjson pid $((pid_max - 1)) '.id = "@ID@" | .init_process_pid = $pid' "$good_state")
mapfile -t CHURN < <(perl -e '
        my ($root, $staging, $template) = @ARGV;
        for my $i (1 .. 200) {
                my $id = sprintf("%08x%08x-churn%d", int(rand(2**32)), int(rand(2**32)), $i);
                (my $state = $template) =~ s/\@ID\@/$id/;
                mkdir("$root/$id") or die "mkdir: $!";
                open(my $f, ">", "$staging/$id.json") or die "open: $!";
                print $f $state; close($f);
                rename("$staging/$id.json", "$root/$id/state.json") or die "rename: $!";
                # Every other one: give the daemon a head start of a few microseconds.
                if ($i % 2) { my $x = 0; $x += $_ for 1 .. 2000; }
                unlink("$root/$id/state.json") or die "unlink: $!";
                rmdir("$root/$id") or die "rmdir: $!";
                print "$id\n";
        }' "$RUNC_ROOT" "$staging" "$churn_state") || fail "churn failed"
assert_eq "${#CHURN[@]}" 200 "number of churned container directories"

g3=$(new_id bad-good3)
runc_run "$g3" "${INIT_SLEEP[@]}"
wait_event "$g3" started
daemon_alive || fail "daemon died"

# Each bad container: one stderr line naming it, and no event.
for id in "${!BAD[@]}"; do
        n=$(stderr_lines_matching "$id")
        [ "$n" = 1 ] || fail "${BAD[$id]} state.json ($id): expected 1 diagnostic line on stderr, got $n"
        assert_event_count "$id" started 0
        assert_event_count "$id" exited 0
done
n=$(stderr_lines_matching "$file_root")
[ "$n" = 1 ] || fail "root that is a regular file: expected 1 diagnostic line naming '$file_root', got $n"
note "diagnostics: $(grep -c . "$DAEMON_ERR") stderr lines; for example:"
first_bad=$(printf '%s\n' "${!BAD[@]}" | head -n 1)
grep -F -e "$first_bad" -e "$file_root" "$DAEMON_ERR" | head -n 3 | sed 's/^/    /'

# Churned directories: at most one line and at most one event each; never a `started`.
# (Counted in one pass: 100 x 3 jq runs would take longer than the rest of the test.)
declare -A SEEN=()
while read -r n key; do
        SEEN[$key]=$n
done < <(
        { _complete_lines "$DAEMON_OUT" | jq -r 'select(.CONTAINER_EVENT) | "\(.CONTAINER_ID_FULL)/\(.CONTAINER_EVENT)"'
          grep -oE '[0-9a-f]{16}-churn[0-9]+' "$DAEMON_ERR" | sed 's,$,/stderr,'; } | sort | uniq -c)
exited_churn=0
for id in "${CHURN[@]}"; do
        (( ${SEEN[$id/stderr]:-0} <= 1 )) || fail "vanished container $id: ${SEEN[$id/stderr]} diagnostic lines"
        # a late exit comes with its (late) started entry: pairs always match (issue 14, item 10)
        (( ${SEEN[$id/started]:-0} == ${SEEN[$id/exited]:-0} )) ||
                fail "vanished container $id: ${SEEN[$id/started]:-0} started, ${SEEN[$id/exited]:-0} exited"
        (( ${SEEN[$id/exited]:-0} <= 1 )) || fail "vanished container $id: ${SEEN[$id/exited]} exited events"
        exited_churn=$((exited_churn + ${SEEN[$id/exited]:-0}))
done
note "vanished containers: ${#CHURN[@]}, reported as exited (late): $exited_churn"

# The good ones: reported once, still tracked.
for id in "$g1" "$g2" "$g3"; do
        assert_event_count "$id" started 1
done
runc_kill "$g1" KILL
wait_event "$g1" exited
assert_field "$g1" exited EXIT_CODE killed
stop_daemon
note "ok"
