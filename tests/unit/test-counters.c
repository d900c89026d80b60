/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for daemon/counters.c on a mkdtemp state directory, no root: crash-loop verdicts and
 * RESTART_COUNT kept through a real record across a "restart" (counters and keeper freed and made
 * anew), the metrics textfile with its gauges and counters restored likewise, a reload that changes
 * the textfile and one that does not, and the no-ops before the manager has set them up (NULL).
 */
#include <check.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "counters.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strutil.h"

static char tmpdir[] = "/tmp/test-counters.XXXXXX";
static char prom[sizeof(tmpdir) + 32], prom2[sizeof(tmpdir) + 32];

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st;
        (void) flag;
        (void) ftw;
        return remove(p);
}

static void setup(void) {
        strcpy(tmpdir, "/tmp/test-counters.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
        snprintf(prom, sizeof(prom), "%s/a.prom", tmpdir);
        snprintf(prom2, sizeof(prom2), "%s/b.prom", tmpdir);
}

static void teardown(void) {
        (void) nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static PtrArray ops_collect(void *userdata) {
        (void) userdata;
        return (PtrArray) {};
}

static size_t ops_n_containers(void *userdata) {
        (void) userdata;
        return 0;
}

static void ops_adopt(Container *c, void *userdata) {
        (void) c;
        (void) userdata;
        ck_abort_msg("nothing to adopt");
}

static const KeeperOps ops = { .collect = ops_collect, .n_containers = ops_n_containers, .adopt = ops_adopt };

/* One run of the daemon, as far as the counters see it. */
typedef struct Run {
        sd_event *event;
        Config *config;
        Keeper *keeper;
        Journal *journal;
        ContainerContext cx;
        Counters *counters;
} Run;

static void run_start(Run *run, const char *textfile) {
        *run = (Run) {};
        ck_assert_int_ge(sd_event_new(&run->event), 0);
        ck_assert_int_eq(config_new_default(&run->config), 0);
        if (textfile)
                ck_assert_ptr_nonnull(run->config->metrics_textfile = strdup(textfile));
        ck_assert_int_eq(keeper_new(run->event, tmpdir, &ops, run, &run->keeper), 0);
        ck_assert_ptr_nonnull(keeper_record(run->keeper));
        ck_assert_int_eq(journal_new(run->event, NULL, NULL, &run->journal), 0);
        journal_setup(run->journal, /* to_journal= */ false, /* to_console= */ false, /* json= */ false);
        run->cx = (ContainerContext) { .event = run->event, .config = run->config, .n_tracked = 2,
                                       .n_untracked = 1 };
        ck_assert_int_eq(counters_new(run->event, run->config, run->keeper, run->journal, &run->cx,
                                      &run->counters), 0);
        ck_assert_ptr_nonnull(run->counters);
        /* as manager_start(): after the start-up scan (none here) the record is written anew */
        keeper_restore(run->keeper, &run->cx);
}

static void run_stop(Run *run) {
        run->counters = counters_free(run->counters);
        run->journal = journal_free(run->journal);
        run->keeper = keeper_free(run->keeper);
        config_free(run->config);
        sd_event_unref(run->event);
}

static void make_event(Event *ev, const char *event, ...) {
        va_list ap;
        const char *k;

        event_init(ev, "00000000000000000000000000000000", 6);
        ck_assert_int_eq(event_add(ev, "CONTAINER_EVENT", event), 0);
        va_start(ap, event);
        while ((k = va_arg(ap, const char *))) {
                const char *v = va_arg(ap, const char *);

                ck_assert_int_eq(event_add(ev, k, v), 0);
        }
        va_end(ap);
}

/* Docker's container name failed with status 1: what counters_judge_death() said. */
static int fails(Counters *t, const char *name, Event *ret_crashloop) {
        Event ev;
        int r;

        make_event(&ev, "exited", "CONTAINER_ID_FULL", "a1b2c3", "CONTAINER_NAME", name, "CONTAINER_MANAGER",
                   "docker", "EXIT_CODE", "exited", "EXIT_STATUS", "1", NULL);
        counters_count(t, &ev);
        r = counters_judge_death(t, &ev, ret_crashloop);
        event_clear(&ev);
        return r;
}

static int web_fails(Counters *t, Event *ret_crashloop) {
        return fails(t, "web", ret_crashloop);
}

static char *restart_count(Counters *t) {
        Event ev;
        char *n;

        make_event(&ev, "started", "CONTAINER_ID_FULL", "d4e5f6", "CONTAINER_NAME", "web", "CONTAINER_MANAGER",
                   "docker", NULL);
        counters_add_restart_count(t, &ev);
        n = strdup(event_get(&ev, "RESTART_COUNT") ?: "(none)");
        event_clear(&ev);
        ck_assert_ptr_nonnull(n);
        return n;
}

static char *read_text(const char *p) {
        char *buf = NULL;
        size_t len = 0;

        ck_assert_msg(read_file_path(p, 1 << 20, &buf, &len) == 0, "cannot read %s", p);
        return buf;
}

static void assert_has(const char *p, const char *line) {
        _cleanup_free_ char *text = read_text(p);

        ck_assert_msg(strstr(text, line), "no '%s' in %s:\n%s", line, p, text);
}

START_TEST(test_crashloop_across_restart) {
        _cleanup_free_ char *n0 = NULL, *n1 = NULL;
        Event loop;
        Run run;

        run_start(&run, NULL);
        n0 = restart_count(run.counters);
        ck_assert_str_eq(n0, "0");
        /* CrashLoopCount=5 (the default): the fifth failure is a crash loop */
        for (unsigned i = 1; i <= 4; i++)
                ck_assert_int_eq(web_fails(run.counters, &loop), 0);
        ck_assert_int_eq(web_fails(run.counters, &loop), 1);
        ck_assert_str_eq(event_get(&loop, "CONTAINER_EVENT"), "crashloop");
        ck_assert_str_eq(event_get(&loop, "CONTAINER_NAME"), "web");
        ck_assert_str_eq(event_get(&loop, "CRASHLOOP_THRESHOLD"), "5");
        event_clear(&loop);
        run_stop(&run);

        /* the next run goes on from the record */
        run_start(&run, NULL);
        n1 = restart_count(run.counters);
        ck_assert_str_eq(n1, "5");
        for (unsigned i = 6; i <= 9; i++)
                ck_assert_int_eq(web_fails(run.counters, &loop), 0);
        ck_assert_int_eq(web_fails(run.counters, &loop), 1); /* the doubling: 10 */
        ck_assert_str_eq(event_get(&loop, "CRASHLOOP_THRESHOLD"), "10");
        event_clear(&loop);
        run_stop(&run);
}
END_TEST

START_TEST(test_metrics_across_restart) {
        Event loop;
        Run run;

        run_start(&run, prom);
        ck_assert_int_eq(web_fails(run.counters, &loop), 0);
        counters_ready(run.counters);
        assert_has(prom, "\ncontainer_watchd_up 1\n");
        assert_has(prom, "\ncontainer_watchd_containers_tracked 3\n");
        assert_has(prom, "reason=\"failed\",signal=\"\"} 1\n");
        run_stop(&run);
        assert_has(prom, "\ncontainer_watchd_up 0\n");

        /* the counters come back from the record */
        run_start(&run, prom);
        counters_ready(run.counters);
        assert_has(prom, "\ncontainer_watchd_up 1\n");
        assert_has(prom, "reason=\"failed\",signal=\"\"} 1\n");
        ck_assert_int_eq(web_fails(run.counters, &loop), 0);
        run_stop(&run);
        assert_has(prom, "reason=\"failed\",signal=\"\"} 2\n");
}
END_TEST

START_TEST(test_reload) {
        Config *same, *other;
        Event loop;
        Run run;

        run_start(&run, prom);
        counters_ready(run.counters);
        ck_assert_int_eq(web_fails(run.counters, &loop), 0);

        /* the same textfile: nothing closed, only the crash-loop limits change (for containers
         * seen from now on: "web" keeps its next threshold) */
        ck_assert_int_eq(config_new_default(&same), 0);
        ck_assert_ptr_nonnull(same->metrics_textfile = strdup(prom));
        same->crashloop_count = 2;
        ck_assert(!counters_reload_begin(run.counters, same));
        config_free(run.config);
        run.config = same;
        counters_reload_end(run.counters, same, false);
        ck_assert_int_eq(web_fails(run.counters, &loop), 0);
        ck_assert_int_eq(fails(run.counters, "db", &loop), 0);
        ck_assert_int_eq(fails(run.counters, "db", &loop), 1); /* the second failure, now a crash loop */
        ck_assert_str_eq(event_get(&loop, "CONTAINER_NAME"), "db");
        ck_assert_str_eq(event_get(&loop, "CRASHLOOP_THRESHOLD"), "2");
        event_clear(&loop);

        /* another textfile: the old one says the daemon is down there, the new one carries on */
        ck_assert_int_eq(config_new_default(&other), 0);
        ck_assert_ptr_nonnull(other->metrics_textfile = strdup(prom2));
        ck_assert(counters_reload_begin(run.counters, other));
        assert_has(prom, "\ncontainer_watchd_up 0\n");
        config_free(run.config);
        run.config = other;
        counters_reload_end(run.counters, other, true);
        assert_has(prom2, "\ncontainer_watchd_up 1\n");
        assert_has(prom2, "reason=\"failed\",signal=\"\"} 4\n");
        run_stop(&run);
}
END_TEST

START_TEST(test_null) {
        Event ev;

        make_event(&ev, "started", "CONTAINER_NAME", "web", NULL);
        counters_add_restart_count(NULL, &ev);
        ck_assert_ptr_null(event_get(&ev, "RESTART_COUNT"));
        counters_count(NULL, &ev);
        counters_sample(NULL);
        counters_ready(NULL);
        ck_assert_int_eq(counters_judge_death(NULL, &ev, NULL), 0);
        ck_assert(!counters_reload_begin(NULL, NULL));
        counters_reload_end(NULL, NULL, true);
        ck_assert_ptr_null(counters_free(NULL));
        event_clear(&ev);
}
END_TEST

static Suite *counters_suite(void) {
        Suite *s = suite_create("counters");
        TCase *tc = tcase_create("wiring");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_crashloop_across_restart);
        tcase_add_test(tc, test_metrics_across_restart);
        tcase_add_test(tc, test_reload);
        tcase_add_test(tc, test_null);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(counters_suite());
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
