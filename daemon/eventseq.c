/* SPDX-License-Identifier: MIT */
/*
 * EVENT_SEQ (see eventseq.h).
 */
#include <errno.h>
#include <inttypes.h>

#include <jansson.h>

#include "events.h"
#include "eventseq.h"
#include "log.h"
#include "record.h"

#define STATE_SEQ "seq"
#define STATE_SEQ_KEY "next"

void eventseq_restore(EventSeq *s, const Record *record) {
        json_t *v = record ? json_object_get(record_get_states(record, STATE_SEQ), STATE_SEQ_KEY) : NULL;
        json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;

        /* a value this daemon could not have written (negative, or before where we are) is ignored */
        if (n > 0 && (uint64_t) n > eventseq_next(s))
                s->next = (uint64_t) n;
        else if (s->next == 0)
                s->next = 1;
        s->reserved = s->next;
        s->first = s->next;
}

uint64_t eventseq_next(const EventSeq *s) {
        if (!s)
                return 0;
        return s->next ?: 1;
}

uint64_t eventseq_first(const EventSeq *s) {
        if (!s)
                return 0;
        return s->first ?: 1;
}

static void eventseq_put(Record *record, uint64_t free_from) {
        json_t *v = json_integer((json_int_t) free_from);
        int r = v ? record_put_state(record, STATE_SEQ, STATE_SEQ_KEY, v) : -ENOMEM;

        json_decref(v);
        if (r < 0)
                log_debug_errno(r, "Failed to keep EVENT_SEQ %" PRIu64 " in the record: %m", free_from);
}

uint64_t eventseq_stamp(EventSeq *s, Record *record, Event *ev) {
        uint64_t n = eventseq_next(s);

        s->next = n + 1;
        /* Before the event goes out: a crash between the two skips numbers, never reuses one. */
        if (record && n >= s->reserved) {
                s->reserved = n + EVENTSEQ_BLOCK;
                eventseq_put(record, s->reserved);
        }
        if (event_addf(ev, "EVENT_SEQ", "%" PRIu64, n) < 0)
                return 0;
        return n;
}

void eventseq_save(EventSeq *s, Record *record) {
        if (!record || s->next == 0 || s->next == s->reserved)
                return;
        eventseq_put(record, s->next);
        s->reserved = s->next;
}
