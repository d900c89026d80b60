/* SPDX-License-Identifier: MIT */
/*
 * EVENT_SEQ (DESIGN.md §3, "Event sequence"): one strictly increasing sequence of container events
 * per boot, in the order the manager emits them, carried by the journal entry, the --json line and
 * the subscriber message. Each start of the daemon begins at the larger of the record's number and
 * CLOCK_BOOTTIME in µs (given by the caller), then one more per event: dense within a run, a jump
 * at each start, never a number used twice within a boot, whatever happened to the record: no
 * event is numbered before the clock has passed its number. The record (state "seq"/"next")
 * holds a number no event has used yet: numbers are reserved EVENTSEQ_BLOCK at a time before an
 * event uses them (one record line per block, not per event, naming the run's first number too),
 * and the exact next one is written at a clean stop, marked clean: the next start's hello names
 * the run before it (EVENT_SEQ_PREV_*, DESIGN.md §5). The record of another boot is discarded by
 * record_open(), and with it its number.
 * Owns nothing but the counters; the record is the caller's.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef struct Event Event;
typedef struct Record Record;

#define EVENTSEQ_BLOCK 256

/* A run of the daemon that numbered events, as the record names it: the hello's EVENT_SEQ_PREV_*. */
typedef struct EventSeqRun {
        uint64_t first;     /* its first number (0: no run named) */
        uint64_t end;       /* clean: the exact next number it would have used; else its reserved end */
        bool clean;         /* it stopped cleanly (eventseq_save) */
} EventSeqRun;

typedef struct EventSeq {
        uint64_t next;      /* the number the next event gets; 0 (zeroed, not restored): 1 */
        uint64_t reserved;  /* the record says this one (or a later one) is free */
        uint64_t first;     /* the first number of this run of the daemon */
        uint64_t lead;      /* how far the record put first past the clock at the start (0: not) */
        EventSeqRun prev;   /* the last earlier run of this boot that numbered events, from the record */
} EventSeq;

/*
 * Where this run starts: the largest of the record's number (NULL record, or none kept: none),
 * boottime_usec (the caller's now_boottime_usec()) and where s already is; at least 1. The
 * record's run, when it names one, becomes eventseq_prev().
 */
void eventseq_restore(EventSeq *s, const Record *record, uint64_t boottime_usec);

/*
 * Give ev the next number as EVENT_SEQ, once CLOCK_BOOTTIME in µs (less the lead the record gave)
 * is past it, so that a later start, at a later clock, begins past it: when it is not reserved
 * yet, the record first learns the end of a new block (record may be NULL), then the field is
 * added. Returns the number, or 0 when
 * the field could not be added (ENOMEM; the number is then skipped).
 */
uint64_t eventseq_stamp(EventSeq *s, Record *record, Event *ev);

/* At a clean stop: the record learns the exact next number and that the stop was clean, so that
 * no number is skipped and the next start's hello names this run's exact end (nothing written
 * when this run numbered no event: the record keeps naming the run before). */
void eventseq_save(EventSeq *s, Record *record);

/* The last earlier run of this boot that numbered events, as the record at the start named it, or
 * NULL (none named: the first run of the boot, no record or a fresh one, one of an older daemon). */
const EventSeqRun *eventseq_prev(const EventSeq *s);

/* The number the next event will get, and the first of this run (the subscribers' hello).
 * Accept NULL: 0. */
uint64_t eventseq_next(const EventSeq *s);
uint64_t eventseq_first(const EventSeq *s);
