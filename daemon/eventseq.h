/* SPDX-License-Identifier: MIT */
/*
 * EVENT_SEQ (DESIGN.md §3, "Event sequence"): one sequence of container events per boot, 1, 2,
 * 3, ... in the order the manager emits them, carried by the journal entry, the --json line and
 * the subscriber message. The next number is put in the record (state "seq"/"next") before the
 * event goes out, so that a restarted daemon continues after the last number used, even after a
 * SIGKILL; the record of another boot is discarded by record_open(), and with it the sequence.
 * Owns nothing but the counter; the record is the caller's.
 */
#pragma once

#include <stdint.h>

typedef struct Event Event;
typedef struct Record Record;

typedef struct EventSeq {
        uint64_t next;   /* the number the next event gets; 0 (zeroed): 1 */
} EventSeq;

/* Continue the sequence the record kept (NULL record: start at 1). */
void eventseq_restore(EventSeq *s, const Record *record);

/*
 * Give ev the next number as EVENT_SEQ: first the record learns the one after it (record may be
 * NULL), then the field is added. Returns the number, or 0 when the field could not be added
 * (ENOMEM; the number is then skipped).
 */
uint64_t eventseq_stamp(EventSeq *s, Record *record, Event *ev);

/* The number the next event will get (the subscribers' hello). Accepts NULL: 0. */
uint64_t eventseq_next(const EventSeq *s);
