# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Helpers for the packaging tests. Source after tests/lib/common.sh and tests/lib/journald.sh.
#
# start_visible_journald: a private systemd-journald like journald.sh's start_journald, except
# that only journald itself runs in a private mount namespace, and its two directories are
# ordinary directories of $TEST_TMP, bound onto /run/systemd/journal and /run/log inside that
# namespace:
#   $JOURNAL_RUN   its sockets (journal/socket, stdout, ...): visible from the host mount namespace,
#                  so a process started by a dockerd that runs outside the test (the container
#                  under test) can be given this journal with a bind mount of $JOURNAL_RUN;
#   $JOURNAL_DIR   its journal files ($TEST_TMP/journal-log/journal), readable by the test with
#                  `journalctl -D`, which is what journal_entries & co. of journald.sh do.
# The host's journal and every other mount are untouched; the test itself stays in the host mount
# namespace (a dockerd that a test starts must live there, since other tests share it).

JOURNAL_RUN=
start_visible_journald() {
        require_root
        require_cmd journalctl jq unshare
        [ -x "$JOURNALD" ] || skip_or_fail "'$JOURNALD' is not installed (Debian: systemd)"
        JOURNAL_RUN=$TEST_TMP/journal-run
        mkdir -p "$JOURNAL_RUN" "$TEST_TMP/journal-log"
        JOURNAL_DIR=$TEST_TMP/journal-log/journal
        # unshare execs journald (no fork): $! is journald's PID. /var/log/journal gets a tmpfs so
        # that journald can never write to the host's persistent journal.
        # shellcheck disable=SC2016 # the inner script takes its paths as "$1".."$3"
        unshare -m --propagation private -- /bin/sh -c '
                set -e
                if [ ! -d /run/systemd/journal ]; then
                        mount -t tmpfs -o mode=0755 pkgtest-systemd /run/systemd 2>/dev/null ||
                                { mkdir -p /run/systemd && mount -t tmpfs -o mode=0755 pkgtest-systemd /run/systemd; }
                        mkdir -p /run/systemd/journal
                fi
                mount --bind "$1" /run/systemd/journal
                mkdir -p /run/log
                mount --bind "$2" /run/log
                if [ -d /var/log/journal ]; then mount -t tmpfs -o mode=0755 pkgtest-varlog /var/log/journal; fi
                exec "$3"' sh "$JOURNAL_RUN" "$TEST_TMP/journal-log" "$JOURNALD" >"$TEST_TMP/journald.log" 2>&1 &
        JOURNALD_PID=$!
        CLEANUP_PIDS+=("$JOURNALD_PID")
        wait_for 10 test -S "$JOURNAL_RUN/socket" ||
                fail "systemd-journald did not create $JOURNAL_RUN/socket: $(cat "$TEST_TMP/journald.log")"
        pid_running "$JOURNALD_PID" || fail "systemd-journald exited: $(cat "$TEST_TMP/journald.log")"
        note "private journald (pid $JOURNALD_PID): sockets in $JOURNAL_RUN, files in $JOURNAL_DIR"
}

