#!/bin/bash
# SPDX-License-Identifier: MIT
# container-watchctl over the entries of real runc containers in a real (private) journald:
# `list` (table, --json, -o json, --no-legend, every filter, time specs), `info NAME`,
# `info --count=2`, `info POD/CONTAINER` and by id, exit status 1 when nothing matched, colours only
# on a terminal and never with NO_COLOR, the pager, `events` (history, then following the journal),
# bad usage, and the refusal for a user outside the systemd-journal group. Every value is checked
# against what `journalctl -o json` reads from the same journal.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
ITEST_MOUNTNS=1
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
. "$top_srcdir/tests/lib/journald.sh" || exit 99
require_runc
require_cmd script setpriv
CTL=${CTL:-$top_builddir/ctl/container-watchctl}
[ -x "$CTL" ] || fail "'$CTL' is not built"
runc_rootfs
start_journald

# ctl ARGS...: container-watchctl on the private journal; stdout and stderr to $TEST_TMP/ctl.out
# and ctl.err, the exit status in $CTL_RC.
ctl() {
        "$CTL" --directory="$JOURNAL_DIR" "$@" >"$TEST_TMP/ctl.out" 2>"$TEST_TMP/ctl.err"
        CTL_RC=$?
}
# ctl_ok ARGS...: ctl, which must exit 0 and print nothing on stderr.
ctl_ok() {
        ctl "$@"
        [ "$CTL_RC" = 0 ] || fail "container-watchctl $* exited with $CTL_RC: $(cat "$TEST_TMP/ctl.err")"
        [ ! -s "$TEST_TMP/ctl.err" ] || fail "container-watchctl $* wrote to stderr: $(cat "$TEST_TMP/ctl.err")"
}
# count_rows ARGS...: the number of lines `list --no-legend ARGS` prints (0 when it exits 1).
count_rows() {
        ctl list --no-legend "$@"
        case $CTL_RC in
        0) wc -l <"$TEST_TMP/ctl.out" ;;
        1) [ ! -s "$TEST_TMP/ctl.out" ] || fail "list $* exited 1 but printed: $(cat "$TEST_TMP/ctl.out")"
           echo 0 ;;
        *) fail "container-watchctl list $* exited with $CTL_RC: $(cat "$TEST_TMP/ctl.err")" ;;
        esac
}

# run_k8s ID CONTAINER POD IMAGE ARGS...: a runc container with the annotations containerd's CRI
# plugin writes, so that the daemon reports a name, a pod and an image.
run_k8s() {
        local id=$1 cname=$2 pod=$3 image=$4
        shift 4
        runc_bundle "$id" "$@"
        jq --arg c "$cname" --arg p "$pod" --arg i "$image" '.annotations = {
                "io.kubernetes.cri.container-type": "container",
                "io.kubernetes.cri.container-name": $c,
                "io.kubernetes.cri.sandbox-name": $p,
                "io.kubernetes.cri.sandbox-namespace": "shop",
                "io.kubernetes.cri.sandbox-uid": "uid-\($p)",
                "io.kubernetes.cri.image-name": $i }' "$RUNC_BUNDLE/config.json" >"$RUNC_BUNDLE/c.json" &&
                mv "$RUNC_BUNDLE/c.json" "$RUNC_BUNDLE/config.json" || fail "cannot annotate $id"
        printf '%s\t%s\n' "$RUNC_ROOT" "$id" >>"$_RUNC_CONTAINERS"
        runc_cmd run -d --bundle "$RUNC_BUNDLE" "$id" </dev/null >>"$TEST_TMP/runc-$id.log" 2>&1 ||
                fail "runc run $id failed: $(cat "$TEST_TMP/runc-$id.log")"
}

now_epoch() {
        date +%s.%6N
}

mkdir -p "$RUNC_ROOT"
start_daemon -r "$RUNC_ROOT" --log-target=journal

t0=$(now_epoch)
# Two deaths of "web" in pod shop/web-pod (killed, then exit status 3), one of "db" (killed), one of
# a plain runc container without a name (status 0).
w1=$(new_id ctl-web1)
run_k8s "$w1" web web-pod bbox:1.0 "${INIT_SLEEP[@]}"
wait_journal_event "$w1" started
kill -KILL "$(runc_pid "$w1")"
wait_journal_event "$w1" exited
t_mid=$(now_epoch)

w2=$(new_id ctl-web2)
d=$(new_id ctl-db)
p=$(new_id ctl-plain)
run_k8s "$w2" web web-pod bbox:1.0 "${INIT_WAIT_USR1[@]}" 3
run_k8s "$d" db db-pod pg:15 "${INIT_SLEEP[@]}"
runc_run "$p" "${INIT_WAIT_USR1[@]}" 0
for id in "$w2" "$d" "$p"; do
        wait_journal_event "$id" started
done
pid_w2=$(runc_pid "$w2")
pid_p=$(runc_pid "$p")
wait_sig_caught "$pid_w2" 10
wait_sig_caught "$pid_p" 10
kill -KILL "$(runc_pid "$d")"
wait_journal_event "$d" exited
kill -USR1 "$pid_w2"
wait_journal_event "$w2" exited
kill -USR1 "$pid_p"
wait_journal_event "$p" exited
t_end=$(now_epoch)

# ---- list: a table, oldest first, one line per death
ctl_ok list
note "list:"; cat "$TEST_TMP/ctl.out"
assert_match "$(head -n 1 "$TEST_TMP/ctl.out")" '^TIME +ID +NAME +IMAGE/POD +REASON +STATUS +LIFETIME +SENDER$' "list header"
assert_eq "$(tail -n 1 "$TEST_TMP/ctl.out")" "4 deaths listed." "list footer"
assert_eq "$(wc -l <"$TEST_TMP/ctl.out")" 7 "list lines (header, 4 deaths, blank, footer)"
grep -q $'\x1b' "$TEST_TMP/ctl.out" && fail "colours in output that is not a terminal"
row() { grep -F " ${1:0:12} " "$TEST_TMP/ctl.out"; }
assert_match "$(row "$w1")" " web +shop/web-pod +killed +SIGKILL +[0-9]" "list row of $w1"
assert_match "$(row "$w2")" " web +shop/web-pod +exited +3 +[0-9]" "list row of $w2"
assert_match "$(row "$d")" " db +shop/db-pod +killed +SIGKILL +[0-9]" "list row of $d"
assert_match "$(row "$p")" " - +- +exited +0 +" "list row of $p (no name, no image)"
# the sender of the fatal signal, as the journal has it (with the kernel probe; else "-")
for id in "$w1" "$d"; do
        want=$(journal_events_for "$id" exited | jq -r 'if .SIGNAL_SENDER_PID then "\(.SIGNAL_SENDER_COMM)[\(.SIGNAL_SENDER_PID)]" else "-" end')
        assert_eq "$(row "$id" | awk '{ print $NF }')" "$want" "list: the sender of $id's signal"
done
assert_eq "$(sed -n 2,5p "$TEST_TMP/ctl.out" | awk '{ print $5 }' | tr '\n' ' ')" \
        "${w1:0:12} ${d:0:12} ${w2:0:12} ${p:0:12} " "list order (oldest first)"
# The time column is the entry's, as journalctl shows it.
jt=$(journal_field "$w1" exited __REALTIME_TIMESTAMP)
assert_eq "$(row "$w1" | awk '{ print $1, $2, $3, $4 }')" \
        "$(date -d "@$((jt / 1000000))" '+%a %Y-%m-%d %H:%M:%S %Z')" "time of $w1's death"

ctl_ok list --no-legend
assert_eq "$(wc -l <"$TEST_TMP/ctl.out")" 4 "list --no-legend: the deaths only"

# ---- list --json: one object per death, the journal's fields
ctl_ok list --json
assert_eq "$(wc -l <"$TEST_TMP/ctl.out")" 4 "list --json lines"
jq -e -s 'all(.[]; type == "object" and (to_entries | all(.value | type == "string")))' "$TEST_TMP/ctl.out" >/dev/null ||
        fail "list --json: not flat JSON objects of strings: $(head -n 2 "$TEST_TMP/ctl.out")"
for id in "$w1" "$w2" "$d" "$p"; do
        got=$(jq -c --arg id "$id" 'select(.CONTAINER_ID_FULL == $id)' "$TEST_TMP/ctl.out")
        want=$(journal_events_for "$id" exited |
                jq -c 'with_entries(select((.key | startswith("_") | not) or .key == "__REALTIME_TIMESTAMP"))')
        [ -n "$want" ] || fail "journalctl has no exited entry for $id"
        assert_eq "$(jq -S -c . <<<"$got")" "$(jq -S -c . <<<"$want")" "list --json object of $id vs journalctl -o json"
done
cp "$TEST_TMP/ctl.out" "$TEST_TMP/list.json"
ctl_ok list -o json
cmp -s "$TEST_TMP/ctl.out" "$TEST_TMP/list.json" || fail "-o json differs from --json"

# ---- filters
assert_eq "$(count_rows --name=web)" 2 "--name=web"
assert_eq "$(count_rows --name='w*')" 2 "--name=w*"
assert_eq "$(count_rows --name=we)" 0 "--name=we (a glob over the whole name)"
assert_eq "$(count_rows --pod=db-pod)" 1 "--pod=db-pod"
assert_eq "$(count_rows --pod='shop/*')" 3 "--pod=shop/*"
assert_eq "$(count_rows --image=bbox)" 2 "--image=bbox (without the tag)"
assert_eq "$(count_rows --image=pg:15)" 1 "--image=pg:15"
assert_eq "$(count_rows --reason=killed)" 2 "--reason=killed"
assert_eq "$(count_rows --reason=SIGKILL)" 2 "--reason=SIGKILL"
assert_eq "$(count_rows --reason=exited)" 2 "--reason=exited"
assert_eq "$(count_rows --reason=oom)" 0 "--reason=oom"
assert_eq "$(count_rows --manager=runc)" 1 "--manager=runc"
assert_eq "$(count_rows --manager=kubernetes)" 3 "--manager=kubernetes"
assert_eq "$(count_rows --manager=docker,runc)" 1 "--manager=docker,runc"
assert_eq "$(count_rows --name=web --reason=exited)" 1 "--name=web --reason=exited"
assert_eq "$(count_rows --since="@$t0")" 4 "--since=@t0"
assert_eq "$(count_rows --since="@$t_mid")" 3 "--since=@t_mid"
assert_eq "$(count_rows --until="@$t_mid")" 1 "--until=@t_mid"
assert_eq "$(count_rows -S "@$t_mid" -U "@$t_end")" 3 "-S t_mid -U t_end"
assert_eq "$(count_rows --since="$(date -d "@$t_mid" '+%Y-%m-%d %H:%M:%S.%6N')")" 3 "--since=local date and time"
assert_eq "$(count_rows --since="$(TZ=UTC date -d "@$t_mid" '+%Y-%m-%dT%H:%M:%S.%6NZ')")" 3 "--since=ISO 8601 UTC"
assert_eq "$(count_rows --since=-1h)" 4 "--since=-1h"
assert_eq "$(count_rows --since='1 hour ago' --until=now)" 4 "--since='1 hour ago' --until=now"
assert_eq "$(count_rows --since=today)" "$(count_rows --since=yesterday --until=tomorrow)" "today vs yesterday..tomorrow"
assert_eq "$(count_rows --until=-1h)" 0 "--until=-1h"
assert_eq "$(count_rows --since=+1h)" 0 "--since=+1h"

# ---- nothing matched: exit status 1, a message on stderr, nothing on stdout
ctl list --name=nope
assert_eq "$CTL_RC" 1 "exit status of list with no match"
assert_eq "$(cat "$TEST_TMP/ctl.err")" "No container deaths found." "stderr of list with no match"
[ ! -s "$TEST_TMP/ctl.out" ] || fail "list with no match printed: $(cat "$TEST_TMP/ctl.out")"
ctl -q list --json --reason=dumped
assert_eq "$CTL_RC" 1 "exit status of -q list --json with no match"
[ ! -s "$TEST_TMP/ctl.err" ] || fail "-q: stderr not empty: $(cat "$TEST_TMP/ctl.err")"
ctl info nope
assert_eq "$CTL_RC" 1 "exit status of info with no match"
assert_eq "$(cat "$TEST_TMP/ctl.err")" "No death of a container 'nope' found." "stderr of info with no match"

# ---- info NAME: the last death in full, and the earlier ones
ctl_ok info web
note "info web:"; cat "$TEST_TMP/ctl.out"
info_val() { sed -n "s/^ *$1: //p" "$TEST_TMP/ctl.out"; }
assert_eq "$(info_val Container | head -n 1)" "${w2:0:12} (web)" "info web: Container"
assert_eq "$(info_val 'Container ID')" "$w2" "info web: Container ID"
assert_eq "$(info_val Reason)" exited "info web: Reason"
assert_match "$(info_val Status)" "^3, from [a-z]+, observed live$" "info web: Status"
assert_eq "$(info_val Pod)" "shop/web-pod (uid uid-web-pod)" "info web: Pod"
assert_eq "$(info_val Image)" "bbox:1.0" "info web: Image"
assert_eq "$(info_val Manager)" kubernetes "info web: Manager"
assert_eq "$(info_val PID)" "$pid_w2" "info web: PID"
assert_eq "$(info_val 'OOM killed')" no "info web: OOM killed"
assert_eq "$(info_val Message)" "$(journal_field "$w2" exited MESSAGE)" "info web: Message"
assert_match "$(info_val Lifetime)" '^[0-9]+(ms|s|min)' "info web: Lifetime"
assert_eq "$(info_val Previous)" "1 earlier death of 'web'" "info web: Previous"
assert_match "$(grep -F " ${w1:0:12} " "$TEST_TMP/ctl.out")" "${w1:0:12} +killed +SIGKILL +[0-9]" "info web: the earlier death"
assert_eq "$(grep -c "${d:0:12}" "$TEST_TMP/ctl.out")" 0 "info web shows no other container"

ctl_ok info --count=2 web
assert_eq "$(info_val Container | tr '\n' ' ')" "${w2:0:12} (web) ${w1:0:12} (web) " "info --count=2 web: both, newest first"
assert_eq "$(info_val Reason | tr '\n' ' ')" "exited killed " "info --count=2 web: reasons"
assert_eq "$(grep -c Previous "$TEST_TMP/ctl.out")" 0 "info --count=2 web: nothing earlier left"
ctl_ok info -n 2 --json web
assert_eq "$(jq -r .CONTAINER_ID_FULL "$TEST_TMP/ctl.out" | tr '\n' ' ')" "$w2 $w1 " "info -n 2 --json web"

ctl_ok info web-pod/web
assert_eq "$(info_val 'Container ID')" "$w2" "info POD/CONTAINER"
ctl_ok info shop/db-pod/db
assert_eq "$(info_val 'Container ID')" "$d" "info NAMESPACE/POD/CONTAINER"
ctl_ok info "${p:0:10}"
assert_eq "$(info_val 'Container ID')" "$p" "info ID-PREFIX"
assert_eq "$(info_val Status)" "0, from $(journal_field "$p" exited EXIT_STATUS_SOURCE), observed live" "info ID: Status"
ctl_ok info --until="@$t_mid" web
assert_eq "$(info_val 'Container ID')" "$w1" "info --until: the death before"

# ---- terminal: colours on a tty, none with NO_COLOR; the pager on a tty, none with --no-pager
tty_run() {
        # script(1) gives the command a terminal; its output comes back with CRLF line ends
        script -qec "$*" /dev/null </dev/null | tr -d '\r' >"$TEST_TMP/tty.out"
}
tty_run "TERM=xterm PAGER=cat '$CTL' --directory='$JOURNAL_DIR' list"
grep -q $'\x1b\\[0;4mTIME' "$TEST_TMP/tty.out" || fail "no underlined header on a terminal: $(head -n 2 "$TEST_TMP/tty.out" | od -c | head)"
grep -q $'\x1b\\[0;1;31mkilled' "$TEST_TMP/tty.out" || fail "no red 'killed' on a terminal"
tty_run "TERM=xterm NO_COLOR=1 PAGER=cat '$CTL' --directory='$JOURNAL_DIR' list"
grep -q $'\x1b' "$TEST_TMP/tty.out" && fail "colours with NO_COLOR set: $(head -n 2 "$TEST_TMP/tty.out")"
grep -q "^TIME " "$TEST_TMP/tty.out" || fail "list on a terminal with NO_COLOR printed no table"
tty_run "TERM=dumb PAGER=cat '$CTL' --directory='$JOURNAL_DIR' list"
grep -q $'\x1b' "$TEST_TMP/tty.out" && fail "colours with TERM=dumb"
tty_run "NO_COLOR=1 PAGER='sed s/^/paged:/' '$CTL' --directory='$JOURNAL_DIR' list"
assert_eq "$(grep -c '^paged:' "$TEST_TMP/tty.out")" 7 "lines through \$PAGER on a terminal"
tty_run "NO_COLOR=1 PAGER='sed s/^/paged:/' '$CTL' --directory='$JOURNAL_DIR' --no-pager list"
assert_eq "$(grep -c '^paged:' "$TEST_TMP/tty.out")" 0 "lines through \$PAGER with --no-pager"
assert_eq "$(grep -c '^TIME ' "$TEST_TMP/tty.out")" 1 "--no-pager on a terminal still prints"

# ---- events: the history since --since, then what follows, each once
"$CTL" --directory="$JOURNAL_DIR" events --socket="$EVENTS_SOCKET" --since="@$t0" --json >"$TEST_TMP/events.out" 2>"$TEST_TMP/events.err" &
ev_pid=$!
CLEANUP_PIDS+=("$ev_pid")
_events_lines() { [ "$(_complete_lines "$TEST_TMP/events.out" | wc -l)" -ge "$1" ]; }
wait_for 10 _events_lines 8 || fail "events printed no history: $(cat "$TEST_TMP/events.out" "$TEST_TMP/events.err")"
n=$(new_id ctl-new)
runc_run "$n" "${INIT_SLEEP[@]}"
wait_journal_event "$n" started
kill -KILL "$(runc_pid "$n")"
wait_journal_event "$n" exited
wait_for "$EVENT_TIMEOUT" _events_lines 10 || fail "events did not follow: $(cat "$TEST_TMP/events.out")"
kill -TERM "$ev_pid"
wait_for 5 pid_dead "$ev_pid" || fail "events did not stop on SIGTERM"
wait "$ev_pid"
assert_eq "$?" 0 "exit status of events after SIGTERM"
assert_eq "$(wc -l <"$TEST_TMP/events.out")" 10 "events: 5 containers started and exited"
for id in "$w1" "$w2" "$d" "$p" "$n"; do
        for ev in started exited; do
                assert_eq "$(jq -c --arg id "$id" --arg ev "$ev" \
                        'select(.CONTAINER_ID_FULL == $id and .CONTAINER_EVENT == $ev)' "$TEST_TMP/events.out" | wc -l)" \
                        1 "events: $ev of $id"
        done
done
jq -e -s '[.[].__REALTIME_TIMESTAMP | tonumber] | . == sort' "$TEST_TMP/events.out" >/dev/null ||
        fail "events out of order"
# the short form: time and message
"$CTL" --directory="$JOURNAL_DIR" events --socket="$EVENTS_SOCKET" --since="@$t0" --event=exited --name=db >"$TEST_TMP/events.out" 2>&1 &
ev_pid=$!
CLEANUP_PIDS+=("$ev_pid")
wait_for 10 _events_lines 1 || fail "events --event=exited --name=db printed nothing"
kill -TERM "$ev_pid"
wait "$ev_pid"
assert_match "$(cat "$TEST_TMP/events.out")" \
        "^[A-Z][a-z][a-z] [0-9-]+ [0-9:]+\.[0-9]{6} [A-Z+0-9-]+ $(journal_field "$d" exited MESSAGE | sed 's/[].()[]/\\&/g')\$" \
        "events, short form"

# no daemon behind the socket: events says so, exit status 2
ctl events --socket="$TEST_TMP/no-such-socket"
assert_eq "$CTL_RC" 2 "exit status of events without a socket"
assert_eq "$(cat "$TEST_TMP/ctl.err")" "No subscriber socket at '$TEST_TMP/no-such-socket': is container-watchd running? (No such file or directory)" \
        "stderr of events without a socket"

# ---- bad usage: exit status 2 and one clear line
for args in "list --since=garbage" "list --until=2026-02-30" "list --reason=murdered" "events --event=died" \
        "info" "info a b" "list extra" "frobnicate" "info --count=0 web" "list -o xml" "list --since=now --until=-1h"; do
        # shellcheck disable=SC2086 # word splitting intended
        ctl $args
        assert_eq "$CTL_RC" 2 "exit status of '$args'"
        assert_eq "$(wc -l <"$TEST_TMP/ctl.err")" 1 "one line on stderr for '$args'"
done

# ---- permissions: a user outside systemd-journal is refused, and told why
chmod 0755 "$TEST_TMP"
cp "$CTL" "$TEST_TMP/ctl-bin" && chmod 0755 "$TEST_TMP/ctl-bin"
for verb in list "info web" events; do
        # shellcheck disable=SC2086
        setpriv --reuid=65534 --regid=65534 --clear-groups "$TEST_TMP/ctl-bin" --directory="$JOURNAL_DIR" $verb \
                >"$TEST_TMP/ctl.out" 2>"$TEST_TMP/ctl.err" </dev/null
        rc=$?
        assert_eq "$rc" 2 "exit status of '$verb' as nobody"
        assert_match "$(cat "$TEST_TMP/ctl.err")" "^No journal access: add yourself to the systemd-journal group" \
                "stderr of '$verb' as nobody"
        [ ! -s "$TEST_TMP/ctl.out" ] || fail "'$verb' as nobody printed: $(cat "$TEST_TMP/ctl.out")"
done
# The same user in systemd-journal reads them once the files are the group's, as on a real system
# (systemd-tmpfiles gives /run/log/journal that group; this private journald's tmpfs has none).
getent group systemd-journal >/dev/null || skip_or_fail "no group systemd-journal (Debian: systemd)"
chgrp -R systemd-journal "$JOURNAL_DIR" && chmod -R g+rX "$JOURNAL_DIR" ||
        fail "cannot give the journal files to systemd-journal"
setpriv --reuid=65534 --regid=65534 --groups=systemd-journal "$TEST_TMP/ctl-bin" --directory="$JOURNAL_DIR" --no-legend list \
        >"$TEST_TMP/ctl.out" 2>"$TEST_TMP/ctl.err" </dev/null
assert_eq "$?" 0 "exit status of list as nobody in systemd-journal: $(cat "$TEST_TMP/ctl.err")"
assert_eq "$(wc -l <"$TEST_TMP/ctl.out")" 5 "list as a member of the journal files' group"

stop_daemon
note "ok"
