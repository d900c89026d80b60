/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for ctl/live.c: what one message of the daemon's subscriber socket is (the hello with
 * and without the run before, a gap, an event), and what a hello lets container-watchctl events
 * conclude about the numbers below the live stream (DESIGN.md §3 "Event sequence", §5): after a
 * restart it waits for those the run before used (exactly, after a clean stop) or may have used
 * (after a crash, or when the hello names no run or not the one it followed), and only then takes
 * the jump as never used; on its first hello (history) it waits only for a cleanly stopped run's.
 * Messages are read without jansson when they are the daemon's flat ASCII objects: every cut and
 * every one-byte change of a real event must read exactly as jansson reads it.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live.h"

static LiveMessage parse(const char *s) {
        LiveMessage m;

        ck_assert_int_eq(live_parse(s, strlen(s), 42, &m), 0);
        return m;
}

START_TEST(test_hello) {
        LiveMessage m = parse("{\"EVENT_SEQ_NEXT\":\"5000\",\"EVENT_SEQ_FIRST\":\"4990\"}");

        ck_assert_int_eq(m.kind, LIVE_HELLO);
        ck_assert_uint_eq(m.value, 5000);
        ck_assert_uint_eq(m.first, 4990);
        ck_assert_uint_eq(m.prev_first, 0);
        ck_assert_uint_eq(m.prev_end, 0);

        m = parse("{\"EVENT_SEQ_NEXT\":\"5000\",\"EVENT_SEQ_FIRST\":\"4990\",\"EVENT_SEQ_PREV_FIRST\":\"100\","
                  "\"EVENT_SEQ_PREV_END\":\"103\",\"EVENT_SEQ_PREV_STOP\":\"clean\"}");
        ck_assert_int_eq(m.kind, LIVE_HELLO);
        ck_assert_uint_eq(m.prev_first, 100);
        ck_assert_uint_eq(m.prev_end, 103);
        ck_assert(m.prev_clean);

        m = parse("{\"EVENT_SEQ_NEXT\":\"5000\",\"EVENT_SEQ_FIRST\":\"4990\",\"EVENT_SEQ_PREV_FIRST\":\"100\","
                  "\"EVENT_SEQ_PREV_END\":\"356\",\"EVENT_SEQ_PREV_STOP\":\"crash\"}");
        ck_assert_uint_eq(m.prev_first, 100);
        ck_assert_uint_eq(m.prev_end, 356);
        ck_assert(!m.prev_clean);

        /* what does not hold together names no run: an unknown stop, a key missing, an end past
         * this run's first, a first not below the end, numbers that are not numbers */
        static const char *const bad[] = {
                "\"EVENT_SEQ_PREV_FIRST\":\"100\",\"EVENT_SEQ_PREV_END\":\"103\",\"EVENT_SEQ_PREV_STOP\":\"maybe\"",
                "\"EVENT_SEQ_PREV_FIRST\":\"100\",\"EVENT_SEQ_PREV_END\":\"103\"",
                "\"EVENT_SEQ_PREV_END\":\"103\",\"EVENT_SEQ_PREV_STOP\":\"clean\"",
                "\"EVENT_SEQ_PREV_FIRST\":\"100\",\"EVENT_SEQ_PREV_END\":\"4991\",\"EVENT_SEQ_PREV_STOP\":\"clean\"",
                "\"EVENT_SEQ_PREV_FIRST\":\"103\",\"EVENT_SEQ_PREV_END\":\"103\",\"EVENT_SEQ_PREV_STOP\":\"clean\"",
                "\"EVENT_SEQ_PREV_FIRST\":\"0\",\"EVENT_SEQ_PREV_END\":\"103\",\"EVENT_SEQ_PREV_STOP\":\"clean\"",
                "\"EVENT_SEQ_PREV_FIRST\":100,\"EVENT_SEQ_PREV_END\":\"103\",\"EVENT_SEQ_PREV_STOP\":\"clean\"",
                "\"EVENT_SEQ_PREV_FIRST\":\"-1\",\"EVENT_SEQ_PREV_END\":\"103\",\"EVENT_SEQ_PREV_STOP\":\"clean\"",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                char buf[512];

                snprintf(buf, sizeof(buf), "{\"EVENT_SEQ_NEXT\":\"5000\",\"EVENT_SEQ_FIRST\":\"4990\",%s}", bad[i]);
                m = parse(buf);
                ck_assert_int_eq(m.kind, LIVE_HELLO);
                ck_assert_msg(m.prev_first == 0 && m.prev_end == 0, "%s named a run", buf);
        }
        /* without EVENT_SEQ_FIRST (an older daemon) the run before is not read either */
        m = parse("{\"EVENT_SEQ_NEXT\":\"5000\",\"EVENT_SEQ_PREV_FIRST\":\"100\",\"EVENT_SEQ_PREV_END\":\"103\","
                  "\"EVENT_SEQ_PREV_STOP\":\"clean\"}");
        ck_assert_uint_eq(m.first, 0);
        ck_assert_uint_eq(m.prev_first, 0);
}
END_TEST

START_TEST(test_other_messages) {
        LiveMessage m = parse("{\"gap\":\"7\"}");

        ck_assert_int_eq(m.kind, LIVE_GAP);
        ck_assert_uint_eq(m.value, 7);
        m = parse("{\"CONTAINER_EVENT\":\"exited\",\"EVENT_SEQ\":\"4995\",\"CONTAINER_ID\":\"abc\"}");
        ck_assert_int_eq(m.kind, LIVE_EVENT);
        ck_assert_uint_eq(m.value, 4995);
        ck_assert_uint_eq(m.entry->realtime_usec, 42);
        entry_free(m.entry);
        m = parse("not json");
        ck_assert_int_eq(m.kind, LIVE_OTHER);
        m = parse("{\"gap\":\"x\"}");
        ck_assert_int_eq(m.kind, LIVE_OTHER);
}
END_TEST

/* A real exited event of the daemon, with the escapes its MESSAGE can hold. */
#define EVENT_REAL "{\"MESSAGE_ID\":\"a6a91a99a6924f05899314e8dd503bf6\",\"PRIORITY\":\"4\"," \
        "\"SYSLOG_IDENTIFIER\":\"container-watchd\",\"MESSAGE\":\"Container bdf653000000 (\\\"web\\\\1\\/x\\\") " \
        "exited:\\tkilled by SIGKILL\\nafter 10ms.\",\"CONTAINER_EVENT\":\"exited\",\"CONTAINER_ID\":\"bdf653000000\"," \
        "\"CONTAINER_PID\":\"27257\",\"EXIT_CODE\":\"killed\",\"EXIT_STATUS\":\"9\",\"EVENT_SEQ\":\"63408962841\"}"

/* What live_parse() must make of s, by jansson: an event with exactly the object's string members
 * in order, or nothing (these texts never hold a hello or a gap). */
static void check_like_jansson(const char *s, size_t len) {
        json_t *o = json_loadb(s, len, 0, NULL);
        LiveMessage m;
        const char *key;
        json_t *v;
        size_t i = 0;

        ck_assert_int_eq(live_parse(s, len, 42, &m), 0);
        if (!json_is_object(o) || !json_is_string(json_object_get(o, "CONTAINER_EVENT"))) {
                ck_assert_msg(m.kind == LIVE_OTHER, "'%.*s': kind %d, jansson: no event", (int) len, s, m.kind);
                json_decref(o);
                return;
        }
        ck_assert_msg(m.kind == LIVE_EVENT, "'%.*s': kind %d, jansson: an event", (int) len, s, m.kind);
        json_object_foreach(o, key, v) {
                if (!json_is_string(v))
                        continue;
                ck_assert_uint_lt(i, m.entry->n_fields);
                ck_assert_str_eq(m.entry->fields[i].key, key);
                ck_assert_str_eq(m.entry->fields[i].value, json_string_value(v));
                i++;
        }
        ck_assert_uint_eq(i, m.entry->n_fields);
        entry_free(m.entry);
        json_decref(o);
}

#define CHECK_LIKE_JANSSON(literal) check_like_jansson(literal, sizeof(literal) - 1)

START_TEST(test_flat_reader_is_jansson) {
        static const char subst[] = { '"', '\\', ',', ':', '{', '}', ' ', 'x', 'u', '1', '\x01', '\x7f', '\xc3', '\0' };
        const char *real = EVENT_REAL;
        size_t len = strlen(real);
        char *buf = malloc(len + 1);
        LiveMessage m = parse(real);

        ck_assert_ptr_nonnull(buf);
        /* the message itself, read as it was written */
        ck_assert_int_eq(m.kind, LIVE_EVENT);
        ck_assert_uint_eq(m.value, 63408962841);
        ck_assert_str_eq(entry_get(m.entry, "MESSAGE"), "Container bdf653000000 (\"web\\1/x\") exited:\tkilled by SIGKILL\nafter 10ms.");
        ck_assert_uint_eq(m.entry->n_fields, 10);
        entry_free(m.entry);

        for (size_t l = 0; l <= len; l++)
                check_like_jansson(real, l);
        for (size_t i = 0; i < len; i++)
                for (size_t k = 0; k < sizeof(subst); k++) {
                        memcpy(buf, real, len);
                        buf[i] = subst[k];
                        check_like_jansson(buf, len);
                }
        free(buf);

        /* what only jansson reads: \u escapes, UTF-8, other values, a repeated key (the last counts) */
        CHECK_LIKE_JANSSON("{\"CONTAINER_EVENT\":\"exited\",\"CONTAINER_NAME\":\"caf\\u00e9\"}");
        CHECK_LIKE_JANSSON("{\"CONTAINER_EVENT\":\"exited\",\"CONTAINER_NAME\":\"caf\xc3\xa9\"}");
        CHECK_LIKE_JANSSON("{\"CONTAINER_EVENT\":\"exited\",\"N\":7,\"O\":{\"a\":\"b\"},\"L\":[\"x\"]}");
        CHECK_LIKE_JANSSON(" {\"CONTAINER_EVENT\":\"started\",\"X\":\"1\",\"X\":\"2\"}\n");
        m = parse("{\"CONTAINER_EVENT\":\"started\",\"X\":\"1\",\"X\":\"2\"}");
        ck_assert_int_eq(m.kind, LIVE_EVENT);
        ck_assert_str_eq(entry_get(m.entry, "X"), "2");
        entry_free(m.entry);
        /* a gap is one member alone; the hello's numbers are read the same either way */
        m = parse("{\"gap\":\"3\",\"n\":1}");
        ck_assert_int_eq(m.kind, LIVE_OTHER);
        m = parse(" { \"gap\" : \"3\" } ");
        ck_assert_int_eq(m.kind, LIVE_GAP);
        ck_assert_uint_eq(m.value, 3);
        m = parse("{}");
        ck_assert_int_eq(m.kind, LIVE_OTHER);
}
END_TEST

static LiveSeam seam_last(const char *hello, uint64_t followed, uint64_t last) {
        LiveMessage m = parse(hello);
        LiveSeam s;

        ck_assert_int_eq(m.kind, LIVE_HELLO);
        live_seam(&m, followed, last, &s);
        return s;
}

/* a reader that followed the run from followed and handled its numbers up to 101, or, on its first
 * hello, the history up to 50 */
static LiveSeam seam(const char *hello, uint64_t followed) {
        return seam_last(hello, followed, followed > 0 ? followed + 1 : 50);
}

#define HELLO_CLEAN "{\"EVENT_SEQ_NEXT\":\"5002\",\"EVENT_SEQ_FIRST\":\"5000\",\"EVENT_SEQ_PREV_FIRST\":\"100\"," \
                    "\"EVENT_SEQ_PREV_END\":\"103\",\"EVENT_SEQ_PREV_STOP\":\"clean\"}"
#define HELLO_CRASH "{\"EVENT_SEQ_NEXT\":\"5002\",\"EVENT_SEQ_FIRST\":\"5000\",\"EVENT_SEQ_PREV_FIRST\":\"100\"," \
                    "\"EVENT_SEQ_PREV_END\":\"356\",\"EVENT_SEQ_PREV_STOP\":\"crash\"}"
#define HELLO_NONE "{\"EVENT_SEQ_NEXT\":\"5002\",\"EVENT_SEQ_FIRST\":\"5000\"}"

START_TEST(test_seam_reconnect) {
        LiveSeam s;

        /* the bug of issue 15: the run it followed stopped cleanly with 101 and 102 not yet in the
         * journal; they were taken as never used. Now: wait for them, a missing one is lost. */
        s = seam(HELLO_CLEAN, 100);
        ck_assert_uint_eq(s.take_upto, 100);
        ck_assert_uint_eq(s.wait_upto, 103);
        ck_assert_int_eq(s.missing, LIVE_MISSING_LOST);
        ck_assert_uint_eq(s.unused_upto, 5000);
        ck_assert_uint_eq(s.dense_from, 100);  /* a number the journal skips there is lost */

        /* crashed: wait up to its reserved end, and what does not come is lost or never used */
        s = seam(HELLO_CRASH, 100);
        ck_assert_uint_eq(s.wait_upto, 356);
        ck_assert_int_eq(s.missing, LIVE_MISSING_UNSURE);
        ck_assert_uint_eq(s.unused_upto, 5000);

        /* a whole run (from 100) passed while it reconnected after following the one from 50 */
        s = seam(HELLO_CLEAN, 50);
        ck_assert_uint_eq(s.take_upto, 0);
        ck_assert_uint_eq(s.wait_upto, 103);
        ck_assert_int_eq(s.missing, LIVE_MISSING_UNSURE);
        ck_assert_uint_eq(s.dense_from, 100);  /* the jump from the one it followed is not a loss */

        /* no run named (the record lost): everything below this run's first may be missing */
        s = seam(HELLO_NONE, 100);
        ck_assert_uint_eq(s.take_upto, 0);
        ck_assert_uint_eq(s.wait_upto, 5000);
        ck_assert_int_eq(s.missing, LIVE_MISSING_UNSURE);
        ck_assert_uint_eq(s.unused_upto, 5000);
        ck_assert_uint_eq(s.dense_from, 0);  /* runs unknown: no skipped number is known lost */

        /* the same run again (it was closed for not reading): nothing below the reader's own */
        s = seam_last(HELLO_CLEAN, 5000, 5001);
        ck_assert_uint_le(s.wait_upto, 5002);
        ck_assert_uint_eq(s.unused_upto, 5000);

        /* the run it followed (from 200) numbered events the record never learnt of (unwritable):
         * the hello names the one before; everything below this run's first may be missing */
        s = seam_last(HELLO_CLEAN, 200, 205);
        ck_assert_uint_eq(s.take_upto, 0);
        ck_assert_uint_eq(s.wait_upto, 5000);
        ck_assert_int_eq(s.missing, LIVE_MISSING_UNSURE);
        ck_assert_uint_eq(s.dense_from, 0);
        /* but one that numbered nothing (it saw none of its numbers) leaves the record as it was */
        s = seam_last(HELLO_CLEAN, 200, 150);
        ck_assert_uint_eq(s.take_upto, 100);
        ck_assert_uint_eq(s.wait_upto, 103);
        ck_assert_int_eq(s.missing, LIVE_MISSING_LOST);
}
END_TEST

START_TEST(test_seam_history) {
        LiveSeam s;

        /* history: the runs before the one named are taken as the journal has them */
        s = seam(HELLO_CLEAN, 0);
        ck_assert_uint_eq(s.take_upto, 100);
        ck_assert_uint_eq(s.wait_upto, 103);
        ck_assert_int_eq(s.missing, LIVE_MISSING_LOST);
        ck_assert_uint_eq(s.unused_upto, 5000);
        /* a crashed run's numbers too, then: nobody followed them live */
        s = seam(HELLO_CRASH, 0);
        ck_assert_uint_eq(s.take_upto, 356);
        ck_assert_uint_le(s.wait_upto, 356);
        s = seam(HELLO_NONE, 0);
        ck_assert_uint_eq(s.take_upto, 5000);
        ck_assert_uint_eq(s.wait_upto, 5000);
        ck_assert_uint_eq(s.unused_upto, 5000);
        /* a hello without a usable first: only up to EVENT_SEQ_NEXT */
        s = seam("{\"EVENT_SEQ_NEXT\":\"5002\"}", 0);
        ck_assert_uint_eq(s.take_upto, 0);
        ck_assert_uint_eq(s.wait_upto, 0);
        ck_assert_uint_eq(s.unused_upto, 0);
        s = seam("{\"EVENT_SEQ_NEXT\":\"5002\",\"EVENT_SEQ_FIRST\":\"6000\"}", 100);
        ck_assert_uint_eq(s.wait_upto, 0);
        ck_assert_uint_eq(s.unused_upto, 0);
}
END_TEST

static Suite *live_suite(void) {
        Suite *s = suite_create("ctl-live");
        TCase *tc = tcase_create("live");

        tcase_add_test(tc, test_hello);
        tcase_add_test(tc, test_other_messages);
        tcase_add_test(tc, test_flat_reader_is_jansson);
        tcase_add_test(tc, test_seam_reconnect);
        tcase_add_test(tc, test_seam_history);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(live_suite());
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
