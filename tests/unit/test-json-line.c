/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for daemon/util/json-line.c, the one JSON-line writer of the daemon (--json, the
 * subscriber socket) and of container-watchctl (--output=json): json_append_string checked by
 * parsing its output back with jansson, and whole objects compared byte for byte with what the
 * daemon and container-watchctl have always written: quotes and backslashes, control characters
 * (\n and \t short, the rest \u00XX), UTF-8 kept as it is, and a value that is not valid UTF-8
 * (or holds C1 controls) written C-escaped as text.
 */
#include <check.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/json-line.h"
#include "util/strutil.h"

START_TEST(test_json_round_trip) {
        static const char *const cases[] = {
                "", "plain", "quote \" and backslash \\", "new\nline\ttab\rcr", "\x01\x02\x1f\x7f",
                "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3", "}{][:,",
        };
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                json_t *j;
                json_error_t err;

                len = 0;
                ck_assert(utf8_is_valid(cases[i]));
                ck_assert_int_eq(json_append_string(&buf, &len, &cap, cases[i]), 0);
                ck_assert_uint_le(len + 2, cap); /* two bytes to spare, as documented */
                j = json_loadb(buf, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
                ck_assert_msg(j, "not JSON: %.*s (%s)", (int) len, buf, err.text);
                ck_assert(json_is_string(j));
                ck_assert_str_eq(json_string_value(j), cases[i]);
                json_decref(j);
        }
}
END_TEST

/* An object of the members given as key, value, ..., NULL, ended by end. */
static char *object(char end, size_t *ret_len, ...) {
        va_list ap;
        const char *k;
        JsonLine j;

        ck_assert_int_eq(json_line_begin(&j, 8), 0); /* small: the buffer has to grow */
        va_start(ap, ret_len);
        while ((k = va_arg(ap, const char *)))
                ck_assert_int_eq(json_line_member(&j, k, va_arg(ap, const char *)), 0);
        va_end(ap);
        return json_line_end(&j, end, ret_len);
}

START_TEST(test_line_bytes) {
        static const struct {
                const char *value, *json;
        } cases[] = {
                { "plain", "\"plain\"" },
                { "", "\"\"" },
                { "say \"hi\" \\ bye", "\"say \\\"hi\\\" \\\\ bye\"" },
                { "a\nb\tc\rd", "\"a\\nb\\tc\\u000dd\"" },
                { "\x01\x1b[31m\x1f\x7f", "\"\\u0001\\u001b[31m\\u001f\\u007f\"" },
                { "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3\"" },
                /* not valid UTF-8: C-escaped as text (cescape), then that text as a JSON string */
                { "bad \xff byte", "\"bad \\\\xff byte\"" },
                { "torn \xe2\x82", "\"torn \\\\xe2\\\\x82\"" },
                { "c1 \xc2\x85 and\nnewline", "\"c1 \\\\xc2\\\\x85 and\\\\nnewline\"" },
                { "quote \" then \xff", "\"quote \\\" then \\\\xff\"" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *got = NULL, *want = NULL;
                size_t len;

                got = object('\n', &len, "K", cases[i].value, NULL);
                ck_assert_int_gt(asprintf(&want, "{\"K\":%s}\n", cases[i].json), 0);
                ck_assert_uint_eq(len, strlen(want));
                ck_assert_msg(memcmp(got, want, len) == 0, "case %zu: got %.*s want %s", i, (int) len, got, want);
        }
}
END_TEST

START_TEST(test_line_shape) {
        _cleanup_free_ char *line = NULL, *str = NULL, *empty = NULL;
        json_error_t err;
        json_t *o;
        size_t len;

        /* members in order, a comma between them; a line for --json, a C string for ctl */
        line = object('\n', &len, "MESSAGE_ID", "0123", "PRIORITY", "6", "CONTAINER_ID", "c1", NULL);
        ck_assert_uint_eq(len, strlen("{\"MESSAGE_ID\":\"0123\",\"PRIORITY\":\"6\",\"CONTAINER_ID\":\"c1\"}\n"));
        ck_assert(memcmp(line, "{\"MESSAGE_ID\":\"0123\",\"PRIORITY\":\"6\",\"CONTAINER_ID\":\"c1\"}\n", len) == 0);
        str = object('\0', NULL, "__REALTIME_TIMESTAMP", "1700000000000000", "KEY \"q\"", "\xff", NULL);
        ck_assert_str_eq(str, "{\"__REALTIME_TIMESTAMP\":\"1700000000000000\",\"KEY \\\"q\\\"\":\"\\\\xff\"}");
        o = json_loads(str, 0, &err);
        ck_assert_msg(o, "not JSON: %s (%s)", str, err.text);
        ck_assert_str_eq(json_string_value(json_object_get(o, "KEY \"q\"")), "\\xff");
        json_decref(o);
        empty = object('\0', &len, NULL);
        ck_assert_str_eq(empty, "{}");
        ck_assert_uint_eq(len, 3);
}
END_TEST

START_TEST(test_line_done) {
        JsonLine j;

        ck_assert_int_eq(json_line_begin(&j, 16), 0);
        ck_assert_int_eq(json_line_member(&j, "A", "b"), 0);
        json_line_done(&j); /* a failure half-way: nothing leaks (ASan, valgrind) */
        ck_assert_ptr_null(j.buf);
        ck_assert_uint_eq(j.len, 0);
        json_line_done(&j);
}
END_TEST

static Suite *json_line_suite(void) {
        Suite *s = suite_create("json-line");
        TCase *tc = tcase_create("writer");

        tcase_add_test(tc, test_json_round_trip);
        tcase_add_test(tc, test_line_bytes);
        tcase_add_test(tc, test_line_shape);
        tcase_add_test(tc, test_line_done);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(json_line_suite());
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
