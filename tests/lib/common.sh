# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Shared helpers for the integration tests (tests/integration/*.sh). Bash only: every test starts
# with `[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"` because automake runs it with $(SHELL).
#
# Environment (exported by the automake harness; defaults allow running a test by hand from a build
# tree as `top_builddir=$PWD bash /work/main/tests/integration/x.sh`):
#   top_srcdir, top_builddir   source and build trees (absolute)
#   DAEMON                     the container-watchd binary
#   DAEMON_WRAPPER             optional command put before $DAEMON (it must keep the daemon's PID,
#                              e.g. `strace -f -o FILE`). Not valgrind: Debian 12's valgrind 3.19
#                              does not know pidfd_open (syscall 434) and the daemon refuses to run.
#                              For memory errors and leaks, point top_builddir/DAEMON at a build
#                              configured with --enable-sanitizers: a leak makes the exit status
#                              non-zero, which stop_daemon reports.
#   ITEST_TIMEOUT_SCALE        multiply every deadline by this integer (default 1; 3 for sanitizers)
#   ITEST_KEEP=1               keep the temporary directory for inspection
#   CI=true                    a missing prerequisite is a failure, not a skip
#
# What a test gets after sourcing this file:
#   $TEST_TMP   a private temporary directory, removed at exit; everything the test started
#               (daemon, notify listener, journald, runc containers) is stopped at exit, even on failure.
#   skip_or_fail, require_root, require_cmd, fail, note, wait_for, assert_*, start_daemon,
#   stop_daemon, daemon_alive, events, event_count, wait_event, event_field, ... (see below).

set -u -o pipefail

TEST_NAME=$(basename "$0" .sh)

top_srcdir=${top_srcdir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
DAEMON=${DAEMON:-$top_builddir/daemon/container-watchd}
DAEMON_WRAPPER=${DAEMON_WRAPPER:-}
NOTIFY_LISTEN=${NOTIFY_LISTEN:-$top_builddir/tests/tools/notify-listen}
ITEST_TIMEOUT_SCALE=${ITEST_TIMEOUT_SCALE:-1}
export top_srcdir top_builddir DAEMON

# ------------------------------------------------------------------ reporting

# note MSG...: a progress line in the test's log (in the tests/vm guest, with the guest's uptime:
# where its emulated time goes).
note() {
        local up
        if [ -n "${VM_GUEST:-}" ] && read -r up _ </proc/uptime; then
                printf '%s: [%s] %s\n' "$TEST_NAME" "$up" "$*"
        else
                printf '%s: %s\n' "$TEST_NAME" "$*"
        fi
}

# skip_or_fail REASON: the test cannot run here. Exit 77 (automake SKIP), or 1 when CI=true,
# because in CI a missing tool or privilege means the CI machine is broken.
skip_or_fail() {
        if [ "${CI:-}" = true ]; then
                printf '%s: FAIL (CI=true, prerequisite missing): %s\n' "$TEST_NAME" "$*" >&2
                exit 1
        fi
        printf '%s: SKIP: %s\n' "$TEST_NAME" "$*" >&2
        exit 77
}

require_root() {
        [ "$(id -u)" = 0 ] || skip_or_fail "needs root"
}

# require_cmd CMD...: each CMD must be in $PATH (or be an executable path).
require_cmd() {
        local c
        for c in "$@"; do
                command -v "$c" >/dev/null 2>&1 || skip_or_fail "'$c' is not installed"
        done
}

DUMP_HOOKS=()            # functions that print more state on failure (journald.sh adds one)

# dump_logs: print what the daemon and its helpers wrote, for the test log.
dump_logs() {
        local f h
        for h in "${DUMP_HOOKS[@]}"; do
                "$h"
        done
        for f in "$TEST_TMP"/daemon*.out "$TEST_TMP"/daemon*.err "$TEST_TMP"/notify*.out; do
                [ -s "$f" ] || continue
                printf -- '----- %s (last 60 lines)\n' "${f#"$TEST_TMP"/}"
                tail -n 60 "$f"
        done
        printf -- '-----\n'
}

# fail MSG...: report, show the logs, exit 1 (the EXIT trap cleans up).
fail() {
        printf '%s: FAIL: %s\n' "$TEST_NAME" "$*" >&2
        [ -n "${TEST_TMP:-}" ] && [ -d "$TEST_TMP" ] && dump_logs >&2
        exit 1
}

# ------------------------------------------------------------------ assertions

# assert_eq ACTUAL EXPECTED WHAT
assert_eq() {
        [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
}

# assert_ne ACTUAL UNEXPECTED WHAT
assert_ne() {
        [ "$1" != "$2" ] || fail "$3: got '$1', which it must not be"
}

# assert_match ACTUAL ERE WHAT
assert_match() {
        printf '%s\n' "$1" | grep -Eq -- "$2" || fail "$3: '$1' does not match /$2/"
}

# assert_int_between VALUE MIN MAX WHAT (inclusive; VALUE must be a decimal integer)
assert_int_between() {
        [[ "$1" =~ ^[0-9]+$ ]] || fail "$4: '$1' is not a non-negative integer"
        (( $1 >= $2 && $1 <= $3 )) || fail "$4: $1 is not within [$2, $3]"
}

# assert_file_contains FILE ERE WHAT
assert_file_contains() {
        grep -Eq -- "$2" "$1" || fail "$3: no line of ${1#"$TEST_TMP"/} matches /$2/"
}

# ------------------------------------------------------------------ time and waiting

# now_usec: CLOCK_REALTIME in microseconds.
now_usec() {
        local t=${EPOCHREALTIME/./}
        printf '%s\n' "$((10#$t))"
}

# to_usec SECONDS: "1", "0.5", "2.25" -> microseconds (bash arithmetic only: mawk's printf "%d"
# saturates at 2^31-1, far below a CLOCK_REALTIME in microseconds).
to_usec() {
        local int=${1%%.*} frac=
        [[ $1 == *.* ]] && frac=${1#*.}
        frac=${frac}000000
        printf '%s\n' "$(( 10#${int:-0} * 1000000 + 10#${frac:0:6} ))"
}

# wait_for TIMEOUT_SEC CMD...: run CMD every 20 ms (WAIT_INTERVAL seconds when set: the tests/vm
# guest polls every 0.2 s, where each program start costs tens of ms of emulated CPU) until it
# succeeds; return 1 once TIMEOUT_SEC (scaled by ITEST_TIMEOUT_SCALE; may be fractional, e.g. 0.5)
# has passed without success.
wait_for() {
        local deadline
        deadline=$(( $(now_usec) + $(to_usec "$1") * ITEST_TIMEOUT_SCALE ))
        shift
        while :; do
                "$@" && return 0
                (( $(now_usec) < deadline )) || break
                sleep "${WAIT_INTERVAL:-0.02}"
        done
        "$@"
}

# ------------------------------------------------------------------ private mount namespace

# A test that sets ITEST_MOUNTNS=1 before sourcing this file re-executes itself here, before it
# creates anything, inside `unshare -m --propagation private`: mounts it makes (journald.sh) are
# invisible to the host and vanish with the test. `unshare` execs without forking, so the test
# keeps its PID and the harness still waits for the right process.
if [ "${ITEST_MOUNTNS:-}" = 1 ] && [ "${_ITEST_IN_MOUNTNS:-}" != 1 ]; then
        require_root
        require_cmd unshare
        _ITEST_IN_MOUNTNS=1 exec unshare -m --propagation private -- bash "$0" "$@"
        fail "cannot re-execute in a private mount namespace"
fi

# ------------------------------------------------------------------ temporary directory and cleanup

# Everything started in the background is recorded here so the EXIT trap can stop it.
CLEANUP_PIDS=()         # processes to SIGTERM, then SIGKILL
CLEANUP_HOOKS=()        # functions to call first (runc.sh and journald.sh add theirs)
CLEANUP_PGIDS=()        # process groups to SIGKILL last (a daemon's wrapper and its children)

TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/cwd-$TEST_NAME.XXXXXX") || { echo "mktemp failed" >&2; exit 99; }

# pid_running PID: the process exists and is not a zombie.
pid_running() {
        local st
        st=$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
        [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# pid_gone PID: no process (not even a zombie) has this PID.
pid_gone() {
        [ ! -e "/proc/$1" ]
}

# pid_dead PID: the process is a zombie or gone.
pid_dead() {
        ! pid_running "$1"
}

# stop_pid PID: SIGTERM, wait up to 5 s, then SIGKILL; reap it if it is our child.
stop_pid() {
        local pid=$1
        kill -TERM "$pid" 2>/dev/null || return 0
        kill -CONT "$pid" 2>/dev/null
        wait_for 5 pid_dead "$pid" || kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        return 0
}

_itest_cleanup() {
        local rc=$? h p
        trap - EXIT
        set +e
        for h in "${CLEANUP_HOOKS[@]}"; do
                "$h"
        done
        for p in "${CLEANUP_PIDS[@]}"; do
                stop_pid "$p"
        done
        for p in "${CLEANUP_PGIDS[@]}"; do
                kill -KILL -- "-$p" 2>/dev/null
        done
        if [ "${ITEST_KEEP:-}" = 1 ]; then
                echo "$TEST_NAME: keeping $TEST_TMP" >&2
        else
                rm -rf "$TEST_TMP"
        fi
        exit "$rc"
}
trap _itest_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------ the daemon

DAEMON_PID=
DAEMON_RUN=0            # how many times start_daemon ran; the files of run N are daemon.N.*
DAEMON_OUT=             # stdout of the current/last daemon (JSON lines with --json)
DAEMON_ERR=             # stderr
NOTIFY_OUT=             # what it sent to $NOTIFY_SOCKET, one message per block (notify-listen -C)
NOTIFY_PID=
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-15}
EVENT_TIMEOUT=${EVENT_TIMEOUT:-10}

# An empty configuration file, so that a host's /etc/container-watchd.conf cannot change a test.
# ITEST_KERNEL_PROBE=no (make check-valgrind) puts KernelProbe=no in it: memcheck does not know
# the bpf() commands libbpf uses, and loading the probe under it takes long enough for this
# host's PID 1 to reap a zombie a test relies on.
: >"$TEST_TMP/empty.conf"
if [ "${ITEST_KERNEL_PROBE:-}" = no ]; then printf "[Exit]\nKernelProbe=no\n" >"$TEST_TMP/empty.conf"; fi
# start_daemon gives the daemon RUNTIME_DIRECTORY=$TEST_RUNTIME_DIR (as systemd's RuntimeDirectory=
# would), so that its subscriber socket is $EVENTS_SOCKET and not the host's
# /run/container-watchd/events, whatever configuration a test writes. Not exported: systemd-journald
# also takes its sockets from $RUNTIME_DIRECTORY.
TEST_RUNTIME_DIR=$TEST_TMP/run
mkdir -p "$TEST_RUNTIME_DIR"
EVENTS_SOCKET=$TEST_RUNTIME_DIR/events
# The daemon's persistent record of reported events goes here, not to /var/lib/container-watchd.
mkdir -p "$TEST_TMP/state"
export STATE_DIRECTORY=$TEST_TMP/state

daemon_alive() {
        [ -n "$DAEMON_PID" ] && pid_running "$DAEMON_PID"
}

# notify_has LINE: the daemon sent a notify message containing exactly this line.
notify_has() {
        grep -qxF -- "$1" "$NOTIFY_OUT" 2>/dev/null
}

# notify_has_status TEXT: a STATUS= line that says TEXT, with or without the daemon's
# "; kernel probe off: REASON" suffix (the probe is off under memcheck, and wherever it cannot load).
notify_has_status() {
        grep -qxF -- "STATUS=$1" "$NOTIFY_OUT" 2>/dev/null ||
                grep -qF -- "STATUS=$1; kernel probe off: " "$NOTIFY_OUT" 2>/dev/null
}

# notify_sender LINE: the PID that sent the first notify message containing exactly LINE.
notify_sender() {
        awk -v want="$1" '
                /^# pid=/ { split($2, a, "="); pid = a[2]; next }
                $0 == want { print pid; exit }' "$NOTIFY_OUT"
}

_ready_or_dead() {
        notify_has READY=1 || ! daemon_alive
}

# start_daemon [ARGS...]: run "$DAEMON_WRAPPER $DAEMON ARGS..." in the background with
# NOTIFY_SOCKET pointing at a fresh notify-listen, stdout to $DAEMON_OUT and stderr to $DAEMON_ERR,
# and wait for READY=1. Adds "-c $TEST_TMP/empty.conf" unless ARGS name a configuration file.
# Fails the test if the daemon exits or is not ready within $STARTUP_TIMEOUT seconds.
start_daemon() {
        local a has_config=0 sock
        [ -x "$DAEMON" ] || fail "daemon '$DAEMON' is not built"
        [ -x "$NOTIFY_LISTEN" ] || fail "'$NOTIFY_LISTEN' is not built (make check builds it)"
        [ -z "$DAEMON_PID" ] || fail "start_daemon: a daemon is already running (pid $DAEMON_PID)"
        for a in "$@"; do
                case $a in -c|--config|--config=*|-c?*) has_config=1 ;; esac
        done

        DAEMON_RUN=$((DAEMON_RUN + 1))
        DAEMON_OUT=$TEST_TMP/daemon.$DAEMON_RUN.out
        DAEMON_ERR=$TEST_TMP/daemon.$DAEMON_RUN.err
        NOTIFY_OUT=$TEST_TMP/notify.$DAEMON_RUN.out
        sock=$TEST_TMP/notify.$DAEMON_RUN.sock
        : >"$NOTIFY_OUT"

        "$NOTIFY_LISTEN" -C "$sock" "$NOTIFY_OUT" &
        NOTIFY_PID=$!
        CLEANUP_PIDS+=("$NOTIFY_PID")
        wait_for 5 test -S "$sock" || fail "notify-listen did not create '$sock'"

        if [ "$has_config" = 0 ]; then
                set -- -c "$TEST_TMP/empty.conf" "$@"
        fi
        note "starting: $DAEMON_WRAPPER $DAEMON $*"
        # In a session (and process group) of its own, so that the cleanup can also stop whatever
        # a wrapper around the daemon started. setsid does not fork here (a background job is
        # not a group leader), so $! is the daemon (or the wrapper) itself.
        # shellcheck disable=SC2086 # DAEMON_WRAPPER is a command line on purpose
        NOTIFY_SOCKET=$sock RUNTIME_DIRECTORY=$TEST_RUNTIME_DIR setsid $DAEMON_WRAPPER "$DAEMON" "$@" \
                >"$DAEMON_OUT" 2>"$DAEMON_ERR" &
        DAEMON_PID=$!
        CLEANUP_PIDS+=("$DAEMON_PID")
        CLEANUP_PGIDS+=("$DAEMON_PID")

        wait_for "$STARTUP_TIMEOUT" _ready_or_dead ||
                fail "daemon sent no READY=1 within ${STARTUP_TIMEOUT}s"
        if ! notify_has READY=1; then
                wait "$DAEMON_PID"
                fail "daemon exited with status $? before READY=1"
        fi
        assert_eq "$(notify_sender READY=1)" "$DAEMON_PID" "sender of READY=1 (NotifyAccess=main)"
        note "daemon ready (pid $DAEMON_PID)"
}

# stop_daemon [EXPECTED_STATUS]: SIGTERM the daemon, wait for it (deadline), check its exit
# status (default 0), that it sent STOPPING=1, and that every stdout line is a JSON object.
stop_daemon() {
        local expected=${1:-0} rc
        [ -n "$DAEMON_PID" ] || fail "stop_daemon: no daemon running"
        kill -TERM "$DAEMON_PID" 2>/dev/null
        if ! wait_for 10 pid_dead "$DAEMON_PID"; then
                kill -KILL "$DAEMON_PID" 2>/dev/null
                fail "daemon did not exit within 10 s of SIGTERM"
        fi
        wait "$DAEMON_PID"
        rc=$?
        DAEMON_PID=
        stop_pid "$NOTIFY_PID"
        NOTIFY_PID=
        assert_eq "$rc" "$expected" "daemon exit status after SIGTERM"
        notify_has STOPPING=1 || fail "daemon did not send STOPPING=1"
        check_stdout_json
}

# check_stdout_json: every line the daemon printed on stdout is a JSON object whose values are
# all strings, and the last line is complete.
check_stdout_json() {
        local bad
        [ -s "$DAEMON_OUT" ] || return 0
        [ "$(tail -c 1 "$DAEMON_OUT" | od -An -c | tr -d ' ')" = '\n' ] ||
                fail "daemon stdout does not end with a newline"
        bad=$(jq -R -r 'fromjson? // "INVALID" |
                        if type == "object" then
                                (to_entries[] | select(.value | type != "string") | "non-string \(.key)")
                        else "not an object: \(.)" end' "$DAEMON_OUT" 2>&1 | head -n 3)
        [ -z "$bad" ] || fail "daemon stdout has lines that are not flat JSON objects of strings: $bad"
}

# ------------------------------------------------------------------ events (--json on stdout)

# _complete_lines FILE: the lines of FILE that end with a newline (a line being written is skipped).
_complete_lines() {
        local n
        n=$(wc -l <"$1" 2>/dev/null) || return 0
        head -n "$n" "$1"
}

# events [JQ_CONDITION]: the events printed so far (compact JSON, one per line), optionally only
# those for which the jq expression is true, e.g. events '.CONTAINER_EVENT == "exited"'.
events() {
        local cond=${1:-true}
        _complete_lines "$DAEMON_OUT" | jq -c "select($cond)"
}

# events_for ID EVENT: the EVENT events (started, exited, ...) for container ID (full id).
events_for() {
        _complete_lines "$DAEMON_OUT" |
                jq -c --arg id "$1" --arg ev "$2" \
                'select(.CONTAINER_ID_FULL == $id and .CONTAINER_EVENT == $ev)'
}

# event_count ID EVENT
event_count() {
        events_for "$1" "$2" | wc -l
}

_has_event() {
        [ "$(event_count "$1" "$2")" -ge 1 ]
}

# wait_event ID EVENT [TIMEOUT]: wait until the daemon printed an EVENT event for ID.
wait_event() {
        wait_for "${3:-$EVENT_TIMEOUT}" _has_event "$1" "$2" ||
                fail "no '$2' event for container '$1' within ${3:-$EVENT_TIMEOUT}s"
}

# event_field ID EVENT FIELD: the value of FIELD in the first EVENT event of ID ("" when absent).
event_field() {
        events_for "$1" "$2" | head -n 1 | jq -r --arg f "$3" '.[$f] // ""'
}

# event_has_field ID EVENT FIELD
event_has_field() {
        events_for "$1" "$2" | head -n 1 | jq -e --arg f "$3" 'has($f)' >/dev/null
}

# assert_event_count ID EVENT N
assert_event_count() {
        assert_eq "$(event_count "$1" "$2")" "$3" "number of '$2' events for $1"
}

# assert_field ID EVENT FIELD EXPECTED
assert_field() {
        assert_eq "$(event_field "$1" "$2" "$3")" "$4" "$3 of the '$2' event of $1"
}

# stderr_lines_matching ERE: how many stderr lines of the daemon match.
stderr_lines_matching() {
        grep -Ec -- "$1" "$DAEMON_ERR" 2>/dev/null || true
}

# ------------------------------------------------------------------ ids

# catalog_id NAME: the MESSAGE_ID the daemon uses for NAME (CONTAINER_STARTED, CONTAINER_EXITED, ...),
# from daemon/catalog-ids.h.
catalog_id() {
        sed -n "s/^#define MESSAGE_ID_$1 *\"\([0-9a-f]\{32\}\)\".*/\1/p" "$top_srcdir/daemon/catalog-ids.h"
}

# new_id LABEL: a fresh container id, 16 random hex digits then -LABEL (the 12-character short id
# is unique even across tests running in parallel; runc names the cgroup after the id).
new_id() {
        printf '%s-%s\n' "$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" "$1"
}
