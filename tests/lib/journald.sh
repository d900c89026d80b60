# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# A private systemd-journald for one test (FACTS.md 5.13). Usage, at the top of a test:
#
#   ITEST_MOUNTNS=1                    # common.sh re-executes the test in a private mount namespace
#   . "$top_srcdir/tests/lib/common.sh"
#   . "$top_srcdir/tests/lib/journald.sh"
#   start_journald
#
# start_journald mounts tmpfs over /run/systemd/journal, /run/log and /var/log/journal (in the
# test's own mount namespace only; the host journal is untouched), starts
# /lib/systemd/systemd-journald in the background and waits for its socket. Everything written
# with sd_journal_send() by processes of the test then lands in /run/log/journal of that tmpfs, and
# journal_* below read it back with `journalctl -D /run/log/journal -o json`.

JOURNALD=${JOURNALD:-/lib/systemd/systemd-journald}
JOURNAL_DIR=/run/log/journal
JOURNALD_PID=

# start_journald: see above. Fails the test when journald does not come up within 10 s.
start_journald() {
        [ "${_ITEST_IN_MOUNTNS:-}" = 1 ] ||
                fail "journald.sh: set ITEST_MOUNTNS=1 before sourcing common.sh"
        require_root
        require_cmd journalctl jq
        [ -x "$JOURNALD" ] || skip_or_fail "'$JOURNALD' is not installed (Debian: systemd)"

        # Nothing from the host's journal may leak in, and nothing of ours may leak out.
        if [ -d /run/systemd/journal ]; then
                mount -t tmpfs -o mode=0755 itest-journal /run/systemd/journal ||
                        fail "cannot mount a tmpfs on /run/systemd/journal"
        else
                # No journal on the host: do not create directories in the host's /run/systemd.
                mkdir -p /run/systemd 2>/dev/null
                mount -t tmpfs -o mode=0755 itest-systemd /run/systemd ||
                        fail "cannot mount a tmpfs on /run/systemd"
                mkdir /run/systemd/journal
        fi
        mkdir -p /run/log /var/log/journal
        mount -t tmpfs -o mode=0755 itest-log /run/log || fail "cannot mount a tmpfs on /run/log"
        mount -t tmpfs -o mode=0755 itest-varlog /var/log/journal ||
                fail "cannot mount a tmpfs on /var/log/journal"

        "$JOURNALD" >"$TEST_TMP/journald.log" 2>&1 &
        JOURNALD_PID=$!
        CLEANUP_PIDS+=("$JOURNALD_PID")
        wait_for 10 test -S /run/systemd/journal/socket ||
                fail "systemd-journald did not create its socket: $(cat "$TEST_TMP/journald.log")"
        pid_running "$JOURNALD_PID" || fail "systemd-journald exited: $(cat "$TEST_TMP/journald.log")"
        note "private journald running (pid $JOURNALD_PID)"
}

_journal_dump() {
        [ -n "$JOURNALD_PID" ] || return 0
        printf -- '----- private journal, container-watchd entries (last 30)\n'
        journalctl -D "$JOURNAL_DIR" -o json --no-pager SYSLOG_IDENTIFIER=container-watchd 2>&1 |
                jq -c '{PRIORITY, MESSAGE_ID, CONTAINER_EVENT, CONTAINER_ID_FULL, MESSAGE}' 2>&1 | tail -n 30
}
DUMP_HOOKS+=(_journal_dump)

# journal_entries [JQ_CONDITION]: the entries the daemon (SYSLOG_IDENTIFIER=container-watchd)
# wrote so far, compact JSON one per line, optionally filtered by a jq condition.
journal_entries() {
        journalctl -D "$JOURNAL_DIR" -o json --no-pager SYSLOG_IDENTIFIER=container-watchd 2>/dev/null |
                jq -c "select(${1:-true})"
}

# journal_events_for ID EVENT
journal_events_for() {
        journal_entries "$(printf '.CONTAINER_ID_FULL == "%s" and .CONTAINER_EVENT == "%s"' "$1" "$2")"
}

_journal_has() {
        [ "$(journal_events_for "$1" "$2" | wc -l)" -ge 1 ]
}

# wait_journal_event ID EVENT [TIMEOUT]: wait until the journal has an EVENT entry for ID.
wait_journal_event() {
        wait_for "${3:-$EVENT_TIMEOUT}" _journal_has "$1" "$2" ||
                fail "no '$2' journal entry for container '$1' within ${3:-$EVENT_TIMEOUT}s"
}

# journal_field ID EVENT FIELD: FIELD of the first EVENT entry for ID ("" when absent).
journal_field() {
        journal_events_for "$1" "$2" | head -n 1 | jq -r --arg f "$3" '.[$f] // "" | tostring'
}

# assert_journal_count ID EVENT N
assert_journal_count() {
        assert_eq "$(journal_events_for "$1" "$2" | wc -l)" "$3" "number of '$2' journal entries for $1"
}
