/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for ctl/timespec.c: time spans and points in time in the forms journalctl takes
 * (systemd.time(7)), in UTC and in a zone with summer time, and the timestamps printed back.
 * The expected values are computed independently: by hand from the calendar (epoch seconds of
 * known dates) and, for local time, through mktime() of the broken-down time.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timespec.h"
#include "util/cleanup.h"
#include "util/time.h"

#define S(x) ((uint64_t) (x) * USEC_PER_SEC)
#define MIN(x) ((uint64_t) (x) * 60 * USEC_PER_SEC)
#define H(x) ((uint64_t) (x) * 3600 * USEC_PER_SEC)
#define D(x) ((uint64_t) (x) * 86400 * USEC_PER_SEC)

/* 2026-12-01 21:02:03 UTC, a Tuesday: 20788 days after the epoch. */
#define NOW_UTC (D(20788) + H(21) + MIN(2) + S(3) + 250000)

static void set_tz(const char *tz) {
        ck_assert_int_eq(setenv("TZ", tz, 1), 0);
        tzset();
}

START_TEST(test_timespan) {
        static const struct {
                const char *in;
                uint64_t out;
        } ok[] = {
                { "0", 0 },
                { "90", S(90) },
                { "5min", MIN(5) },
                { "5 min", MIN(5) },
                { "5m", MIN(5) },
                { "1h 30min", H(1) + MIN(30) },
                { "1h30min", H(1) + MIN(30) },
                { "1.5h", H(1) + MIN(30) },
                { ".5s", 500000 },
                { "2 days", D(2) },
                { "1d", D(1) },
                { "1w", D(7) },
                { "2weeks", D(14) },
                { "300ms", 300000 },
                { "300msec", 300000 },
                { "7us", 7 },
                { "7\xc2\xb5s", 7 },
                { "1M", S(2629800) },
                { "1month", S(2629800) },
                { "1y", S(31557600) },
                { "2 years", S(2 * 31557600) },
                { "1hr", H(1) },
                { "3 hours 2 minutes 1 second", H(3) + MIN(2) + S(1) },
                { "  4s  ", S(4) },
                { "1.000001s", 1000001 },
        };
        static const char *const bad[] = {
                "", " ", "min", "5 parsecs", "5minx", "-5min", "1..5s", "5s-", "h5", "1e3s", "5 m i n",
        };

        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                uint64_t u = 1;

                ck_assert_msg(timespan_parse(ok[i].in, &u) == 0, "'%s' not parsed", ok[i].in);
                ck_assert_msg(u == ok[i].out, "'%s': %llu, expected %llu", ok[i].in, (unsigned long long) u,
                              (unsigned long long) ok[i].out);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                uint64_t u = 1;

                ck_assert_msg(timespan_parse(bad[i], &u) < 0, "'%s' was accepted", bad[i]);
                ck_assert_uint_eq(u, 1); /* untouched on failure */
        }
        {
                uint64_t u;

                ck_assert_int_eq(timespan_parse("99999999999999999999s", &u), -ERANGE);
                ck_assert_int_eq(timespan_parse("1000000y", &u), -ERANGE);
        }
}
END_TEST

START_TEST(test_relative) {
        static const struct {
                const char *in;
                uint64_t out;
        } ok[] = {
                { "now", NOW_UTC },
                { "-1h", NOW_UTC - H(1) },
                { "-1h 30min", NOW_UTC - H(1) - MIN(30) },
                { "+5min", NOW_UTC + MIN(5) },
                { "5min ago", NOW_UTC - MIN(5) },
                { "1 day ago", NOW_UTC - D(1) },
                { "3h left", NOW_UTC + H(3) },
                { "@0", 0 },
                { "@1700000000", S(1700000000) },
                { "@1700000000.25", S(1700000000) + 250000 },
        };
        static const char *const bad[] = { "-", "+", "ago", " ago", "5 parsecs ago", "@", "@x", "@12x", "nowish", "-1e" };

        set_tz("UTC");
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                uint64_t u = 0;

                ck_assert_msg(timespec_parse(ok[i].in, NOW_UTC, &u) == 0, "'%s' not parsed", ok[i].in);
                ck_assert_msg(u == ok[i].out, "'%s': %llu, expected %llu", ok[i].in, (unsigned long long) u,
                              (unsigned long long) ok[i].out);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                uint64_t u = 7;

                ck_assert_msg(timespec_parse(bad[i], NOW_UTC, &u) < 0, "'%s' was accepted", bad[i]);
                ck_assert_uint_eq(u, 7);
        }
        {
                uint64_t u;

                /* before the epoch */
                ck_assert_int_eq(timespec_parse("-100y", NOW_UTC, &u), -ERANGE);
        }
}
END_TEST

START_TEST(test_absolute_utc) {
        static const uint64_t midnight = D(20788);
        static const struct {
                const char *in;
                uint64_t out;
        } ok[] = {
                { "today", midnight },
                { "yesterday", midnight - D(1) },
                { "tomorrow", midnight + D(1) },
                { "2026-12-01 21:02:03", midnight + H(21) + MIN(2) + S(3) },
                { "2026-12-01T21:02:03", midnight + H(21) + MIN(2) + S(3) },
                { "2026-12-01 21:02:03.5", midnight + H(21) + MIN(2) + S(3) + 500000 },
                { "2026-12-01 21:02:03.000123", midnight + H(21) + MIN(2) + S(3) + 123 },
                { "2026-12-01 21:02", midnight + H(21) + MIN(2) },
                { "2026-12-01", midnight },
                { "26-12-01 21:02:03", midnight + H(21) + MIN(2) + S(3) },
                { "26-12-01", midnight },
                { "21:02:03", midnight + H(21) + MIN(2) + S(3) },
                { "08:00", midnight + H(8) },
                { "Tue 2026-12-01 21:02:03", midnight + H(21) + MIN(2) + S(3) },
                { "Tuesday 2026-12-01", midnight },
                { "tue 2026-12-01 21:02:03 UTC", midnight + H(21) + MIN(2) + S(3) },
                { "2026-12-01 21:02:03 UTC", midnight + H(21) + MIN(2) + S(3) },
                { "2026-12-01T21:02:03Z", midnight + H(21) + MIN(2) + S(3) },
                { "2026-12-01 22:02:03 +01:00", midnight + H(21) + MIN(2) + S(3) },
                { "2026-12-01T22:02:03+01:00", midnight + H(21) + MIN(2) + S(3) },
                { "2026-12-01 16:32:03 -0430", midnight + H(21) + MIN(2) + S(3) },
                { "2026-12-01 23:02:03 +02", midnight + H(21) + MIN(2) + S(3) },
                { "1970-01-01 00:00:01", S(1) },
                { "2024-02-29", D(19782) },                         /* a leap day */
                { "  2026-12-01  ", midnight },
        };
        static const char *const bad[] = {
                "2026-13-01", "2026-02-30", "2026-12-32", "2026-12-01 24:00:00", "2026-12-01 21:60",
                "Mon 2026-12-01",                     /* it was a Tuesday */
                "Tue 2026-12-01 21:02:03 Mars",       /* an unknown zone */
                "2026-12-01 21:02:03.", "2026-12-01 21:02:03.x", "2026/12/01", "21", "21:02:03:04",
                "tuesday", "2026-12-01 21:02 +25:00", "1969-12-31 23:59:59", "2026-12-01 21:02:03 garbage",
        };

        set_tz("UTC");
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                uint64_t u = 0;
                int r = timespec_parse(ok[i].in, NOW_UTC, &u);

                ck_assert_msg(r == 0, "'%s' not parsed: %s", ok[i].in, strerror(-r));
                ck_assert_msg(u == ok[i].out, "'%s': %llu, expected %llu", ok[i].in, (unsigned long long) u,
                              (unsigned long long) ok[i].out);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                uint64_t u = 7;

                ck_assert_msg(timespec_parse(bad[i], NOW_UTC, &u) < 0, "'%s' was accepted", bad[i]);
                ck_assert_uint_eq(u, 7);
        }
}
END_TEST

/* The same forms in a zone with summer time, against mktime() of the broken-down local time. */
static uint64_t local(int y, int mon, int d, int h, int min, int s) {
        struct tm tm = { .tm_year = y - 1900, .tm_mon = mon - 1, .tm_mday = d, .tm_hour = h, .tm_min = min,
                         .tm_sec = s, .tm_isdst = -1 };
        time_t t = mktime(&tm);

        ck_assert(t != (time_t) -1);
        return S(t);
}

START_TEST(test_absolute_local) {
        uint64_t u;

        /* POSIX rules, so that the test needs no tzdata: CET/CEST, last Sunday of March/October */
        set_tz("CET-1CEST,M3.5.0,M10.5.0/3");
        ck_assert_int_eq(timespec_parse("2026-12-01 22:02:03", NOW_UTC, &u), 0);
        ck_assert_uint_eq(u, D(20788) + H(21) + MIN(2) + S(3)); /* CET is UTC+1 in December */
        ck_assert_uint_eq(u, local(2026, 12, 1, 22, 2, 3));
        ck_assert_int_eq(timespec_parse("2026-07-01 12:00", NOW_UTC, &u), 0);
        ck_assert_uint_eq(u, local(2026, 7, 1, 12, 0, 0));
        ck_assert_uint_eq(local(2026, 7, 1, 12, 0, 0), D(20635) + H(10)); /* CEST: UTC+2 */
        ck_assert_int_eq(timespec_parse("2026-12-01 22:02:03 CET", NOW_UTC, &u), 0);
        ck_assert_uint_eq(u, D(20788) + H(21) + MIN(2) + S(3));
        ck_assert_int_eq(timespec_parse("2026-07-01 12:00 CEST", NOW_UTC, &u), 0);
        ck_assert_uint_eq(u, D(20635) + H(10));
        ck_assert_int_eq(timespec_parse("2026-12-01 21:02:03 UTC", NOW_UTC, &u), 0);
        ck_assert_uint_eq(u, D(20788) + H(21) + MIN(2) + S(3));
        /* local midnight: 2026-12-01 00:00 CET is 2026-11-30 23:00 UTC; now (21:02 UTC) is 22:02 CET */
        ck_assert_int_eq(timespec_parse("today", NOW_UTC, &u), 0);
        ck_assert_uint_eq(u, D(20788) - H(1));
        ck_assert_int_eq(timespec_parse("yesterday", NOW_UTC, &u), 0);
        ck_assert_uint_eq(u, D(20787) - H(1));
        ck_assert_int_eq(timespec_parse("23:30", NOW_UTC, &u), 0);
        ck_assert_uint_eq(u, local(2026, 12, 1, 23, 30, 0));
        /* the day after the switch to summer time has 23 hours: "yesterday" is still midnight */
        ck_assert_int_eq(timespec_parse("yesterday", D(20542) + H(12), &u), 0); /* 2026-03-30 12:00 UTC */
        ck_assert_uint_eq(u, local(2026, 3, 29, 0, 0, 0));
        ck_assert_uint_eq(local(2026, 3, 29, 0, 0, 0), D(20540) + H(23)); /* 2026-03-28 23:00 UTC */
}
END_TEST

START_TEST(test_format) {
        char buf[64];

        set_tz("UTC");
        ck_assert_str_eq(timestamp_format(buf, sizeof(buf), NOW_UTC, false), "Tue 2026-12-01 21:02:03 UTC");
        ck_assert_str_eq(timestamp_format(buf, sizeof(buf), NOW_UTC, true), "Tue 2026-12-01 21:02:03 UTC");
        ck_assert_str_eq(timestamp_format_us(buf, sizeof(buf), NOW_UTC, true), "Tue 2026-12-01 21:02:03.250000 UTC");
        ck_assert_str_eq(timestamp_format(buf, sizeof(buf), 0, false), "n/a");
        set_tz("CET-1CEST,M3.5.0,M10.5.0/3");
        ck_assert_str_eq(timestamp_format(buf, sizeof(buf), NOW_UTC, false), "Tue 2026-12-01 22:02:03 CET");
        ck_assert_str_eq(timestamp_format(buf, sizeof(buf), NOW_UTC, true), "Tue 2026-12-01 21:02:03 UTC");

        /* what is printed parses back to the same second, in both zones */
        for (int utc = 0; utc <= 1; utc++) {
                uint64_t u;

                timestamp_format(buf, sizeof(buf), NOW_UTC, utc);
                ck_assert_int_eq(timespec_parse(buf, NOW_UTC, &u), 0);
                ck_assert_uint_eq(u, NOW_UTC - 250000);
                timestamp_format_us(buf, sizeof(buf), NOW_UTC, utc);
                ck_assert_int_eq(timespec_parse(buf, NOW_UTC, &u), 0);
                ck_assert_uint_eq(u, NOW_UTC);
        }
}
END_TEST

static Suite *timespec_suite(void) {
        Suite *s = suite_create("ctl-timespec");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_timespan);
        tcase_add_test(tc, test_relative);
        tcase_add_test(tc, test_absolute_utc);
        tcase_add_test(tc, test_absolute_local);
        tcase_add_test(tc, test_format);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(timespec_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
