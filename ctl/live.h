/* SPDX-License-Identifier: MIT */
/*
 * The daemon's subscriber socket, read by container-watchctl events (DESIGN.md §5, Subscribers):
 * connecting, and what one message is: the hello ({"EVENT_SEQ_NEXT":"M","EVENT_SEQ_FIRST":"F"}), a gap ({"gap":"N"}) or
 * a container event (the --json object, made an Entry). Owns nothing but what it returns.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "entry.h"

#define LIVE_SOCKET_DEFAULT "/run/container-watchd/events"

typedef enum LiveKind {
        LIVE_HELLO,   /* value: EVENT_SEQ_NEXT; first: EVENT_SEQ_FIRST (0 when absent) */
        LIVE_GAP,     /* value: the events missed */
        LIVE_EVENT,   /* entry; value: its EVENT_SEQ, 0 when it has none */
        LIVE_OTHER,   /* anything else (ignored) */
} LiveKind;

typedef struct LiveMessage {
        LiveKind kind;
        uint64_t value;
        uint64_t first;
        Entry *entry;  /* LIVE_EVENT only; the caller frees it */
} LiveMessage;

/* Connect to path (SOCK_SEQPACKET, non-blocking, close-on-exec). Returns the fd or -errno
 * (-ENOENT/-ECONNREFUSED: no daemon listens; -EACCES: refused by the socket's mode). */
int live_connect(const char *path);

/*
 * What one message says. An event's fields become the entry's (every value a string, as the
 * daemon writes them), with realtime_usec the time given (when it was received). Returns 0, or
 * -ENOMEM.
 */
int live_parse(const char *buf, size_t len, uint64_t realtime_usec, LiveMessage *ret);

/* Receive and parse one message from fd. Returns 1 and *ret, 0 at the end of the stream, -EAGAIN
 * when none waits, or -errno. */
int live_receive(int fd, LiveMessage *ret);
