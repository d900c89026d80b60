/* SPDX-License-Identifier: MIT */
/*
 * The daemon's subscriber socket, read by container-watchctl events (DESIGN.md §5, Subscribers):
 * connecting, and what one message is: the hello ({"EVENT_SEQ_NEXT":"M","EVENT_SEQ_FIRST":"F"}), a gap ({"gap":"N"}) or
 * a container event (the --json object, made an Entry). Owns nothing but what it returns.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "entry.h"

#define LIVE_SOCKET_DEFAULT "/run/container-watchd/events"

typedef enum LiveKind {
        LIVE_HELLO,   /* value: EVENT_SEQ_NEXT; first: EVENT_SEQ_FIRST (0 when absent); prev_* */
        LIVE_GAP,     /* value: the events missed */
        LIVE_EVENT,   /* entry; value: its EVENT_SEQ, 0 when it has none */
        LIVE_OTHER,   /* anything else (ignored) */
} LiveKind;

typedef struct LiveMessage {
        LiveKind kind;
        uint64_t value;
        uint64_t first;
        /* the hello's run before this one (EVENT_SEQ_PREV_*); prev_first 0: none named, or not
         * consistent (always prev_first < prev_end <= first) */
        uint64_t prev_first, prev_end;
        bool prev_clean;  /* "clean": prev_end is exact; "crash": the end of its reserved block */
        Entry *entry;  /* LIVE_EVENT only; the caller frees it */
} LiveMessage;

/* What a number that the journal does not bring is. */
typedef enum LiveMissing {
        LIVE_MISSING_LOST,    /* it was used: its event is lost */
        LIVE_MISSING_UNSURE,  /* lost, or never used (a crash, no record): no reader can tell */
} LiveMissing;

/*
 * What a hello lets a reader conclude about the numbers below the live stream (DESIGN.md §5),
 * in order, each part from the last number handled on: below take_upto, what the journal holds
 * now, without waiting (runs long gone); below wait_upto, what it brings within a bounded wait,
 * a number that does not come being `missing`; below unused_upto, numbers never used (the jump
 * to this run's first); then this run's, dense, up to the hello's EVENT_SEQ_NEXT. All 0: a hello
 * without a consistent EVENT_SEQ_FIRST (only the part up to EVENT_SEQ_NEXT).
 */
typedef struct LiveSeam {
        uint64_t take_upto;
        uint64_t wait_upto;
        LiveMissing missing;
        uint64_t unused_upto;
        /* below unused_upto, numbers from it on are one run's, dense: one the journal skips there
         * (it holds a later one) is lost (0: no run known) */
        uint64_t dense_from;
} LiveSeam;

/* Connect to path (SOCK_SEQPACKET, non-blocking, close-on-exec). Returns the fd or -errno
 * (-ENOENT/-ECONNREFUSED: no daemon listens; -EACCES: refused by the socket's mode). */
int live_connect(const char *path);

/*
 * What one message says. An event's fields become the entry's (its string members, in order: every
 * value, as the daemon writes them), with realtime_usec the time given (when it was received).
 * The daemon's flat ASCII objects are read without jansson, anything else through it, with the
 * same result (tests/fuzz/fuzz-ctl-live.c). Returns 0, or -ENOMEM.
 */
int live_parse(const char *buf, size_t len, uint64_t realtime_usec, LiveMessage *ret);

/* Receive and parse one message from fd. Returns 1 and *ret, 0 at the end of the stream, -EAGAIN
 * when none waits, or -errno. */
int live_receive(int fd, LiveMessage *ret);

/*
 * The plan for a hello (kind LIVE_HELLO). followed: the EVENT_SEQ_FIRST of the run this reader
 * followed before it reconnected (0: its first hello, when what comes before is history); last:
 * the last number it handled (a run it followed that numbered events, and a hello that names an
 * earlier run: the record missed that run, and nothing is known of its end). A
 * reconnecting reader waits for the numbers below the previous run's end, or, when the hello names
 * no run or a later one than it followed (it missed a whole run), below this run's first. On its
 * first hello (history) it waits only for the numbers of a run before that stopped cleanly.
 */
void live_seam(const LiveMessage *hello, uint64_t followed, uint64_t last, LiveSeam *ret);
