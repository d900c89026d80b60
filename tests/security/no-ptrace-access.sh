#!/bin/bash
# SPDX-License-Identifier: MIT
# Without ptrace-read access to a container's init (an unprivileged daemon, or one whose unit lacks
# CAP_SYS_PTRACE), the kernel prints 0 for field 52 of /proc/<pid>/stat: read naively that is
# "exited 0" for every death. The daemon must not trust it: here, as nobody without capabilities,
# a SIGKILLed root container is reported killed by SIGKILL from PIDFD_INFO_EXIT after the (late)
# reap, or unknown on kernels without it -- never "exited 0".
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_root
require_runc
require_cmd setpriv
runc_rootfs

id=$(new_id noptrace)
runc_run "$id" "${INIT_SLEEP[@]}"
# runc writes state.json 0600 and its directories 0711: let nobody read them.
chmod -R a+rX "$RUNC_ROOT"
chmod 1777 "$STATE_DIRECTORY"
chmod o+rx "$TEST_TMP"
chmod o+r "$TEST_TMP/empty.conf"

umask 000 # the notify socket that start_daemon binds must accept nobody's READY=1
DAEMON_WRAPPER="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all --" \
        start_daemon -r "$RUNC_ROOT" --log-target=console --json
wait_event "$id" started
runc_kill "$id" KILL
wait_event "$id" exited 15
code=$(event_field "$id" exited EXIT_CODE)
source=$(event_field "$id" exited EXIT_STATUS_SOURCE)
assert_ne "$source" proc "EXIT_STATUS_SOURCE without ptrace access"
case $code in
killed)
        assert_field "$id" exited EXIT_SIGNAL SIGKILL
        assert_eq "$source" pidfd "source of a known status" ;;
unknown)
        assert_eq "$source" none "source of an unknown status" ;;
*)
        fail "EXIT_CODE=$code: a status the daemon could not know" ;;
esac
stop_daemon
note "ok ($code from $source)"
