/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for daemon/why.c's start-up, no root needed: with KernelProbe=no the probe is not
 * loaded and why says so (the words of STATUS= "kernel probe off: ..."), and the records of an init
 * are followed only with an attached probe. Loading the probe itself needs CAP_BPF: tests/probe/.
 */
#include <check.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "why.h"

START_TEST(test_disabled) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        Why *w = NULL;

        ck_assert_int_ge(sd_event_new(&e), 0);
        ck_assert_int_eq(why_new(e, /* load= */ false, &w), 0);
        ck_assert_ptr_nonnull(w);
        ck_assert(!why_probe_attached(w));
        ck_assert(!why_has_oom_scope(w));
        ck_assert_str_eq(why_probe_off_reason(w), "disabled (KernelProbe=no)");
        ck_assert_ptr_null(why_track(w, getpid(), 0, NULL, "c1")); /* no probe: nothing followed */
        why_log_probe(w);
        w = why_free(w);
        ck_assert_ptr_null(w);
}
END_TEST

START_TEST(test_null) {
        ck_assert(!why_probe_attached(NULL));
        ck_assert_ptr_null(why_probe_off_reason(NULL));
        ck_assert_ptr_null(why_free(NULL));
}
END_TEST

static Suite *why_suite(void) {
        Suite *s = suite_create("why");
        TCase *tc = tcase_create("start");

        tcase_add_test(tc, test_disabled);
        tcase_add_test(tc, test_null);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(why_suite());
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
