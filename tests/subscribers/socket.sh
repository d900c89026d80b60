#!/bin/bash
# SPDX-License-Identifier: MIT
# The subscriber socket of a real daemon, with 10,000 events of real (fake-state) containers:
# the socket's mode and group; a subscriber that reads gets every event, byte for byte the daemon's
# --json line, in order, while another is SIGSTOPped; the stopped one, resumed, gets what its queue
# held and then one gap with the exact number it missed; garbage, a huge message and connections past
# MaxSubscribers= are closed while the daemon goes on; a user outside systemd-journal is refused.
# The events come from tests/bench/spawn-inits: real processes with runc-format state directories,
# 10,000 started and 10,000 killed (20,000 events).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/spawn-inits.sh" || exit 99
require_root
require_cmd python3 jq setpriv
SPAWN=${SPAWN:-$top_builddir/tests/tools/spawn-inits}
SUB=$top_srcdir/tests/tools/subscribe.py
[ -x "$SPAWN" ] || fail "'$SPAWN' is not built"
N=10000
# the system's python for the unprivileged subscribers (a per-user python may be unreadable to them)
SYS_PYTHON=/usr/bin/python3
[ -x "$SYS_PYTHON" ] || skip_or_fail "no $SYS_PYTHON (Debian: python3)"
chmod 0755 "$TEST_TMP"

sock=$TEST_TMP/run/events
cat >"$TEST_TMP/sub.conf" <<EOF
[Events]
Socket=$sock
MaxSubscribers=8
SubscriberQueueSize=8192
SubscriberTimeoutSec=1h
EOF
root=$TEST_TMP/root
mkdir -p "$root"
# CLOCK_BOOTTIME in µs before the start (/proc/uptime counts it in hundredths of a second)
up=$(cut -d ' ' -f 1 /proc/uptime)
boot_before=$((${up%.*} * 1000000 + 10#${up#*.} * 10000))
start_daemon -c "$TEST_TMP/sub.conf" -r "$root" --log-target=console --json

# ---- the socket: root and systemd-journal, like the system journal
getent group systemd-journal >/dev/null || skip_or_fail "no group systemd-journal (Debian: systemd)"
assert_eq "$(stat -c '%F %a %U %G' "$sock")" "socket 660 root systemd-journal" "the socket's type, mode and owner"

# ---- two subscribers; one is stopped at once
subscribe() {  # subscribe NAME [FILTER]: a subscriber in the background, connected when this returns
        python3 "$SUB" "$sock" "$TEST_TMP/$1.out" "${@:2}" 2>"$TEST_TMP/$1.err" &
        eval "${1}_PID=\$!"
        CLEANUP_PIDS+=("$!")
        wait_for 10 test -e "$TEST_TMP/$1.out.ready" || fail "subscriber $1 did not connect: $(cat "$TEST_TMP/$1.err")"
}
subscribe reader
subscribe stopped
subscribe exits '{"events":["exited"],"manager":"runc"}'
kill -STOP "$stopped_PID"

si_start "$SPAWN" "$root" "$TEST_TMP/stamps"
si spawn "$N"
_n_events() { [ "$(_complete_lines "$DAEMON_OUT" | wc -l)" -ge "$1" ]; }
wait_for $((60 * ITEST_TIMEOUT_SCALE)) _n_events "$N" || fail "the daemon reported $(wc -l <"$DAEMON_OUT") of $N starts"
si kill-all
wait_for $((60 * ITEST_TIMEOUT_SCALE)) _n_events $((2 * N)) || fail "the daemon reported $(wc -l <"$DAEMON_OUT") of $((2 * N)) events"
_lines() { [ "$(wc -l <"$TEST_TMP/$1.out")" -ge "$2" ]; }
wait_for 30 _lines reader $((2 * N)) || fail "the reader got $(wc -l <"$TEST_TMP/reader.out") of $((2 * N)) events"
wait_for 30 _lines exits "$N" || fail "the filtered subscriber got $(wc -l <"$TEST_TMP/exits.out") of $N exits"
note "$(wc -l <"$DAEMON_OUT") events; reader got $(wc -l <"$TEST_TMP/reader.out")"

# The reader: exactly the daemon's --json lines, in the same order.
cmp -s "$DAEMON_OUT" "$TEST_TMP/reader.out" ||
        fail "the reader's messages differ from the --json lines: $(diff "$DAEMON_OUT" "$TEST_TMP/reader.out" | head -n 4)"
# EVENT_SEQ: F, F+1, F+2, ... in the order of the lines, from the hello's first number of this run
# (a fresh record: this start's CLOCK_BOOTTIME in µs, past the boot's earlier runs); the hello
# said where the stream starts.
seq0=$(jq -r .EVENT_SEQ_FIRST "$TEST_TMP/reader.out.hello")
assert_eq "$(cat "$TEST_TMP/reader.out.hello")" "{\"EVENT_SEQ_NEXT\":\"$seq0\",\"EVENT_SEQ_FIRST\":\"$seq0\"}" "the reader's hello"
[ "$seq0" -ge "$boot_before" ] ||
        fail "the first EVENT_SEQ $seq0 is below CLOCK_BOOTTIME in µs before the daemon started ($boot_before)"
assert_eq "$(jq -r .EVENT_SEQ "$DAEMON_OUT" | awk -v f="$seq0" '$1 != f + NR - 1 { print NR ": " $1; exit }')" "" \
        "EVENT_SEQ of line N is F + N - 1"
# The filtered one: the exits only, in order.
jq -c 'select(.CONTAINER_EVENT == "exited")' "$DAEMON_OUT" >"$TEST_TMP/exits.want"
cmp -s "$TEST_TMP/exits.want" "$TEST_TMP/exits.out" || fail "the filtered subscriber's messages are not the exits"

# ---- the stopped one resumes: a prefix of the events, then one gap with the rest
kill -CONT "$stopped_PID"
_has_gap() { grep -q '^{"gap":' "$TEST_TMP/stopped.out"; }
wait_for 30 _has_gap || fail "no gap message for the stopped subscriber: $(tail -n 2 "$TEST_TMP/stopped.out")"
assert_eq "$(grep -c '^{"gap":' "$TEST_TMP/stopped.out")" 1 "gap messages"
got=$(grep -vc '^{"gap":' "$TEST_TMP/stopped.out")
gap=$(grep '^{"gap":' "$TEST_TMP/stopped.out" | jq -r .gap)
note "stopped subscriber: $got events, then a gap of $gap"
assert_eq "$((got + gap))" $((2 * N)) "events received + missed by the stopped subscriber"
[ "$got" -ge 8192 ] || fail "the stopped subscriber got only $got events (its queue holds 8192)"
head -n "$got" "$DAEMON_OUT" | cmp -s - <(grep -v '^{"gap":' "$TEST_TMP/stopped.out") ||
        fail "what the stopped subscriber got is not the first $got events"
assert_eq "$(tail -n 1 "$TEST_TMP/stopped.out" | cut -c 1-7)" '{"gap":' "the gap comes last"

# ---- bad input: each is closed, the daemon goes on
bad() {  # bad NAME PYTHON: run a client; it must be hung up on
        timeout 20 python3 - "$sock" <<EOF || fail "bad client '$1': the daemon did not close the connection"
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
$2
s.settimeout(15)
while s.recv(65536):
        pass
EOF
}
bad garbage 's.send(b"garbage")'
bad huge 's.send(b"{" + b" " * 100000 + b"}")'
bad unknown-key 's.send(b"{\"colour\":\"red\"}")'
assert_eq "$(stderr_lines_matching 'sent a bad filter')" 2 "log lines for bad filters"
assert_eq "$(stderr_lines_matching 'sent a message of 100002 bytes')" 1 "log line for the huge message"
# thousands of clients: 2,000 connections at once; at most 8 subscribers, the rest closed at once
timeout 60 python3 - "$sock" <<'EOF' >"$TEST_TMP/many.out" || fail "the many-clients run failed"
import resource, socket, sys
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (min(4096, hard), hard))
socks = []
for i in range(2000):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.connect(sys.argv[1])
        socks.append(s)
closed = 0
for s in socks:
        s.settimeout(3)
        try:
                if s.recv(16) == b"":
                        closed += 1
        except socket.timeout:
                pass
print(closed)
EOF
# three subscribers are still connected (reader, stopped, exits): 5 of the 2,000 are taken
assert_eq "$(cat "$TEST_TMP/many.out")" 1995 "connections closed at once past MaxSubscribers=8"
daemon_alive || fail "the daemon died"

# ---- permissions: nobody is refused; nobody in systemd-journal is not
mkdir "$TEST_TMP/nobody" && chown 65534 "$TEST_TMP/nobody"
setpriv --reuid=65534 --regid=65534 --clear-groups "$SYS_PYTHON" "$SUB" "$sock" "$TEST_TMP/nobody/refused.out" \
        2>"$TEST_TMP/nobody.err" </dev/null
assert_eq "$?" 2 "exit status of a subscriber outside systemd-journal"
assert_match "$(cat "$TEST_TMP/nobody.err")" "Permission denied" "error of a subscriber outside systemd-journal"
timeout 10 setpriv --reuid=65534 --regid=65534 --groups=systemd-journal "$SYS_PYTHON" "$SUB" "$sock" "$TEST_TMP/nobody/member.out" \
        2>"$TEST_TMP/member.err" </dev/null &
member=$!
CLEANUP_PIDS+=("$member")
wait_for 10 test -e "$TEST_TMP/nobody/member.out.ready" || fail "a member of systemd-journal could not connect: $(cat "$TEST_TMP/member.err")"

si quit
stop_daemon
# the daemon closed every connection on its way out, and removed the socket it made
wait_for 10 test -e "$TEST_TMP/reader.out.eof" || fail "the reader saw no end of stream"
[ ! -e "$sock" ] || fail "the daemon left its socket behind"
note "ok"
