/* SPDX-License-Identifier: MIT */
/*
 * EVENT_SEQ (DESIGN.md §3, "Event sequence"): one sequence of container events per boot, 1, 2,
 * 3, ... in the order the manager emits them, carried by the journal entry, the --json line and
 * the subscriber message. The record (state "seq"/"next") holds a number no event has used yet:
 * numbers are reserved EVENTSEQ_BLOCK at a time before an event uses them (one record line per
 * block, not per event), and the exact next one is written at a clean stop. So a restarted
 * daemon never reuses a number; after a crash it skips the rest of the block. The record of
 * another boot is discarded by record_open(), and with it the sequence.
 * Owns nothing but the counters; the record is the caller's.
 */
#pragma once

#include <stdint.h>

typedef struct Event Event;
typedef struct Record Record;

#define EVENTSEQ_BLOCK 256

typedef struct EventSeq {
        uint64_t next;      /* the number the next event gets; 0 (zeroed): 1 */
        uint64_t reserved;  /* the record says this one (or a later one) is free */
        uint64_t first;     /* the first number of this run of the daemon */
} EventSeq;

/* Continue the sequence the record kept (NULL record: start at 1). */
void eventseq_restore(EventSeq *s, const Record *record);

/*
 * Give ev the next number as EVENT_SEQ: when it is not reserved yet, the record first learns the
 * end of a new block (record may be NULL), then the field is added. Returns the number, or 0 when
 * the field could not be added (ENOMEM; the number is then skipped).
 */
uint64_t eventseq_stamp(EventSeq *s, Record *record, Event *ev);

/* At a clean stop: the record learns the exact next number, so that no number is skipped. */
void eventseq_save(EventSeq *s, Record *record);

/* The number the next event will get, and the first of this run (the subscribers' hello).
 * Accept NULL: 0. */
uint64_t eventseq_next(const EventSeq *s);
uint64_t eventseq_first(const EventSeq *s);
