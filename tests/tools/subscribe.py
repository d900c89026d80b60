#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A subscriber of container-watchd's event socket, for the tests.

    subscribe.py SOCKET OUTFILE [FILTER_JSON]

Connects (SOCK_SEQPACKET), sends FILTER_JSON as one message when given, waits for the daemon's
hello ({"EVENT_SEQ_NEXT":"M"}: it accepted the connection) and writes it to OUTFILE.hello and
"connected" to OUTFILE.ready, then appends every message it receives to OUTFILE, one per line, flushed whenever no further message waits.
At end of stream (the daemon closed the connection) it writes "EOF" to OUTFILE.eof and exits 0.
Exit status 2 when it cannot connect (the error on stderr: EACCES for a refused user).
"""
import select
import socket
import sys


def main():
    path, out = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        s.connect(path)
    except OSError as e:
        print(f"connect {path}: {e.strerror}", file=sys.stderr)
        return 2
    if len(sys.argv) > 3:
        s.send(sys.argv[3].encode())
    hello = s.recv(1 << 20)
    if not hello.startswith(b'{"EVENT_SEQ_NEXT":'):
        print(f"{path}: no hello but {hello[:80]!r}", file=sys.stderr)
        return 1
    with open(out + ".hello", "wb") as f:
        f.write(hello + b"\n")
    with open(out + ".ready", "w") as f:
        f.write("connected\n")
    with open(out, "ab") as f:
        while True:
            try:
                m = s.recv(1 << 20, socket.MSG_DONTWAIT)
            except BlockingIOError:
                # nothing more waiting: make what came visible, then block
                f.flush()
                select.select([s], [], [])
                continue
            if not m:
                break
            f.write(m + b"\n")
    with open(out + ".eof", "w") as f:
        f.write("EOF\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
