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
}

uint64_t eventseq_next(const EventSeq *s) {
        if (!s)
                return 0;
        return s->next ?: 1;
}

uint64_t eventseq_stamp(EventSeq *s, Record *record, Event *ev) {
        uint64_t n = eventseq_next(s);

        s->next = n + 1;
        /* Before the event goes out: a crash between the two skips n, never reuses it. */
        if (record) {
                json_t *v = json_integer((json_int_t) s->next);
                int r = v ? record_put_state(record, STATE_SEQ, STATE_SEQ_KEY, v) : -ENOMEM;

                json_decref(v);
                if (r < 0)
                        log_debug_errno(r, "Failed to keep EVENT_SEQ %" PRIu64 " in the record: %m", s->next);
        }
        if (event_addf(ev, "EVENT_SEQ", "%" PRIu64, n) < 0)
                return 0;
        return n;
}
