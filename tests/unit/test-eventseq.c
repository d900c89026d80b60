/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for daemon/eventseq.c over a real record on a mkdtemp state directory, no root:
 * numbers n, n+1, n+2 in EVENT_SEQ from the start's clock; a restart after a clean stop starts at
 * the later of the clock and the record's next number, one after a crash (record_free without
 * eventseq_save) past the reserved block, also across a compaction; one record line per block; a
 * record of another boot is ignored (record_open discards it); and, on the real CLOCK_BOOTTIME, a
 * start on a deleted record, or none, within the same boot begins past every number of the run
 * before, even after a burst faster than the clock; the run before as the next start names it (a
 * clean stop's exact end, a crash's reserved one, none on a fresh record or an older daemon's).
 */
#include <check.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events.h"
#include "eventseq.h"
#include "record.h"
#include "util/strutil.h"
#include "util/time.h"

static char tmpdir[] = "/tmp/test-eventseq.XXXXXX";
static char file[sizeof(tmpdir) + 16];

static void setup(void) {
        strcpy(tmpdir, "/tmp/test-eventseq.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
        snprintf(file, sizeof(file), "%s/reported", tmpdir);
}

static void teardown(void) {
        char tmp[sizeof(file) + 8];

        snprintf(tmp, sizeof(tmp), "%s.tmp", file);
        (void) unlink(file);
        (void) unlink(tmp);
        (void) rmdir(tmpdir);
}

static const RecordEntry *no_entries(void *userdata) {
        (void) userdata;
        return NULL;
}

/* record_open, then the compaction the daemon's start-up does (it writes the boot's header) */
static Record *open_ok(void) {
        Record *r = NULL;
        unsigned other = 0;

        ck_assert_int_eq(record_open(tmpdir, &r, &other), 0);
        ck_assert_int_eq(record_compact(r, no_entries, NULL), 0);
        return r;
}

/* Stamp one event; check the number it got and its field. */
static void stamp(EventSeq *s, Record *r, uint64_t want) {
        char buf[32];
        Event ev;

        event_init(&ev, "00000000000000000000000000000000", 6);
        ck_assert_uint_eq(eventseq_stamp(s, r, &ev), want);
        snprintf(buf, sizeof(buf), "%llu", (unsigned long long) want);
        ck_assert_pstr_eq(event_get(&ev, "EVENT_SEQ"), buf);
        event_clear(&ev);
}

START_TEST(test_no_record) {
        EventSeq s = {};

        eventseq_restore(&s, NULL, 0);
        ck_assert_uint_eq(eventseq_next(&s), 1);
        stamp(&s, NULL, 1);
        stamp(&s, NULL, 2);
        ck_assert_uint_eq(eventseq_next(&s), 3);
        ck_assert_uint_eq(eventseq_next(NULL), 0);

        /* the clock: the start begins there */
        s = (EventSeq) {};
        eventseq_restore(&s, NULL, 1000);
        ck_assert_uint_eq(eventseq_first(&s), 1000);
        stamp(&s, NULL, 1000);
        stamp(&s, NULL, 1001);
}
END_TEST

START_TEST(test_restart_continues) {
        EventSeq s = {};
        Record *r = open_ok();

        eventseq_restore(&s, r, 100);
        ck_assert_uint_eq(eventseq_first(&s), 100);
        for (uint64_t i = 100; i <= 102; i++)
                stamp(&s, r, i);
        /* a clean stop saves the exact next number */
        eventseq_save(&s, r);
        record_free(r);

        /* a start whose clock is behind the record (another time namespace): the record's number */
        r = open_ok();
        s = (EventSeq) {};
        eventseq_restore(&s, r, 50);
        ck_assert_uint_eq(eventseq_next(&s), 103);
        ck_assert_uint_eq(eventseq_first(&s), 103);
        stamp(&s, r, 103);
        /* a compaction keeps the reservation */
        ck_assert_int_eq(record_compact(r, no_entries, NULL), 0);
        stamp(&s, r, 104);
        record_free(r);  /* a crash: no save */

        /* after a crash the rest of the block is skipped, nothing is reused */
        r = open_ok();
        s = (EventSeq) {};
        eventseq_restore(&s, r, 60);
        ck_assert_uint_eq(eventseq_next(&s), 103 + EVENTSEQ_BLOCK);
        stamp(&s, r, 103 + EVENTSEQ_BLOCK);
        eventseq_save(&s, r);
        record_free(r);

        /* a clock past the record: the clock's number */
        r = open_ok();
        s = (EventSeq) {};
        eventseq_restore(&s, r, 5000);
        ck_assert_uint_eq(eventseq_first(&s), 5000);
        stamp(&s, r, 5000);
        record_free(r);
}
END_TEST

/*
 * The seam bug of issue 15: within one boot, a daemon started on a fresh record (deleted, lost)
 * numbered from 1 again, and a reader dropped its events as already seen. On the real clock: a
 * run stamps a burst (far faster than one event per µs if nothing held it), its record is
 * deleted; the next start, on a fresh record and on none, begins past all of its numbers.
 */
START_TEST(test_fresh_record_same_boot) {
        EventSeq s = {};
        Record *r = open_ok();
        uint64_t last = 0, n;

        eventseq_restore(&s, r, now_boottime_usec());
        for (unsigned i = 0; i < 3 * EVENTSEQ_BLOCK; i++) {
                Event ev;

                event_init(&ev, "00000000000000000000000000000000", 6);
                n = eventseq_stamp(&s, r, &ev);
                event_clear(&ev);
                ck_assert_uint_gt(n, last);
                last = n;
        }
        ck_assert_uint_eq(last, eventseq_first(&s) + 3 * EVENTSEQ_BLOCK - 1);
        record_free(r);  /* a crash, and then the record is gone */
        ck_assert_int_eq(unlink(file), 0);

        r = open_ok();
        s = (EventSeq) {};
        eventseq_restore(&s, r, now_boottime_usec());
        ck_assert_uint_gt(eventseq_first(&s), last);
        stamp(&s, r, eventseq_first(&s));
        record_free(r);

        /* no record at all (its directory unusable): the same */
        s = (EventSeq) {};
        eventseq_restore(&s, NULL, now_boottime_usec());
        ck_assert_uint_gt(eventseq_first(&s), last);
}
END_TEST

/* A block's worth of events: one record line per block, and no number reused after a crash at
 * any point of it. */
START_TEST(test_blocks) {
        EventSeq s = {};
        Record *r = open_ok();
        unsigned lines;

        eventseq_restore(&s, r, 0);
        lines = record_n_lines(r);
        for (uint64_t i = 1; i <= 2 * EVENTSEQ_BLOCK + 1; i++)
                stamp(&s, r, i);
        ck_assert_uint_eq(record_n_lines(r) - lines, 3);
        record_free(r);
        r = open_ok();
        s = (EventSeq) {};
        eventseq_restore(&s, r, 0);
        ck_assert_uint_gt(eventseq_next(&s), 2 * EVENTSEQ_BLOCK + 1);
        record_free(r);
}
END_TEST

START_TEST(test_other_boot) {
        EventSeq s = {};
        Record *r = open_ok();
        FILE *f;
        char *buf = NULL, *p;
        size_t n = 0;

        eventseq_restore(&s, r, 0);
        for (uint64_t i = 1; i <= 5; i++)
                stamp(&s, r, i);
        record_free(r);

        /* the header names the boot: make it another one's */
        f = fopen(file, "r+");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_gt(getline(&buf, &n, f), 0);
        p = strstr(buf, "\"boot\"");
        ck_assert_ptr_nonnull(p);
        p = strchr(p + 6, '"');
        ck_assert_ptr_nonnull(p);
        p[1] = p[1] == '0' ? '1' : '0';
        rewind(f);
        ck_assert_int_ge(fputs(buf, f), 0);
        fclose(f);
        free(buf);

        r = open_ok();
        s = (EventSeq) {};
        eventseq_restore(&s, r, 7);
        ck_assert_uint_eq(eventseq_next(&s), 7);
        record_free(r);
}
END_TEST

/* The run before, as the next start's hello names it (EVENT_SEQ_PREV_*): none on a fresh record;
 * after a clean stop its first number and its exact end; after a crash its reserved end; a run that
 * numbered nothing leaves the record naming the one before it, however it stopped. */
static void assert_prev(const EventSeq *s, uint64_t first, uint64_t end, bool clean) {
        const EventSeqRun *p = eventseq_prev(s);

        ck_assert_ptr_nonnull(p);
        ck_assert_uint_eq(p->first, first);
        ck_assert_uint_eq(p->end, end);
        ck_assert_int_eq(p->clean, clean);
}

START_TEST(test_prev_run) {
        EventSeq s = {};
        Record *r = open_ok();

        eventseq_restore(&s, r, 100);
        ck_assert_ptr_null(eventseq_prev(&s));
        ck_assert_ptr_null(eventseq_prev(NULL));
        for (uint64_t i = 100; i <= 102; i++)
                stamp(&s, r, i);
        eventseq_save(&s, r);
        record_free(r);

        r = open_ok();
        s = (EventSeq) {};
        eventseq_restore(&s, r, 1000);
        assert_prev(&s, 100, 103, true);
        stamp(&s, r, 1000);
        stamp(&s, r, 1001);
        record_free(r);  /* a crash */

        r = open_ok();
        s = (EventSeq) {};
        eventseq_restore(&s, r, 2000);
        assert_prev(&s, 1000, 1000 + EVENTSEQ_BLOCK, false);
        eventseq_save(&s, r);  /* nothing numbered: the crashed run stays named */
        record_free(r);

        r = open_ok();
        s = (EventSeq) {};
        eventseq_restore(&s, r, 3000);
        assert_prev(&s, 1000, 1000 + EVENTSEQ_BLOCK, false);
        /* a run that ends exactly at the end of its block is still saved as clean */
        for (uint64_t i = 0; i < EVENTSEQ_BLOCK; i++)
                stamp(&s, r, 3000 + i);
        eventseq_save(&s, r);
        record_free(r);

        r = open_ok();
        s = (EventSeq) {};
        eventseq_restore(&s, r, 4000);
        assert_prev(&s, 3000, 3000 + EVENTSEQ_BLOCK, true);
        /* the record of a daemon before the run was kept: its number alone, no run named */
        {
                json_t *v = json_integer(5000);

                ck_assert_int_eq(record_put_state(r, "seq", "next", v), 0);
                json_decref(v);
        }
        record_free(r);
        r = open_ok();
        s = (EventSeq) {};
        eventseq_restore(&s, r, 10);
        ck_assert_uint_eq(eventseq_first(&s), 5000);
        ck_assert_ptr_null(eventseq_prev(&s));
        record_free(r);
}
END_TEST

static Suite *eventseq_suite(void) {
        Suite *s = suite_create("eventseq");
        TCase *tc = tcase_create("eventseq");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_no_record);
        tcase_add_test(tc, test_restart_continues);
        tcase_add_test(tc, test_fresh_record_same_boot);
        tcase_add_test(tc, test_blocks);
        tcase_add_test(tc, test_other_boot);
        tcase_add_test(tc, test_prev_run);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(eventseq_suite());
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
