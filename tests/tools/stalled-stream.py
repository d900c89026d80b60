#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A journald stdout stream that nobody reads: run COMMAND with stderr a stream socket whose other
end a child of ours holds without ever reading it, and JOURNAL_STREAM=DEV:INO naming it, as
systemd does for StandardError=journal. A DAEMON_WRAPPER: COMMAND keeps our PID (exec). The
child lives until it is killed (the test's cleanup kills the whole process group)."""
import os
import signal
import socket
import sys

if len(sys.argv) < 2:
    sys.exit("usage: stalled-stream.py COMMAND [ARG...]")
ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
if os.fork() == 0:
    theirs.close()
    # holds `ours` open and never reads it
    while True:
        signal.pause()
ours.close()
st = os.fstat(theirs.fileno())
os.environ["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
os.dup2(theirs.fileno(), 2)
theirs.close()
os.execvp(sys.argv[1], sys.argv[1:])
