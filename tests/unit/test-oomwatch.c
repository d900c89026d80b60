/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for daemon/oomwatch.c: the counter-file parser over fixtures written from the kernel's
 * documented formats (tests/fixtures/oom, see tests/fixtures/README.md) and malformed variants;
 * the v2 mechanism (inotify IN_MODIFY on memory.events) driven through a plain file, including the
 * settle delay and oomwatch_refresh() cancelling a pending delivery; and, as root on a host with
 * the v1 memory controller, a real OOM kill of a child in a real cgroup while its parent lives on,
 * then the cgroup's removal, and the same kill seen through a read-only cgroup tree (as the shipped
 * unit's ProtectControlGroups=yes mounts it) by a watch that cannot register for notifications.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "oomwatch-test.h"
#include "util/cleanup.h"
#include "util/fileio.h"

#define OOM_FIXTURES FIXTURES_DIR "/oom"
#define V1_MEMORY_ROOT "/sys/fs/cgroup/memory"

static uint64_t mono_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static int parse_fixture(const char *name, OomCounters *ret) {
        _cleanup_free_ char *path = NULL, *buf = NULL;
        size_t len;

        ck_assert_int_ge(asprintf(&path, "%s/%s", OOM_FIXTURES, name), 0);
        ck_assert_int_eq(read_file_path(path, 4096, &buf, &len), 0);
        return oomwatch_parse_counters(buf, len, ret);
}

START_TEST(test_parse_fixtures) {
        OomCounters c;

        ck_assert_int_eq(parse_fixture("v1-memory.oom_control.host", &c), 0);
        ck_assert(c.has_oom_kill);
        ck_assert(!c.oom_kill_disable);

        ck_assert_int_eq(parse_fixture("v1-memory.oom_control.killed", &c), 0);
        ck_assert_uint_eq(c.oom_kill, 1);
        ck_assert(!c.under_oom);

        ck_assert_int_eq(parse_fixture("v1-memory.oom_control.disabled-under-oom", &c), 0);
        ck_assert(c.oom_kill_disable);
        ck_assert(c.under_oom);
        ck_assert_uint_eq(c.oom_kill, 0);

        ck_assert_int_eq(parse_fixture("v1-memory.oom_control.pre-4.13", &c), -ENOENT);

        ck_assert_int_eq(parse_fixture("v2-memory.events.idle", &c), 0);
        ck_assert_uint_eq(c.oom, 0);
        ck_assert_uint_eq(c.oom_kill, 0);
        ck_assert_uint_eq(c.oom_group_kill, 0);

        ck_assert_int_eq(parse_fixture("v2-memory.events.killed", &c), 0);
        ck_assert_uint_eq(c.oom, 1);
        ck_assert_uint_eq(c.oom_kill, 1);

        ck_assert_int_eq(parse_fixture("v2-memory.events.group-kill", &c), 0);
        ck_assert_uint_eq(c.oom, 2);
        ck_assert_uint_eq(c.oom_kill, 5);
        ck_assert_uint_eq(c.oom_group_kill, 1);

        ck_assert_int_eq(parse_fixture("v2-memory.events.5.10", &c), 0);
        ck_assert_uint_eq(c.oom_kill, 1);
        ck_assert_uint_eq(c.oom_group_kill, 0);

        ck_assert_int_eq(parse_fixture("v2-memory.events.pre-4.13", &c), -ENOENT);

        ck_assert_int_eq(parse_fixture("bad.not-a-number", &c), -EBADMSG);
        ck_assert_int_eq(parse_fixture("bad.repeated", &c), -EBADMSG);
        ck_assert_int_eq(parse_fixture("bad.overflow", &c), -EBADMSG);
        ck_assert_int_eq(parse_fixture("bad.no-space", &c), -EBADMSG);
}
END_TEST

static int parse_str(const char *s, OomCounters *ret) {
        size_t n = strlen(s);
        _cleanup_free_ char *copy = malloc(n ? n : 1); /* exact size, no NUL: catches over-reads */

        ck_assert_ptr_nonnull(copy);
        memcpy(copy, s, n);
        return oomwatch_parse_counters(copy, n, ret);
}

START_TEST(test_parse_generated) {
        OomCounters c = { .oom_kill = 99 };

        ck_assert_int_eq(parse_str("oom_kill 7", &c), 0); /* no final newline */
        ck_assert_uint_eq(c.oom_kill, 7);
        ck_assert_int_eq(parse_str("oom_kill 18446744073709551615\n", &c), 0);
        ck_assert_uint_eq(c.oom_kill, UINT64_MAX);
        ck_assert_int_eq(parse_str("oom_kill 3\n\n", &c), 0); /* one stray final newline */
        ck_assert_int_eq(parse_str("oom 1\n\noom_kill 3\n", &c), -EBADMSG);
        ck_assert_int_eq(parse_str("", &c), -ENOENT);
        ck_assert_int_eq(parse_str("\n", &c), -ENOENT);
        ck_assert_int_eq(parse_str("oom_kill -1\n", &c), -EBADMSG);
        ck_assert_int_eq(parse_str("oom_kill \n", &c), -EBADMSG);
        ck_assert_int_eq(parse_str("oom_kill  1\n", &c), -EBADMSG);
        ck_assert_int_eq(parse_str("oom_kill 1 \n", &c), -EBADMSG);
        ck_assert_int_eq(parse_str(" oom_kill 1\n", &c), -EBADMSG);
        ck_assert_int_eq(parse_str("oom 1\noom 2\noom_kill 0\n", &c), -EBADMSG);
        /* "oom" must not be taken for "oom_kill", nor the reverse */
        ck_assert_int_eq(parse_str("oom 4\noom_group_kill 2\noom_kill 9\n", &c), 0);
        ck_assert_uint_eq(c.oom, 4);
        ck_assert_uint_eq(c.oom_group_kill, 2);
        ck_assert_uint_eq(c.oom_kill, 9);
        /* unknown keys (future kernels) are fine, if well-formed */
        ck_assert_int_eq(parse_str("sock_throttled 3\noom_kill 2\n", &c), 0);
        ck_assert_uint_eq(c.oom_kill, 2);
}
END_TEST

/* ---------------------------------------------------------------- the v2 mechanism, on a plain file */

typedef struct Seen {
        unsigned calls;
        uint64_t last;
        uint64_t at_usec;
} Seen;

static void on_oom(OomWatch *w, uint64_t n, void *userdata) {
        Seen *s = userdata;

        (void) w;
        s->calls++;
        s->last = n;
        s->at_usec = mono_usec();
}

/* Run the loop until s->calls reaches want or timeout_usec passes. */
static void run_until(sd_event *e, Seen *s, unsigned want, uint64_t timeout_usec) {
        uint64_t deadline = mono_usec() + timeout_usec;

        while (s->calls < want && mono_usec() < deadline)
                ck_assert_int_ge(sd_event_run(e, 20 * 1000), 0);
}

static void write_text(const char *path, const char *text) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0644);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t) strlen(text));
}

START_TEST(test_v2_file) {
        char dir[] = "/tmp/test-oomwatch.XXXXXX";
        _cleanup_free_ char *events = NULL;
        sd_event *e = NULL;
        OomWatch *w = NULL;
        Seen s = {};
        uint64_t v, t0;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        ck_assert_int_ge(asprintf(&events, "%s/memory.events", dir), 0);
        ck_assert_int_ge(sd_event_new(&e), 0);

        /* no counter file at all */
        ck_assert_int_eq(oomwatch_new(e, NULL, dir, 0, on_oom, &s, &w), -ENOENT);
        ck_assert_int_eq(oomwatch_new(e, NULL, NULL, 0, on_oom, &s, &w), -ENOENT);
        /* a v1 directory without v1 files falls through to v2 */
        write_text(events, "low 0\nhigh 0\nmax 0\noom 0\noom_kill 2\noom_group_kill 0\n");
        ck_assert_int_eq(oomwatch_new(e, dir, dir, 0, on_oom, &s, &w), 0);
        ck_assert_str_eq(oomwatch_kind(w), "v2");
        ck_assert_uint_eq(oomwatch_baseline(w), 2);
        ck_assert_uint_eq(oomwatch_count(w), 2);
        ck_assert(!oomwatch_oom_seen(w));

        /* an unrelated change: no call */
        write_text(events, "low 0\nhigh 0\nmax 9\noom 0\noom_kill 2\noom_group_kill 0\n");
        run_until(e, &s, 1, 200 * 1000);
        ck_assert_uint_eq(s.calls, 0);

        /* a rise: one call with the new value */
        write_text(events, "low 0\nhigh 0\nmax 9\noom 1\noom_kill 3\noom_group_kill 0\n");
        run_until(e, &s, 1, 5 * 1000 * 1000);
        ck_assert_uint_eq(s.calls, 1);
        ck_assert_uint_eq(s.last, 3);
        ck_assert_uint_eq(oomwatch_count(w), 3);
        ck_assert_uint_eq(oomwatch_baseline(w), 2);
        ck_assert(oomwatch_oom_seen(w));
        ck_assert_uint_eq(oomwatch_notifications(w), 0);
        w = oomwatch_free(w);

        /* settle delay: delivered no earlier than settle_usec after the rise */
        s = (Seen) {};
        ck_assert_int_eq(oomwatch_new(e, NULL, dir, 300 * 1000, on_oom, &s, &w), 0);
        t0 = mono_usec();
        write_text(events, "low 0\nhigh 0\nmax 9\noom 2\noom_kill 4\noom_group_kill 0\n");
        run_until(e, &s, 1, 5 * 1000 * 1000);
        ck_assert_uint_eq(s.calls, 1);
        ck_assert_uint_eq(s.last, 4);
        ck_assert_uint_ge(s.at_usec - t0, 300 * 1000);

        /* refresh sees a rise first: the pending delivery is dropped */
        write_text(events, "low 0\nhigh 0\nmax 9\noom 3\noom_kill 5\noom_group_kill 0\n");
        run_until(e, &s, 2, 100 * 1000); /* the rise is seen, its delivery is 300 ms away */
        ck_assert_uint_eq(s.calls, 1);
        ck_assert_int_eq(oomwatch_refresh(w, &v), 0);
        ck_assert_uint_eq(v, 5);
        run_until(e, &s, 2, 600 * 1000);
        ck_assert_uint_eq(s.calls, 1);

        /* the file vanishes (the cgroup is removed): the last value stays */
        ck_assert_int_eq(unlink(events), 0);
        run_until(e, &s, 2, 100 * 1000);
        ck_assert_int_eq(oomwatch_refresh(w, &v), 0); /* a plain file stays readable via its fd */
        ck_assert_uint_eq(v, 5);

        w = oomwatch_free(w);
        ck_assert_ptr_null(oomwatch_free(NULL));
        e = sd_event_unref(e);
        ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* ---------------------------------------------------------------- v1, a real cgroup and a real OOM kill */

static bool v1_memory_usable(void) {
        return geteuid() == 0 && access(V1_MEMORY_ROOT "/cgroup.event_control", W_OK) == 0;
}

static void write_path(const char *dir, const char *file, const char *text) {
        _cleanup_free_ char *p = NULL;
        _cleanup_close_ int fd = -1;

        ck_assert_int_ge(asprintf(&p, "%s/%s", dir, file), 0);
        fd = open(p, O_WRONLY | O_CLOEXEC);
        ck_assert_msg(fd >= 0, "open %s: %s", p, strerror(errno));
        ck_assert_msg(write(fd, text, strlen(text)) == (ssize_t) strlen(text), "write %s: %s", p, strerror(errno));
}

/* The "init": joins the cgroup, then on each byte from cmd starts a child that allocates and
 * touches 64 MiB (past the 16 MiB limit), and reports the child's wait status on res. */
static void init_main(const char *cg, int cmd, int res) {
        char pid[32], c;

        snprintf(pid, sizeof(pid), "%d", (int) getpid());
        write_path(cg, "cgroup.procs", pid);
        (void) !write(res, "R", 1);
        while (read(cmd, &c, 1) == 1) {
                pid_t child = fork();
                int st = 0;

                if (child == 0) {
                        size_t n = 64u << 20;
                        volatile char *p = malloc(n);

                        for (size_t i = 0; p && i < n; i += 4096)
                                p[i] = 1;
                        _exit(0);
                }
                (void) waitpid(child, &st, 0);
                (void) !write(res, &st, sizeof(st));
        }
        _exit(0);
}

START_TEST(test_v1_real_oom) {
        char cg[128];
        int cmd[2], res[2], st = -1;
        sd_event *e = NULL;
        OomWatch *w = NULL;
        Seen s = {};
        pid_t init;
        uint64_t v;
        char c;

        snprintf(cg, sizeof(cg), "%s/test-oomwatch-%d", V1_MEMORY_ROOT, (int) getpid());
        ck_assert_msg(mkdir(cg, 0755) == 0, "mkdir %s: %s", cg, strerror(errno));
        write_path(cg, "memory.limit_in_bytes", "16777216");
        ck_assert_int_eq(pipe(cmd), 0);
        ck_assert_int_eq(pipe(res), 0);

        init = fork();
        ck_assert_int_ge(init, 0);
        if (init == 0) {
                close(cmd[1]);
                close(res[0]);
                init_main(cg, cmd[0], res[1]);
        }
        close(cmd[0]);
        close(res[1]);
        ck_assert_int_eq(read(res[0], &c, 1), 1); /* the init is in the cgroup */

        ck_assert_int_ge(sd_event_new(&e), 0);
        ck_assert_int_eq(oomwatch_new(e, cg, NULL, 0, on_oom, &s, &w), 0);
        ck_assert_str_eq(oomwatch_kind(w), "v1");
        ck_assert_uint_eq(oomwatch_baseline(w), 0);

        /* a child goes past the limit: it is OOM-killed, the init lives on */
        ck_assert_int_eq(write(cmd[1], "x", 1), 1);
        ck_assert_int_eq(read(res[0], &st, sizeof(st)), (ssize_t) sizeof(st));
        ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "child wait status 0x%x, not SIGKILL", st);
        run_until(e, &s, 1, 5 * 1000 * 1000);
        ck_assert_uint_eq(s.calls, 1);
        ck_assert_uint_eq(s.last, 1);
        ck_assert_int_eq(kill(init, 0), 0);
        ck_assert_uint_ge(oomwatch_notifications(w), 1);
        ck_assert(oomwatch_oom_seen(w));

        /* a second one */
        ck_assert_int_eq(write(cmd[1], "x", 1), 1);
        ck_assert_int_eq(read(res[0], &st, sizeof(st)), (ssize_t) sizeof(st));
        run_until(e, &s, 2, 5 * 1000 * 1000);
        ck_assert_uint_eq(s.calls, 2);
        ck_assert_uint_eq(s.last, 2);

        /* the init exits, the cgroup is removed: the eventfd fires, the counter reads ENODEV */
        close(cmd[1]);
        ck_assert_int_eq(waitpid(init, &st, 0), init);
        ck_assert_int_eq(rmdir(cg), 0);
        run_until(e, &s, 3, 300 * 1000);
        ck_assert_uint_eq(s.calls, 2);
        ck_assert_int_eq(oomwatch_refresh(w, &v), -ENODEV);
        ck_assert_uint_eq(v, 2);
        ck_assert(oomwatch_oom_seen(w));

        w = oomwatch_free(w);
        e = sd_event_unref(e);
        close(res[0]);
}
END_TEST

/* No OOM, then the cgroup's removal: its eventfd signal is not taken for an OOM. */
START_TEST(test_v1_removal_is_not_oom) {
        char cg[128];
        sd_event *e = NULL;
        OomWatch *w = NULL;
        Seen s = {};
        uint64_t v, deadline;

        snprintf(cg, sizeof(cg), "%s/test-oomwatch-rm-%d", V1_MEMORY_ROOT, (int) getpid());
        ck_assert_msg(mkdir(cg, 0755) == 0, "mkdir %s: %s", cg, strerror(errno));
        ck_assert_int_ge(sd_event_new(&e), 0);
        ck_assert_int_eq(oomwatch_new(e, cg, NULL, 0, on_oom, &s, &w), 0);
        ck_assert_int_eq(oomwatch_refresh(w, &v), 0);
        ck_assert_int_eq(rmdir(cg), 0);
        /* the removal signal arrives from a kernel work item: wait until the watch knows */
        deadline = mono_usec() + 5 * 1000 * 1000;
        while (oomwatch_refresh(w, &v) != -ENODEV && mono_usec() < deadline)
                ck_assert_int_ge(sd_event_run(e, 20 * 1000), 0);
        ck_assert_int_eq(oomwatch_refresh(w, &v), -ENODEV);
        run_until(e, &s, 1, 100 * 1000);
        ck_assert_uint_eq(s.calls, 0);
        ck_assert_uint_eq(oomwatch_notifications(w), 0);
        ck_assert(!oomwatch_oom_seen(w));
        w = oomwatch_free(w);
        e = sd_event_unref(e);
}
END_TEST

/* A read-only cgroup tree (the shipped unit's ProtectControlGroups=yes; here a private mount
 * namespace with the v1 memory hierarchy remounted read-only): cgroup.event_control cannot be
 * written, and the watch keeps the counter and its baseline. No handler call for a child's kill,
 * but the exit-time read (oomwatch_refresh) sees it. */
START_TEST(test_v1_read_only_tree) {
        char cg[128];
        int cmd[2], res[2], st = -1;
        sd_event *e = NULL;
        OomWatch *w = NULL;
        Seen s = {};
        pid_t init;
        uint64_t v = 0;
        char c;

        snprintf(cg, sizeof(cg), "%s/test-oomwatch-ro-%d", V1_MEMORY_ROOT, (int) getpid());
        ck_assert_msg(mkdir(cg, 0755) == 0, "mkdir %s: %s", cg, strerror(errno));
        write_path(cg, "memory.limit_in_bytes", "16777216");
        ck_assert_int_eq(pipe(cmd), 0);
        ck_assert_int_eq(pipe(res), 0);
        init = fork();
        ck_assert_int_ge(init, 0);
        if (init == 0) {
                close(cmd[1]);
                close(res[0]);
                init_main(cg, cmd[0], res[1]);
        }
        close(cmd[0]);
        close(res[1]);
        ck_assert_int_eq(read(res[0], &c, 1), 1);

        ck_assert_msg(unshare(CLONE_NEWNS) == 0, "unshare: %s", strerror(errno));
        ck_assert_int_eq(mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL), 0);
        ck_assert_msg(mount("none", V1_MEMORY_ROOT, "none", MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) == 0,
                      "remount %s read-only: %s", V1_MEMORY_ROOT, strerror(errno));

        ck_assert_int_ge(sd_event_new(&e), 0);
        ck_assert_int_eq(oomwatch_new(e, cg, NULL, 0, on_oom, &s, &w), 0);
        ck_assert_str_eq(oomwatch_kind(w), "v1");
        ck_assert_int_eq(oomwatch_notify_error(w), -EROFS);
        ck_assert_uint_eq(oomwatch_n_fds(w), 1);
        ck_assert_uint_eq(oomwatch_baseline(w), 0);
        ck_assert(!oomwatch_oom_seen(w));

        ck_assert_int_eq(write(cmd[1], "x", 1), 1);
        ck_assert_int_eq(read(res[0], &st, sizeof(st)), (ssize_t) sizeof(st));
        ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "child wait status 0x%x, not SIGKILL", st);
        run_until(e, &s, 1, 300 * 1000);
        ck_assert_uint_eq(s.calls, 0);
        ck_assert_int_eq(oomwatch_refresh(w, &v), 0);
        ck_assert_uint_eq(v, 1);
        ck_assert(oomwatch_oom_seen(w));
        ck_assert_uint_eq(oomwatch_notifications(w), 0);

        w = oomwatch_free(w);
        e = sd_event_unref(e);
        /* writable again (in this namespace), so that the cgroup can go */
        ck_assert_int_eq(mount("none", V1_MEMORY_ROOT, "none", MS_REMOUNT | MS_BIND, NULL), 0);
        close(cmd[1]);
        ck_assert_int_eq(waitpid(init, &st, 0), init);
        ck_assert_int_eq(rmdir(cg), 0);
        close(res[0]);
}
END_TEST

static Suite *oomwatch_suite(void) {
        Suite *s = suite_create("oomwatch");
        TCase *tc;

        tc = tcase_create("parse");
        tcase_add_test(tc, test_parse_fixtures);
        tcase_add_test(tc, test_parse_generated);
        suite_add_tcase(s, tc);

        tc = tcase_create("v2-file");
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_v2_file);
        suite_add_tcase(s, tc);

        if (v1_memory_usable()) {
                tc = tcase_create("v1-cgroup");
                tcase_set_timeout(tc, 60);
                tcase_add_test(tc, test_v1_real_oom);
                tcase_add_test(tc, test_v1_removal_is_not_oom);
                tcase_add_test(tc, test_v1_read_only_tree);
                suite_add_tcase(s, tc);
        } else
                fprintf(stderr, "test-oomwatch: not root or no cgroup v1 memory controller at "
                        V1_MEMORY_ROOT ": the real OOM test is not run\n");
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(oomwatch_suite());
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
