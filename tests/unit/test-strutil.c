/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for daemon/util/strutil.c: escaping for the console (cescape), UTF-8 validation,
 * container ids, path joining. The JSON writer is tests/unit/test-json-line.c.
 */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/strutil.h"

START_TEST(test_cescape) {
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "plain", "plain" },
                { "a\nb\tc\rd", "a\\nb\\tc\\rd" },
                { "back\\slash", "back\\\\slash" },
                { "\x1b[31mred", "\\x1b[31mred" },
                { "caf\xc3\xa9", "caf\xc3\xa9" },          /* valid UTF-8 stays */
                { "bad\xc3(", "bad\\xc3(" },               /* a truncated sequence does not */
                { "\xc2\x85next", "\\xc2\\x85next" },      /* C1 control (NEL) */
                { "\x7f", "\\x7f" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *o = cescape(cases[i].in);

                ck_assert_ptr_nonnull(o);
                ck_assert_str_eq(o, cases[i].out);
                ck_assert(utf8_is_valid(o));
        }
}
END_TEST

START_TEST(test_utf8) {
        ck_assert(utf8_is_valid("ascii"));
        ck_assert(utf8_is_valid("\xe2\x82\xac"));
        ck_assert(!utf8_is_valid("\xe2\x82"));       /* truncated */
        ck_assert(!utf8_is_valid("\xc0\xaf"));       /* overlong */
        ck_assert(!utf8_is_valid("\xed\xa0\x80"));   /* surrogate */
        ck_assert(!utf8_is_valid("\xf4\x90\x80\x80")); /* beyond U+10FFFF */
        ck_assert(!utf8_is_valid("\xff"));
}
END_TEST

START_TEST(test_container_ids_and_paths) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;

        ck_assert(container_id_is_valid("2bcbf0957fbd"));
        ck_assert(container_id_is_valid("a_b-c.d+e"));
        ck_assert(!container_id_is_valid(""));
        ck_assert(!container_id_is_valid("."));
        ck_assert(!container_id_is_valid(".."));
        ck_assert(!container_id_is_valid("../x"));
        ck_assert(!container_id_is_valid("a b"));
        ck_assert(!container_id_is_valid("a\nb"));
        a = path_join("/run/runc/", "/id");
        b = path_join("/", "x");
        c = path_join("/a//", "b/c");
        ck_assert_str_eq(a, "/run/runc/id");
        ck_assert_str_eq(b, "/x");
        ck_assert_str_eq(c, "/a/b/c");
        ck_assert_str_eq(path_basename("/run/runc/id"), "id");
}
END_TEST

int main(void) {
        Suite *s = suite_create("strutil");
        TCase *tc = tcase_create("strutil");
        SRunner *sr;
        int failed;

        tcase_add_test(tc, test_cescape);
        tcase_add_test(tc, test_utf8);
        tcase_add_test(tc, test_container_ids_and_paths);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
