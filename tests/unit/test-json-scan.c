/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for daemon/util/json-scan.c: what it refuses (each case also refused by jansson,
 * checked here), the spans and values it finds (nested, duplicates, escaped names), the pruned text,
 * and every truncation of a real Docker state.json refused.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/json-scan.h"

static int scan(const char *text, JsonScanKey *keys, size_t n) {
        return json_scan(text, strlen(text), 8, keys, n);
}

START_TEST(test_refused) {
        static const char *const bad[] = {
                "", " ", "[]", "\"x\"", "1", "null", "{", "{\"a\"", "{\"a\":", "{\"a\":1", "{\"a\":1,}",
                "{,}", "{\"a\" 1}", "{\"a\":1}x", "{\"a\":1}{}", "{a:1}", "{\"a\":01}", "{\"a\":-}",
                "{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":+1}", "{\"a\":tru}", "{\"a\":nul}",
                "{\"a\":truex}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\u0000\"}",
                "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\"}", "{\"a\":\"\\ud800\\u0041\"}",
                "{\"a\":\"\x01\"}", "{\"a\":\"\xc3\"}", "{\"a\":\"\xc0\x80\"}", "{\"a\":\"\xed\xa0\x80\"}",
                "{\"a\":\"\xf4\x90\x80\x80\"}", "{\"a\":\"\xff\"}", "\xef\xbb\xbf{}",
                "{\"a\":9223372036854775808}", "{\"a\":-9223372036854775809}", "{\"a\":123456789012345678901}",
                "{\"a\":1e400}", "{\"a\":[1,2,]}", "{\"a\":[[[[[[[[1]]]]]]]]}", /* depth 9 > 8 */
                "{\"a\":1}\0",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                size_t len = strlen(bad[i]) + (i == ELEMENTSOF(bad) - 1);
                json_t *j = json_loadb(bad[i], len, 0, NULL);

                ck_assert_msg(json_scan(bad[i], len, 8, NULL, 0) == -EBADMSG, "accepted: %s", bad[i]);
                /* the same as jansson, but for depth, which jansson allows up to 2048 */
                ck_assert_msg(!json_is_object(j) || i == ELEMENTSOF(bad) - 2, "jansson accepts: %s", bad[i]);
                json_decref(j);
        }
        ck_assert_int_eq(json_scan("{}", 2, 0, NULL, 0), -EINVAL);
        ck_assert_int_eq(json_scan("{}", 2, JSON_SCAN_DEPTH_LIMIT + 1, NULL, 0), -EINVAL);
}
END_TEST

START_TEST(test_accepted) {
        static const char *const good[] = {
                "{}", " {} ", "\t{\n}\r\n", "{\"a\":[]}", "{\"a\":{}}", "{\"\":0}", "{\"a\":-0}",
                "{\"a\":1.5e-3}", "{\"a\":1E+2}", "{\"a\":1e-400}", "{\"a\":9223372036854775807}",
                "{\"a\":-9223372036854775808}", "{\"a\":\"\\ud83d\\ude00 \xf0\x9f\x98\x80 \xc2\x85\"}",
                "{\"a\":[[[[[[[1]]]]]]]}", /* depth 8 */
                "{\"a\":1,\"a\":{\"b\":[true,false,null,\"\\/\\b\\f\\n\\r\\t\\\"\\\\\"]}}",
        };

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                json_t *j = json_loads(good[i], 0, NULL);

                ck_assert_msg(scan(good[i], NULL, 0) == 0, "refused: %s", good[i]);
                ck_assert_msg(json_is_object(j), "jansson refuses: %s", good[i]);
                json_decref(j);
        }
}
END_TEST

START_TEST(test_keys) {
        /* nested keys, a duplicate parent (the last one counts, with only its children), an escaped
         * name, a parent that is not an object, and a key below an array that is not looked in */
        static const char text[] =
                "{\"c\":{\"l\":[\"x=1\"],\"m\":2},\"i\\u0064\":\"a\\nb\",\"c\":{\"m\":3},"
                "\"p\":[{\"l\":1}],\"q\":5,\"n\":true}";
        JsonScanKey keys[] = {
                JSON_SCAN_KEY("c", -1), JSON_SCAN_KEY("l", 0), JSON_SCAN_KEY("m", 0), JSON_SCAN_KEY("id", -1),
                JSON_SCAN_KEY("q", -1), JSON_SCAN_KEY("l", 4), JSON_SCAN_KEY("n", -1), JSON_SCAN_KEY("zz", -1),
        };
        _cleanup_free_ char *pruned = NULL, *s = NULL;
        size_t len = 0;
        int64_t v = 0;

        ck_assert_int_eq(scan(text, keys, ELEMENTSOF(keys)), 0);
        ck_assert_int_eq(keys[1].end, 0);                         /* l was in the first c only */
        ck_assert_int_eq(json_scan_get_integer(text, &keys[2], &v), 1);
        ck_assert_int_eq(v, 3);
        ck_assert_int_eq(json_scan_get_string(text, &keys[3], &s), 1);
        ck_assert_str_eq(s, "a\nb");
        ck_assert_int_eq(json_scan_get_string(text, &keys[4], &pruned), 0); /* 5 is no string */
        ck_assert_ptr_null(pruned);
        ck_assert_int_eq(keys[5].end, 0);                         /* q is no object */
        ck_assert(json_scan_is_true(text, &keys[6]));
        ck_assert(!json_scan_is_true(text, &keys[7]));
        ck_assert_int_eq(json_scan_prune(text, keys, ELEMENTSOF(keys), &pruned, &len), 0);
        ck_assert_str_eq(pruned, "{\"c\":{\"m\":3},\"id\":\"a\\nb\",\"q\":null,\"n\":true}");
        ck_assert_uint_eq(len, strlen(pruned));
}
END_TEST

static int collect(const char *s, size_t len, void *userdata) {
        char *acc = userdata;

        ck_assert_uint_eq(strlen(s), len);
        strcat(acc, s);
        strcat(acc, "|");
        return 0;
}

START_TEST(test_foreach_string) {
        static const char text[] = "{\"a\":[ \"x\" , 1, {\"y\":[\"no\"]}, [\"no\"], \"\\u00e9\", null, \"\" ]}";
        JsonScanKey keys[] = { JSON_SCAN_KEY("a", -1) };
        char acc[64] = "";

        ck_assert_int_eq(scan(text, keys, 1), 0);
        ck_assert_int_eq(json_scan_foreach_string(text, &keys[0], collect, acc), 0);
        ck_assert_str_eq(acc, "x|\xc3\xa9||");
}
END_TEST

static int count_ids(const JsonScanKey *keys, void *userdata) {
        char *acc = userdata;

        strcat(acc, keys[0].end > 0 ? "o" : "-");
        return 0;
}

START_TEST(test_each) {
        static const char text[] = " [ {\"id\":\"a\"}, 1, {\"x\":{\"id\":2}}, [{\"id\":3}], {} ] ";
        JsonScanKey keys[] = { JSON_SCAN_KEY("id", -1) };
        char acc[16] = "";

        ck_assert_int_eq(json_scan_each(text, strlen(text), 8, keys, 1, count_ids, acc), 0);
        ck_assert_str_eq(acc, "o--");   /* the three objects; x.id and the nested array's are not theirs */
        ck_assert_int_eq(json_scan_each("{}", 2, 8, keys, 1, count_ids, acc), -EBADMSG);
        ck_assert_int_eq(json_scan_each("[{}", 3, 8, keys, 1, count_ids, acc), -EBADMSG);
        ck_assert_int_eq(json_scan_each("[]", 2, 8, keys, 1, count_ids, acc), 0);
        ck_assert_int_eq(json_scan_each("[[[1]]]", 7, 2, keys, 1, count_ids, acc), -EBADMSG);
}
END_TEST

START_TEST(test_docker_state_truncated) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_close_ int dirfd = open(FIXTURES_DIR "/docker", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        JsonScanKey keys[] = { JSON_SCAN_KEY("config", -1), JSON_SCAN_KEY("labels", 0) };
        size_t len = 0;

        ck_assert_int_ge(dirfd, 0);
        ck_assert_int_eq(read_file_at(dirfd, "state.json", 1 << 20, &buf, &len), 0);
        ck_assert_int_eq(json_scan(buf, len, 64, keys, ELEMENTSOF(keys)), 0);
        ck_assert_int_gt(keys[1].end, keys[1].start);
        /* proper prefixes are refused (only trailing whitespace could be cut, and there is none):
         * every one of the first and last 512 bytes, every 37th between (each scan reads up to 30 KB,
         * and all 30,000 took too long under ASan) */
        for (size_t l = 0; l < len; l += (l < 512 || l + 512 >= len) ? 1 : 37)
                ck_assert_msg(json_scan(buf, l, 64, keys, ELEMENTSOF(keys)) == -EBADMSG, "prefix %zu accepted", l);
}
END_TEST

/* json_scan() remembers large skipped values it accepted (json-scan.c, skip_value): the same bytes
 * are accepted again only where their nesting fits, and a copy that differs anywhere is scanned. */
START_TEST(test_memo) {
        _cleanup_free_ char *v = NULL, *doc = NULL;
        /* keys down the path, so that V is skipped as a value of its own at depth 5 and 6 */
        JsonScanKey keys[] = { JSON_SCAN_KEY("b", -1), JSON_SCAN_KEY("c", 0), JSON_SCAN_KEY("d", 1),
                               JSON_SCAN_KEY("e", 2), JSON_SCAN_KEY("f", 3), JSON_SCAN_KEY("g", 4) };
        size_t vl;
        char *x;
        FILE *f;

        /* V: an array of 3 levels, far over the memo's 1 KB minimum */
        f = open_memstream(&v, &vl);
        ck_assert_ptr_nonnull(f);
        fputs("[", f);
        for (int i = 0; i < 200; i++)
                fputs("\"abcdefgh\",", f);
        fputs("[[1]]]", f);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_int_gt(vl, 2048);

        for (int round = 0; round < 2; round++) {
                /* accepted at depth 1, and where 5 + 3 = 8 levels fit; refused where 9 do not */
                free(doc);
                ck_assert_int_gt(asprintf(&doc, "{\"a\":%s}", v), 0);
                ck_assert_int_eq(scan(doc, NULL, 0), 0);
                free(doc);
                ck_assert_int_gt(asprintf(&doc, "{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":%s}}}}}", v), 0);
                ck_assert_int_eq(scan(doc, keys, ELEMENTSOF(keys)), 0);
                ck_assert_int_eq(keys[4].end - keys[4].start, vl);
                free(doc);
                ck_assert_int_gt(asprintf(&doc, "{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":%s}}}}}}", v), 0);
                ck_assert_int_eq(scan(doc, keys, ELEMENTSOF(keys)), -EBADMSG);
                /* what follows a remembered value is still checked */
                free(doc);
                ck_assert_int_gt(asprintf(&doc, "{\"a\":%s x}", v), 0);
                ck_assert_int_eq(scan(doc, NULL, 0), -EBADMSG);
                free(doc);
                ck_assert_int_gt(asprintf(&doc, "{\"a\":%s,\"b\":%s", v, v), 0);
                ck_assert_int_eq(scan(doc, NULL, 0), -EBADMSG);
                /* cut short, or one byte changed (a raw control character, a bracket), refused */
                free(doc);
                ck_assert_int_gt(asprintf(&doc, "{\"a\":%.*s}", (int) vl - 1, v), 0);
                ck_assert_int_eq(scan(doc, NULL, 0), -EBADMSG);
                free(doc);
                ck_assert_int_gt(asprintf(&doc, "{\"a\":%s}", v), 0);
                x = strstr(doc + vl / 2, "abcdefgh");
                ck_assert_ptr_nonnull(x);
                x[3] = '\x01';
                ck_assert_int_eq(scan(doc, NULL, 0), -EBADMSG);
                x[3] = ']';
                ck_assert_int_eq(scan(doc, NULL, 0), 0); /* inside a string: still valid */
                x[-1] = ']';
                ck_assert_int_eq(scan(doc, NULL, 0), -EBADMSG);
        }
}
END_TEST

int main(void) {
        Suite *s = suite_create("json-scan");
        TCase *tc = tcase_create("json-scan");
        SRunner *sr;
        int failed;

        tcase_add_test(tc, test_refused);
        tcase_add_test(tc, test_accepted);
        tcase_add_test(tc, test_keys);
        tcase_add_test(tc, test_foreach_string);
        tcase_add_test(tc, test_each);
        tcase_add_test(tc, test_docker_state_truncated);
        tcase_add_test(tc, test_memo);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
