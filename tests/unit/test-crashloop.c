/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for daemon/crashloop.c: the logical container key, which deaths count, the
 * threshold and its doublings, the sliding window, RESTART_COUNT, the bounded table, and the state
 * kept through a real record (daemon/record.c) in a mkdtemp() directory.
 */
#include <check.h>
#include <stdarg.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashloop-test.h"
#include "journal.h"
#include "record.h"
#include "util/cleanup.h"
#include "util/time.h"

#define SEC USEC_PER_SEC
#define WINDOW (600 * SEC)

/* An event with the given fields: NULL-terminated key, value pairs. */
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

/* A Docker container "web" that exited with status, or was killed by signal (status < 0). */
static void web_death(Event *ev, int status) {
        char st[16];

        snprintf(st, sizeof(st), "%d", status < 0 ? -status : status);
        make_event(ev, "exited", "CONTAINER_ID_FULL", "a1b2c3", "CONTAINER_NAME", "web", "CONTAINER_MANAGER",
                   "docker", "EXIT_CODE", status < 0 ? "killed" : "exited", "EXIT_STATUS", st, "EXIT_SIGNAL",
                   status == -9 ? "SIGKILL" : status == -11 ? "SIGSEGV" : NULL, NULL);
}

/* Record a death of "web" at t; returns what crashloop_record_death() returned. */
static int die(CrashLoop *c, int status, uint64_t t, CrashLoopVerdict *v) {
        Event ev;
        int r;

        web_death(&ev, status);
        r = crashloop_record_death(c, &ev, t, v, NULL, NULL);
        event_clear(&ev);
        return r;
}

static unsigned web_restarts(CrashLoop *c, uint64_t t) {
        Event ev;
        unsigned n;

        make_event(&ev, "started", "CONTAINER_ID_FULL", "d4e5f6", "CONTAINER_NAME", "web", "CONTAINER_MANAGER",
                   "docker", NULL);
        n = crashloop_restart_count(c, &ev, t);
        event_clear(&ev);
        return n;
}

START_TEST(test_threshold_and_doubling) {
        _cleanup_(crashloop_freep) CrashLoop *c = NULL;
        CrashLoopVerdict v;
        unsigned verdicts = 0;
        uint64_t t = 1000 * SEC;

        ck_assert_int_eq(crashloop_new(5, WINDOW, 0, &c), 0);
        /* 40 deaths, 10 s apart (all within the window): verdicts at 5, 10, 20 and 40, no others */
        for (unsigned i = 1; i <= 40; i++) {
                int r = die(c, i % 9 == 0 ? -9 : 1, t + i * 10 * SEC, &v);

                ck_assert_int_ge(r, 0);
                if (i == 5 || i == 10 || i == 20 || i == 40) {
                        ck_assert_msg(r == 1, "no verdict at death %u", i);
                        ck_assert_uint_eq(v.count, i);
                        ck_assert_uint_eq(v.threshold, i);
                        ck_assert_uint_eq(v.first_usec, t + 10 * SEC);
                        verdicts++;
                } else
                        ck_assert_msg(r == 0, "a verdict at death %u", i);
        }
        ck_assert_uint_eq(verdicts, 4);
        /* the last five reasons, oldest first: 36 was a SIGKILL */
        ck_assert_str_eq(v.reasons, "killed(SIGKILL) failed(1) failed(1) failed(1) failed(1)");
}
END_TEST

START_TEST(test_expected_deaths) {
        _cleanup_(crashloop_freep) CrashLoop *c = NULL;
        CrashLoopVerdict v;
        Event ev;

        ck_assert_int_eq(crashloop_new(2, WINDOW, 0, &c), 0);
        /* status 0 and a stop (issue 13's DEATH_REASON) are not crashes, however many */
        for (int i = 0; i < 5; i++) {
                ck_assert_int_eq(die(c, 0, (uint64_t) (i + 1) * SEC, &v), 0);
                make_event(&ev, "exited", "CONTAINER_NAME", "web", "CONTAINER_MANAGER", "docker", "EXIT_CODE",
                           "killed", "EXIT_STATUS", "15", "DEATH_REASON", "stopped", NULL);
                ck_assert_int_eq(crashloop_record_death(c, &ev, (uint64_t) (i + 1) * SEC + 1, &v, NULL, NULL), 0);
                event_clear(&ev);
        }
        /* ...but they are restarts */
        ck_assert_uint_eq(web_restarts(c, 10 * SEC), 10);
        ck_assert_int_eq(die(c, -11, 11 * SEC, &v), 0);
        ck_assert_int_eq(die(c, -9, 12 * SEC, &v), 1);
        ck_assert_str_eq(v.reasons, "crashed(SIGSEGV) killed(SIGKILL)");
        ck_assert_uint_eq(v.count, 2);
}
END_TEST

/* The reason of an exited event: DEATH_REASON when present, else derived from the status. */
static const struct {
        const char *code, *status, *signal, *oom, *death_reason, *want;
        bool unexpected;
} reasons[] = {
        { "exited", "0", NULL, "0", NULL, "exited", false },
        { "exited", "3", NULL, "0", NULL, "failed", true },
        { "killed", "9", "SIGKILL", "0", NULL, "killed", true },
        { "killed", "9", "SIGKILL", "1", NULL, "oom-killed", true },
        { "killed", "11", "SIGSEGV", "0", NULL, "crashed", true },
        { "dumped", "6", "SIGABRT", "0", NULL, "crashed", true },
        { "killed", "15", "SIGTERM", "0", NULL, "stopped", false },
        { "killed", "10", "SIGUSR1", "0", NULL, "killed", true },
        { "killed", "15", "SIGTERM", "0", "stopped", "stopped", false },
        { "killed", "9", "SIGKILL", "0", "stop-timeout", "stop-timeout", true },
        { "killed", "9", "SIGKILL", "0", "bogus", "killed", true },
        { "unknown", NULL, NULL, "0", NULL, "unknown", true },
        { NULL, NULL, NULL, NULL, NULL, "unknown", true },
};

START_TEST(test_reasons) {
        Event ev;

        make_event(&ev, "exited", "CONTAINER_ID", "x", "EXIT_CODE", reasons[_i].code, "EXIT_STATUS",
                   reasons[_i].status, "EXIT_SIGNAL", reasons[_i].signal, "OOM_KILLED", reasons[_i].oom,
                   "DEATH_REASON", reasons[_i].death_reason, NULL);
        ck_assert_str_eq(crashloop_reason_of(&ev), reasons[_i].want);
        ck_assert_int_eq(crashloop_reason_is_unexpected(reasons[_i].want), reasons[_i].unexpected);
        event_clear(&ev);
}
END_TEST

START_TEST(test_window) {
        _cleanup_(crashloop_freep) CrashLoop *c = NULL;
        CrashLoopVerdict v;
        uint64_t t = 5000 * SEC;

        ck_assert_int_eq(crashloop_new(5, WINDOW, 0, &c), 0);
        /* four deaths, then the fifth just after the first has left the window: no loop */
        for (int i = 0; i < 4; i++)
                ck_assert_int_eq(die(c, 1, t + (uint64_t) i * SEC, &v), 0);
        ck_assert_int_eq(die(c, 1, t + WINDOW, &v), 0);
        ck_assert_uint_eq(web_restarts(c, t + WINDOW), 4);
        /* the sixth while four are still within it: five in the window */
        ck_assert_int_eq(die(c, 1, t + WINDOW + 1, &v), 1);
        ck_assert_uint_eq(v.count, 5);
        ck_assert_uint_eq(v.first_usec, t + SEC);

        /* a quiet window ends the loop: the next one is judged from CrashLoopCount= again */
        t += 3 * WINDOW;
        ck_assert_uint_eq(web_restarts(c, t), 0);
        for (int i = 1; i <= 5; i++)
                ck_assert_int_eq(die(c, 1, t + (uint64_t) i * SEC, &v), i == 5);
        ck_assert_uint_eq(v.threshold, 5);

        /* a new window given by a reload applies at once */
        crashloop_set_limits(c, 3, 2 * SEC);
        ck_assert_uint_eq(web_restarts(c, t + 6 * SEC), 1);
}
END_TEST

START_TEST(test_restart_count) {
        _cleanup_(crashloop_freep) CrashLoop *c = NULL;
        CrashLoopVerdict v;
        Event ev;

        ck_assert_int_eq(crashloop_new(5, WINDOW, 0, &c), 0);
        ck_assert_uint_eq(web_restarts(c, 10 * SEC), 0);
        for (int i = 1; i <= 3; i++) {
                ck_assert_int_eq(die(c, 2, (uint64_t) i * 10 * SEC, &v), 0);
                ck_assert_uint_eq(web_restarts(c, (uint64_t) i * 10 * SEC + 1), (unsigned) i);
        }
        ck_assert_uint_eq(web_restarts(c, 10 * SEC + WINDOW), 2);
        ck_assert_uint_eq(web_restarts(c, 30 * SEC + WINDOW), 0);

        /* another manager's "web" is another container */
        make_event(&ev, "started", "CONTAINER_NAME", "web", "CONTAINER_MANAGER", "podman", NULL);
        ck_assert_uint_eq(crashloop_restart_count(c, &ev, 40 * SEC), 0);
        event_clear(&ev);
}
END_TEST

START_TEST(test_logical_name) {
        _cleanup_free_ char *a = NULL, *b = NULL, *d = NULL;
        const char *manager;
        Event ev;

        /* Kubernetes: namespace/pod/container, whatever the container id of this incarnation */
        make_event(&ev, "exited", "CONTAINER_ID_FULL", "111", "CONTAINER_NAME", "app", "CONTAINER_MANAGER",
                   "kubernetes", "K8S_POD_NAMESPACE", "default", "K8S_POD_NAME", "web-0", "K8S_CONTAINER_NAME",
                   "app", NULL);
        ck_assert_int_eq(crashloop_name_from_event(&ev, &manager, &a), 0);
        ck_assert_str_eq(a, "default/web-0/app");
        ck_assert_str_eq(manager, "kubernetes");
        event_clear(&ev);
        /* Docker or Podman: the name */
        make_event(&ev, "exited", "CONTAINER_ID_FULL", "222", "CONTAINER_NAME", "db", "CONTAINER_MANAGER",
                   "podman", NULL);
        ck_assert_int_eq(crashloop_name_from_event(&ev, &manager, &b), 0);
        ck_assert_str_eq(b, "db");
        event_clear(&ev);
        /* plain runc: the id; no manager field means runc */
        make_event(&ev, "exited", "CONTAINER_ID_FULL", "runc-ctr-1", NULL);
        ck_assert_int_eq(crashloop_name_from_event(&ev, &manager, &d), 0);
        ck_assert_str_eq(d, "runc-ctr-1");
        ck_assert_str_eq(manager, "runc");
        event_clear(&ev);
        /* nothing to name */
        make_event(&ev, "exited", NULL);
        ck_assert_int_eq(crashloop_name_from_event(&ev, &manager, &d), -ENOENT);
        event_clear(&ev);
}
END_TEST

START_TEST(test_table_cap) {
        _cleanup_(crashloop_freep) CrashLoop *c = NULL;
        CrashLoopVerdict v;

        ck_assert_int_eq(crashloop_new(5, WINDOW, 3, &c), 0);
        for (int i = 0; i < 10; i++) {
                _cleanup_free_ char *key = NULL, *evicted = NULL;
                char id[16];
                Event ev;

                snprintf(id, sizeof(id), "ctr-%d", i);
                make_event(&ev, "exited", "CONTAINER_ID_FULL", id, "EXIT_CODE", "exited", "EXIT_STATUS", "1", NULL);
                ck_assert_int_eq(crashloop_record_death(c, &ev, (uint64_t) (i + 1) * SEC, &v, &key, &evicted), 0);
                event_clear(&ev);
                ck_assert_str_eq(key + strlen("runc/"), id);
                ck_assert_uint_eq(crashloop_size(c), i < 3 ? (size_t) i + 1 : 3);
                if (i < 3)
                        ck_assert_ptr_null(evicted);
                else {
                        /* the one that died longest ago makes room */
                        char want[32];

                        snprintf(want, sizeof(want), "runc/ctr-%d", i - 3);
                        ck_assert_str_eq(evicted, want);
                }
        }

        /* the deaths kept per container are bounded too: RESTART_COUNT saturates */
        for (unsigned i = 0; i < CRASHLOOP_DEATHS_MAX + 50; i++)
                ck_assert_int_ge(die(c, 1, 100 * SEC + i * 1000, &v), 0);
        ck_assert_uint_eq(web_restarts(c, 101 * SEC), CRASHLOOP_DEATHS_MAX);
        ck_assert_uint_eq(crashloop_size(c), 3);
}
END_TEST

/* one death of runc container ID at t; the evicted key (NULL: none) in *ret_evicted */
static void die_id(CrashLoop *c, const char *id, uint64_t t, char **ret_evicted) {
        _cleanup_free_ char *key = NULL;
        CrashLoopVerdict v;
        Event ev;

        make_event(&ev, "exited", "CONTAINER_ID_FULL", id, "EXIT_CODE", "exited", "EXIT_STATUS", "1", NULL);
        ck_assert_int_ge(crashloop_record_death(c, &ev, t, &v, &key, ret_evicted), 0);
        event_clear(&ev);
}

START_TEST(test_eviction_order) {
        _cleanup_(crashloop_freep) CrashLoop *c = NULL, *c2 = NULL;
        static const char *const evicted_in_turn[] = { "runc/b", "runc/c", "runc/a" };
        char *evicted = NULL;

        /* a, b, c, then a dies again: the least recently dead is b now, not a (the first added) */
        ck_assert_int_eq(crashloop_new(5, WINDOW, 3, &c), 0);
        die_id(c, "a", 1 * SEC, &evicted);
        die_id(c, "b", 2 * SEC, &evicted);
        die_id(c, "c", 3 * SEC, &evicted);
        die_id(c, "a", 4 * SEC, &evicted);
        ck_assert_ptr_null(evicted);
        for (size_t i = 0; i < ELEMENTSOF(evicted_in_turn); i++) {
                char id[8];

                snprintf(id, sizeof(id), "n%zu", i);
                die_id(c, id, (5 + i) * SEC, &evicted);
                ck_assert_ptr_nonnull(evicted);
                ck_assert_str_eq(evicted, evicted_in_turn[i]);
                free(evicted);
                evicted = NULL;
        }
        ck_assert_uint_eq(crashloop_size(c), 3);

        /* restored from a record in its own order (by name), not by time: still the oldest goes */
        ck_assert_int_eq(crashloop_new(5, WINDOW, 3, &c2), 0);
        for (int i = 0; i < 3; i++) {
                static const int last[] = { 30, 10, 20 };
                char json[128];
                json_t *o;

                snprintf(json, sizeof(json), "{\"key\": \"runc/r%d\", \"next\": 5, \"deaths\": [[%" PRIu64 ", \"failed\", 1]]}",
                         i, (uint64_t) last[i] * SEC);
                o = json_loads(json, 0, NULL);
                ck_assert_ptr_nonnull(o);
                ck_assert_int_eq(crashloop_restore_json(c2, o, 31 * SEC), 1);
                json_decref(o);
        }
        die_id(c2, "new", 40 * SEC, &evicted);
        ck_assert_ptr_nonnull(evicted);
        ck_assert_str_eq(evicted, "runc/r1");
        free(evicted);
        evicted = NULL;
        die_id(c2, "r1", 41 * SEC, &evicted); /* back, and r2 (20) is the oldest now */
        ck_assert_str_eq(evicted, "runc/r2");
        free(evicted);
}
END_TEST

static char tmpdir[] = "/tmp/test-crashloop-XXXXXX";

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st;
        (void) flag;
        (void) ftw;
        return remove(p);
}

static const RecordEntry *no_entries(void *userdata) {
        (void) userdata;
        return NULL;
}

START_TEST(test_persist_through_record) {
        _cleanup_(crashloop_freep) CrashLoop *c = NULL, *c2 = NULL;
        _cleanup_free_ char *key = NULL;
        CrashLoopVerdict v;
        Record *rec = NULL;
        json_t *states, *value;
        const char *k;
        unsigned other_boot = 99;
        Event ev;
        int restored = 0;

        strcpy(tmpdir, "/tmp/test-crashloop-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
        ck_assert_int_eq(crashloop_new(5, WINDOW, 0, &c), 0);
        ck_assert_int_eq(record_open(tmpdir, &rec, &other_boot), 0);
        ck_assert_uint_eq(other_boot, 0);
        ck_assert_int_eq(record_compact(rec, no_entries, NULL), 0); /* as the daemon does at start */

        /* seven deaths: a verdict at five, the next due at ten; each written to the record */
        for (int i = 1; i <= 7; i++) {
                web_death(&ev, 1);
                free(key);
                key = NULL;
                ck_assert_int_eq(crashloop_record_death(c, &ev, (uint64_t) i * SEC, &v, &key, NULL), i == 5);
                event_clear(&ev);
                json_t *j = crashloop_key_to_json(c, key);
                ck_assert_ptr_nonnull(j);
                ck_assert_int_eq(record_put_state(rec, "crashloop", key, j), 0);
                json_decref(j);
        }
        ck_assert_ptr_null(crashloop_key_to_json(c, "docker/nobody"));
        /* a state put and then forgotten is gone after a restart */
        ck_assert_int_eq(record_put_state(rec, "crashloop", "docker/gone", json_true()), 0);
        ck_assert_int_eq(record_put_state(rec, "crashloop", "docker/gone", NULL), 0);
        rec = record_free(rec);

        /* the daemon restarts: a new table from the record */
        ck_assert_int_eq(record_open(tmpdir, &rec, &other_boot), 0);
        states = record_get_states(rec, "crashloop");
        ck_assert_ptr_nonnull(states);
        ck_assert_uint_eq(json_object_size(states), 1);
        ck_assert_int_eq(crashloop_new(5, WINDOW, 0, &c2), 0);
        json_object_foreach(states, k, value) {
                ck_assert_str_eq(k, "docker/web");
                restored += crashloop_restore_json(c2, value, 8 * SEC);
        }
        ck_assert_int_eq(restored, 1);
        ck_assert_uint_eq(web_restarts(c2, 8 * SEC), 7);
        /* no second verdict at five: the next is at ten */
        ck_assert_int_eq(die(c2, 1, 9 * SEC, &v), 0);
        ck_assert_int_eq(die(c2, 1, 10 * SEC, &v), 0);
        ck_assert_int_eq(die(c2, 1, 11 * SEC, &v), 1);
        ck_assert_uint_eq(v.count, 10);
        ck_assert_uint_eq(v.threshold, 10);

        /* a compaction keeps the states; restored after the window, nothing is left */
        ck_assert_int_eq(record_compact(rec, no_entries, NULL), 0);
        rec = record_free(rec);
        ck_assert_int_eq(record_open(tmpdir, &rec, NULL), 0);
        states = record_get_states(rec, "crashloop");
        ck_assert_uint_eq(json_object_size(states), 1);
        c2 = crashloop_free(c2);
        ck_assert_int_eq(crashloop_new(5, WINDOW, 0, &c2), 0);
        ck_assert_int_eq(crashloop_restore_json(c2, json_object_get(states, "docker/web"), 8 * SEC + WINDOW), 0);
        ck_assert_uint_eq(crashloop_size(c2), 0);
        /* not ours: ignored */
        json_t *junk = json_string("x");
        ck_assert_int_eq(crashloop_restore_json(c2, junk, 0), 0);
        json_decref(junk);
        rec = record_free(rec);
        (void) nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}
END_TEST

START_TEST(test_event) {
        _cleanup_(crashloop_freep) CrashLoop *c = NULL;
        CrashLoopVerdict v;
        Event ev, cl;

        ck_assert_int_eq(crashloop_new(2, WINDOW, 0, &c), 0);
        ck_assert_int_eq(die(c, 1, 100 * SEC, &v), 0);
        make_event(&ev, "exited", "CONTAINER_ID", "a1b2c3", "CONTAINER_ID_FULL", "a1b2c3", "CONTAINER_NAME", "web",
                   "CONTAINER_MANAGER", "docker", "IMAGE_NAME", "bbox", "EXIT_CODE", "killed", "EXIT_STATUS", "9",
                   "EXIT_SIGNAL", "SIGKILL", "MESSAGE", "Container a1b2c3 (web) exited: killed by SIGKILL.", NULL);
        ck_assert_int_eq(crashloop_record_death(c, &ev, 130 * SEC, &v, NULL, NULL), 1);
        ck_assert_int_eq(crashloop_event(&ev, &v, WINDOW, 130 * SEC, 1000000 * SEC, "0123", &cl), 0);
        ck_assert_str_eq(cl.message_id, "0123");
        ck_assert_int_eq(cl.priority, 3);
        ck_assert_str_eq(event_get(&cl, "CONTAINER_EVENT"), "crashloop");
        ck_assert_str_eq(event_get(&cl, "CONTAINER_NAME"), "web");
        ck_assert_str_eq(event_get(&cl, "IMAGE_NAME"), "bbox");
        ck_assert_str_eq(event_get(&cl, "CONTAINER_ID_FULL"), "a1b2c3");
        ck_assert_str_eq(event_get(&cl, "RESTART_COUNT"), "2");
        ck_assert_str_eq(event_get(&cl, "CRASHLOOP_THRESHOLD"), "2");
        ck_assert_str_eq(event_get(&cl, "CRASHLOOP_WINDOW_USEC"), "600000000");
        /* the first death was 30 s before now */
        ck_assert_str_eq(event_get(&cl, "CRASHLOOP_FIRST_USEC"), "999970000000");
        ck_assert_str_eq(event_get(&cl, "CRASHLOOP_REASONS"), "failed(1) killed(SIGKILL)");
        ck_assert_str_eq(event_get(&cl, "MESSAGE"),
                         "Container a1b2c3 (web) is crash-looping: 2 unexpected deaths within 10min (failed(1) killed(SIGKILL)).");
        /* how this incarnation died is the exited entry's business */
        ck_assert_ptr_null(event_get(&cl, "EXIT_CODE"));
        ck_assert_ptr_null(event_get(&cl, "EXIT_SIGNAL"));
        event_clear(&cl);
        event_clear(&ev);
}
END_TEST

static Suite *crashloop_suite(void) {
        Suite *s = suite_create("crashloop");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_threshold_and_doubling);
        tcase_add_test(tc, test_expected_deaths);
        tcase_add_loop_test(tc, test_reasons, 0, (int) ELEMENTSOF(reasons));
        tcase_add_test(tc, test_window);
        tcase_add_test(tc, test_restart_count);
        tcase_add_test(tc, test_logical_name);
        tcase_add_test(tc, test_table_cap);
        tcase_add_test(tc, test_eviction_order);
        tcase_add_test(tc, test_persist_through_record);
        tcase_add_test(tc, test_event);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(crashloop_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
