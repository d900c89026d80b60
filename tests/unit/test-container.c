/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for daemon/container.c: the state machine (new → tracked / untracked → exited, refused,
 * a late exit) and the descriptor accounting, with a forked child as the container's init, driven
 * by sd_event_run. Runs without root; the events and records the container hands to its owner are
 * captured through ContainerHooks.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"
#include "util/cleanup.h"
#include "util/proc-stat.h"
#include "util/strutil.h"
#include "util/time.h"

typedef struct Captured {
        unsigned n_events, n_exited;
        char last_event[32];        /* CONTAINER_EVENT of the last event */
        char last_observed[16];     /* EXIT_OBSERVED */
        char last_exit_code[16];
        char records[8][16];
        unsigned n_records;
} Captured;

static void hook_emit(Container *c, Event *ev, void *userdata) {
        Captured *k = userdata;

        (void) c;
        k->n_events++;
        snprintf(k->last_event, sizeof(k->last_event), "%s", event_get(ev, "CONTAINER_EVENT") ?: "");
        snprintf(k->last_observed, sizeof(k->last_observed), "%s", event_get(ev, "EXIT_OBSERVED") ?: "");
        snprintf(k->last_exit_code, sizeof(k->last_exit_code), "%s", event_get(ev, "EXIT_CODE") ?: "");
}

static void hook_record(Container *c, const char *op, void *userdata) {
        Captured *k = userdata;

        (void) c;
        ck_assert_uint_lt(k->n_records, 8);
        snprintf(k->records[k->n_records++], sizeof(k->records[0]), "%s", op);
}

static void hook_exited(Container *c, void *userdata) {
        Captured *k = userdata;

        ck_assert_int_eq(c->state, CONTAINER_EXITED);
        k->n_exited++;
}

static const ContainerHooks hooks = { .emit = hook_emit, .record = hook_record, .on_exited = hook_exited };

typedef struct Fixture {
        sd_event *event;
        Config *config;
        ContainerContext cx;
        Captured got;
} Fixture;

static void fixture_init(Fixture *f, uint64_t nofile_limit) {
        *f = (Fixture) {};
        ck_assert_int_ge(sd_event_new(&f->event), 0);
        ck_assert_int_eq(config_new_default(&f->config), 0);
        f->cx = (ContainerContext) { .event = f->event, .config = f->config, .hooks = &hooks,
                                     .userdata = &f->got, .nofile_limit = nofile_limit };
}

static void fixture_done(Fixture *f) {
        /* everything given back */
        ck_assert_uint_eq(f->cx.fds_in_use, 0);
        ck_assert_uint_eq(f->cx.n_tracked, 0);
        ck_assert_uint_eq(f->cx.n_untracked, 0);
        ck_assert_ptr_null(f->cx.untracked);
        config_free(f->config);
        sd_event_unref(f->event);
}

/* A child that sleeps until killed: the container's init. */
static pid_t spawn_init(uint64_t *ret_start) {
        _cleanup_close_ int fd = -1;
        ProcStat ps;
        pid_t pid = fork();

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                /* a failed assertion in the parent must not leave this child behind */
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (getppid() == 1)
                        _exit(0);
                for (;;)
                        pause();
        }
        fd = proc_stat_open(pid);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(proc_stat_read_fd(fd, &ps), 0);
        *ret_start = ps.starttime;
        return pid;
}

static Container *new_container(Fixture *f, const char *id, pid_t pid, uint64_t start) {
        char path[256];
        RuncState s = { .runtime = RUNTIME_RUNC, .pid = pid, .start_ticks = start };
        StateDirEntry e = { .root = "/run/test", .dir = "/run/test", .id = id, .path = path, .dirfd = -1,
                            .runtime = RUNTIME_RUNC };
        Container *c = NULL;

        snprintf(path, sizeof(path), "/run/test/%s", id);
        ck_assert_int_eq(container_new(&f->cx, &e, &s, &c), 0);
        ck_assert_int_eq(c->state, CONTAINER_NEW);
        ck_assert_str_eq(c->meta.manager, "runc");
        return c;
}

static void run_until_exited(Fixture *f, unsigned n) {
        uint64_t deadline = now_monotonic_usec() + 10 * USEC_PER_SEC;

        while (f->got.n_exited < n && now_monotonic_usec() < deadline)
                ck_assert_int_ge(sd_event_run(f->event, 50 * USEC_PER_MSEC), 0);
        ck_assert_uint_eq(f->got.n_exited, n);
}

START_TEST(test_tracked_to_exited) {
        Fixture f;
        ExitStatus gone;
        uint64_t start;
        pid_t pid;
        Container *c;

        fixture_init(&f, 1024);
        pid = spawn_init(&start);
        c = new_container(&f, "tracked", pid, start);
        ck_assert(container_fds_available(&f.cx));
        ck_assert_int_eq(container_track(c, &gone), 0);
        ck_assert_int_eq(c->state, CONTAINER_TRACKED);
        ck_assert_uint_eq(f.cx.n_tracked, 1);
        ck_assert_uint_eq(f.cx.fds_in_use, 2); /* the pidfd and /proc/<pid>/stat */
        container_report_started(c);
        ck_assert_uint_eq(f.got.n_events, 1);
        ck_assert_str_eq(f.got.last_event, "started");

        ck_assert_int_eq(kill(pid, SIGKILL), 0);
        run_until_exited(&f, 1);
        ck_assert_int_eq(c->state, CONTAINER_EXITED);
        ck_assert(container_is_over(c));
        ck_assert_str_eq(f.got.last_event, "exited");
        ck_assert_str_eq(f.got.last_observed, "live");
        ck_assert_str_eq(f.got.last_exit_code, "killed");
        ck_assert_uint_eq(f.got.n_records, 1);
        ck_assert_str_eq(f.got.records[0], "exited");
        /* a tombstone holds nothing */
        ck_assert_uint_eq(f.cx.n_tracked, 0);
        ck_assert_uint_eq(f.cx.fds_in_use, 0);
        ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
        container_free(c);
        fixture_done(&f);
}
END_TEST

START_TEST(test_budget) {
        Fixture f;
        ExitStatus gone;
        uint64_t start;
        pid_t pid;
        Container *a, *b;

        /* room for nothing above the reserve */
        fixture_init(&f, 64);
        pid = spawn_init(&start);
        a = new_container(&f, "a", pid, start);
        b = new_container(&f, "b", pid, start);
        ck_assert(!container_fds_available(&f.cx));
        ck_assert_int_eq(container_track(a, &gone), -EMFILE);
        ck_assert_int_eq(container_track(b, &gone), -EMFILE);
        ck_assert_int_eq(a->state, CONTAINER_UNTRACKED);
        ck_assert_int_eq(b->state, CONTAINER_UNTRACKED);
        ck_assert(f.cx.warned_fd_limit);
        ck_assert_uint_eq(f.cx.n_untracked, 2);
        ck_assert_ptr_eq(f.cx.untracked, b); /* most recent first */
        ck_assert_ptr_eq(b->untracked_next, a);
        ck_assert_uint_eq(f.cx.fds_in_use, 0);

        /* descriptors free up: one is promoted, leaves the list, is charged */
        f.cx.nofile_limit = 1024;
        ck_assert_int_eq(container_track(a, &gone), 0);
        ck_assert_int_eq(a->state, CONTAINER_TRACKED);
        ck_assert_uint_eq(f.cx.n_untracked, 1);
        ck_assert_ptr_eq(f.cx.untracked, b);
        ck_assert_ptr_null(b->untracked_next);
        ck_assert_ptr_null(b->untracked_prev);
        ck_assert_uint_eq(f.cx.n_tracked, 1);
        ck_assert_uint_eq(f.cx.fds_in_use, 2);

        /* refused: never reported, gives back what it held, keeps nothing the writer said */
        a->meta.name = strdup("a name as long as the writer likes");
        a->meta.pod_name = strdup("pod");
        ck_assert(a->meta.name && a->meta.pod_name);
        container_refuse(a);
        ck_assert_int_eq(a->state, CONTAINER_REFUSED);
        ck_assert_ptr_null(a->meta.name);
        ck_assert_ptr_null(a->meta.pod_name);
        ck_assert_str_eq(a->meta.manager, "runc");
        ck_assert(container_is_over(a));
        ck_assert_uint_eq(f.cx.n_tracked, 0);
        ck_assert_uint_eq(f.cx.fds_in_use, 0);
        ck_assert_uint_eq(f.got.n_events, 0);

        /* freeing an untracked one takes it off the list */
        container_free(b);
        container_free(a);
        ck_assert_int_eq(kill(pid, SIGKILL), 0);
        ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
        fixture_done(&f);
}
END_TEST

START_TEST(test_gone_late_exit) {
        Fixture f;
        ExitStatus gone = EXIT_STATUS_UNKNOWN;
        uint64_t start;
        pid_t pid;
        Container *c;

        fixture_init(&f, 1024);
        pid = spawn_init(&start);
        ck_assert_int_eq(kill(pid, SIGKILL), 0);
        ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
        c = new_container(&f, "gone", pid, start);
        ck_assert_int_eq(container_track(c, &gone), -ESRCH);
        ck_assert_int_eq(c->state, CONTAINER_NEW);
        ck_assert_uint_eq(f.cx.fds_in_use, 0);
        container_report_late_exit(c, &gone);
        ck_assert_int_eq(c->state, CONTAINER_EXITED);
        ck_assert_str_eq(f.got.last_event, "exited");
        ck_assert_str_eq(f.got.last_observed, "late");
        ck_assert_str_eq(f.got.last_exit_code, "unknown");
        ck_assert_uint_eq(f.got.n_records, 1);
        ck_assert_str_eq(f.got.records[0], "exited");
        ck_assert_uint_eq(f.got.n_exited, 0); /* on_exited is for exits watched live */
        container_free(c);
        fixture_done(&f);
}
END_TEST

START_TEST(test_record_round_trip) {
        Fixture f;
        RecordEntry e;
        Container *c, *back;
        uint64_t start;
        pid_t pid;

        fixture_init(&f, 1024);
        pid = spawn_init(&start);
        c = new_container(&f, "rt", pid, start);
        e = container_to_record(c);
        ck_assert(!e.exited);
        e.path = strdup(e.path);
        e.id = strdup(e.id);
        e.manager = strdup(e.manager);
        e.runtime = strdup(e.runtime);
        e.ns = e.name = e.image = e.pod_name = e.pod_namespace = e.pod_uid = e.k8s_container_name = NULL;
        e.k8s_container_type = NULL;
        ck_assert_int_eq(container_new_from_record(&f.cx, &e, &back), 0);
        ck_assert_str_eq(back->path, c->path);
        ck_assert_str_eq(back->id, "rt");
        ck_assert_str_eq(back->meta.manager, "runc");
        ck_assert_int_eq(back->pid, pid);
        ck_assert_uint_eq(back->start_ticks, start);
        ck_assert_int_eq(back->state, CONTAINER_NEW);
        free(e.manager);
        free(e.runtime);
        container_mark_reported(c);
        ck_assert(container_to_record(c).exited);
        container_free(back);
        container_free(c);
        ck_assert_int_eq(kill(pid, SIGKILL), 0);
        ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
        fixture_done(&f);
}
END_TEST

static Suite *container_suite(void) {
        Suite *s = suite_create("container");
        TCase *tc = tcase_create("states");

        tcase_add_test(tc, test_tracked_to_exited);
        tcase_add_test(tc, test_budget);
        tcase_add_test(tc, test_gone_late_exit);
        tcase_add_test(tc, test_record_round_trip);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr;
        int failed, fd;

        /* Debian 12's valgrind 3.19 fails pidfd_open() with ENOSYS; tests/valgrind.sh then runs this
         * program under Debian 13's valgrind instead (exit 77 tells it to). */
        fd = (int) syscall(SYS_pidfd_open, getpid(), 0);
        if (fd < 0 && errno == ENOSYS) {
                fprintf(stderr, "pidfd_open() is not available here (ENOSYS), skipping.\n");
                return 77;
        }
        if (fd >= 0)
                close(fd);
        sr = srunner_create(container_suite());

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
