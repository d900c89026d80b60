/* SPDX-License-Identifier: MIT */
/*
 * EVENT_SEQ (see eventseq.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <time.h>

#include <jansson.h>

#include "events.h"
#include "eventseq.h"
#include "log.h"
#include "record.h"
#include "util/time.h"

#define STATE_SEQ "seq"
#define STATE_SEQ_KEY "next"

/*
 * The record's state: {"next":N,"first":P,"clean":B}, N free (the reserved end, or after a clean
 * stop the exact next number), P the first number of the run that wrote it, B whether it stopped
 * cleanly. A daemon before the run was kept wrote N alone, as an integer: then no run is named.
 */
static void eventseq_read(const Record *record, uint64_t *ret_next, EventSeqRun *ret_prev) {
        json_t *v = record ? json_object_get(record_get_states(record, STATE_SEQ), STATE_SEQ_KEY) : NULL;
        json_t *n = json_is_object(v) ? json_object_get(v, "next") : v;
        json_t *first = json_is_object(v) ? json_object_get(v, "first") : NULL;
        json_t *clean = json_is_object(v) ? json_object_get(v, "clean") : NULL;

        *ret_next = 0;
        *ret_prev = (EventSeqRun) {};
        /* a value this daemon could not have written (not a positive integer) is ignored */
        if (!json_is_integer(n) || json_integer_value(n) <= 0)
                return;
        *ret_next = (uint64_t) json_integer_value(n);
        if (json_is_integer(first) && json_integer_value(first) > 0 &&
            (uint64_t) json_integer_value(first) < *ret_next && json_is_boolean(clean))
                *ret_prev = (EventSeqRun) { .first = (uint64_t) json_integer_value(first),
                                            .end = *ret_next,
                                            .clean = json_is_true(clean) };
}

void eventseq_restore(EventSeq *s, const Record *record, uint64_t boottime_usec) {
        uint64_t n, next = eventseq_next(s);
        EventSeqRun prev;

        eventseq_read(record, &n, &prev);
        /* The clock: a run numbers at most one event per µs of its life, so a start that comes
         * later begins past every number of the runs before it, with or without their record. */
        if (boottime_usec > next)
                next = boottime_usec;
        /* The record: past the clock only when this start's clock is behind (another time
         * namespace). */
        if (n > next)
                next = n;
        s->next = next;
        s->reserved = next;
        s->first = next;
        s->lead = next > boottime_usec ? next - boottime_usec : 0;
        s->prev = prev;
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

static void eventseq_put(EventSeq *s, Record *record, uint64_t free_from, bool clean) {
        json_t *v = json_pack("{s:I,s:I,s:b}", "next", (json_int_t) free_from, "first", (json_int_t) eventseq_first(s),
                              "clean", clean);
        int r = v ? record_put_state(record, STATE_SEQ, STATE_SEQ_KEY, v) : -ENOMEM;

        json_decref(v);
        if (r < 0)
                log_debug_errno(r, "Failed to keep EVENT_SEQ %" PRIu64 " in the record: %m", free_from);
}

/* Until CLOCK_BOOTTIME in µs is past usec: in a burst faster than one event per µs (never the
 * daemon's), a µs or so; at once otherwise. */
static void eventseq_wait_clock(uint64_t usec) {
        while (now_boottime_usec() <= usec) {
                struct timespec ts = { .tv_sec = (time_t) ((usec + 1) / USEC_PER_SEC),
                                       .tv_nsec = (long) ((usec + 1) % USEC_PER_SEC * NSEC_PER_USEC) };

                (void) clock_nanosleep(CLOCK_BOOTTIME, TIMER_ABSTIME, &ts, NULL);
        }
}

uint64_t eventseq_stamp(EventSeq *s, Record *record, Event *ev) {
        uint64_t n = eventseq_next(s);

        /* No number the clock has not passed: a later start, seeded from the clock, begins past it. */
        eventseq_wait_clock(n - s->lead);

        s->next = n + 1;
        /* Before the event goes out: a crash between the two skips numbers, never reuses one. */
        if (record && n >= s->reserved) {
                s->reserved = n + EVENTSEQ_BLOCK;
                eventseq_put(s, record, s->reserved, /* clean= */ false);
        }
        if (event_addf(ev, "EVENT_SEQ", "%" PRIu64, n) < 0)
                return 0;
        return n;
}

void eventseq_save(EventSeq *s, Record *record) {
        /* a run that numbered nothing leaves the record to name the run before it */
        if (!record || s->next == 0 || s->next == s->first)
                return;
        eventseq_put(s, record, s->next, /* clean= */ true);
        s->reserved = s->next;
}

const EventSeqRun *eventseq_prev(const EventSeq *s) {
        return s && s->prev.first > 0 ? &s->prev : NULL;
}
