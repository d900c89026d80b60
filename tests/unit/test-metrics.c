/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for daemon/metrics.c: the exposition text (checked by Prometheus' own promtool), the
 * atomic rewrite, the once-a-second limit driven through metrics_tick() with chosen times and
 * through a real sd-event loop, one report for a directory that cannot be written (read-only and
 * full tmpfs mounts in a private mount namespace when root, a 0555 directory otherwise), the
 * per-container cap and the persistent form.
 */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "metrics-test.h"
#include "journal.h"
#include "util/cleanup.h"
#include "util/fileio.h"

static char tmpdir[] = "/tmp/test-metrics-XXXXXX";
static char path[sizeof(tmpdir) + 64];

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st;
        (void) flag;
        (void) ftw;
        return remove(p);
}

static void setup(void) {
        strcpy(tmpdir, "/tmp/test-metrics-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
        snprintf(path, sizeof(path), "%s/container-watchd.prom", tmpdir);
}

static void teardown(void) {
        (void) umount2(tmpdir, MNT_DETACH);
        (void) chmod(tmpdir, 0755);
        (void) nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
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

static void count(Metrics *m, const char *event, ...) {
        Event ev;
        va_list ap;
        const char *k;

        make_event(&ev, event, NULL);
        va_start(ap, event);
        while ((k = va_arg(ap, const char *))) {
                const char *v = va_arg(ap, const char *);

                ck_assert_int_eq(event_add(&ev, k, v), 0);
        }
        va_end(ap);
        metrics_count_event(m, &ev);
        event_clear(&ev);
}

/* A few events of every kind. */
static void count_some(Metrics *m) {
        count(m, "started", "CONTAINER_NAME", "web", "CONTAINER_MANAGER", "docker", NULL);
        count(m, "started", "CONTAINER_NAME", "web", "CONTAINER_MANAGER", "docker", NULL);
        count(m, "exited", "CONTAINER_NAME", "web", "CONTAINER_MANAGER", "docker", "EXIT_CODE", "exited",
              "EXIT_STATUS", "1", NULL);
        count(m, "exited", "CONTAINER_NAME", "web", "CONTAINER_MANAGER", "docker", "EXIT_CODE", "killed",
              "EXIT_STATUS", "9", "EXIT_SIGNAL", "SIGKILL", "OOM_KILLED", "1", NULL);
        count(m, "oom", "CONTAINER_NAME", "db", "CONTAINER_MANAGER", "podman", NULL);
        count(m, "oom", "CONTAINER_NAME", "db", "CONTAINER_MANAGER", "podman", "OOM_SCOPE", "ancestor",
              "OOM_VICTIM_IS_INIT", "0", NULL);
        count(m, "exited", "CONTAINER_ID_FULL", "r1", "EXIT_CODE", "killed", "EXIT_STATUS", "15", "EXIT_SIGNAL",
              "SIGTERM", "DEATH_REASON", "stopped", NULL);
        count(m, "crashloop", "CONTAINER_NAME", "web", "CONTAINER_MANAGER", "docker", NULL);
        metrics_set_tracked(m, 3);
        metrics_set_queue_length(m, 2);
        metrics_set_events_dropped(m, 4);
}

static char *read_text(const char *p) {
        char *buf = NULL;
        size_t len = 0;

        ck_assert_msg(read_file_path(p, 1 << 20, &buf, &len) == 0, "cannot read %s", p);
        return buf;
}

static void assert_has(const char *text, const char *line) {
        ck_assert_msg(strstr(text, line), "no '%s' in:\n%s", line, text);
}

/* promtool check metrics (Debian "prometheus") on text: 0 when it has nothing to say. */
static void assert_promtool_clean(const char *text) {
        char cmd[sizeof(tmpdir) + 128], out[sizeof(tmpdir) + 32];
        _cleanup_free_ char *verdict = NULL;
        FILE *f;
        int st;

        if (system("command -v promtool >/dev/null") != 0) {
                ck_assert_msg(!getenv("CI"), "promtool is missing (Debian package prometheus)");
                fprintf(stderr, "promtool not found: skipping its check\n");
                return;
        }
        snprintf(out, sizeof(out), "%s/promtool.out", tmpdir);
        snprintf(cmd, sizeof(cmd), "promtool check metrics >%s 2>&1", out);
        f = popen(cmd, "we");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_ge(fputs(text, f), 0);
        st = pclose(f);
        verdict = read_text(out);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0 && verdict[0] == '\0', "promtool: %s\n%s", verdict, text);
}

START_TEST(test_format) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(metrics_freep) Metrics *m = NULL;
        _cleanup_free_ char *text = NULL, *down = NULL;

        ck_assert_int_eq(sd_event_new(&e), 0);
        ck_assert_int_eq(metrics_new(e, path, false, 0, &m), 0);
        count_some(m);
        ck_assert_int_eq(metrics_format(m, true, &text), 0);
        assert_has(text, "# HELP container_watchd_container_events_total ");
        assert_has(text, "\n# TYPE container_watchd_container_events_total counter\n");
        assert_has(text, "\ncontainer_watchd_container_events_total{event=\"started\",manager=\"docker\"} 2\n");
        assert_has(text, "\ncontainer_watchd_container_events_total{event=\"oom\",manager=\"podman\"} 2\n");
        assert_has(text, "\ncontainer_watchd_container_events_total{event=\"exited\",manager=\"runc\"} 1\n");
        assert_has(text, "\ncontainer_watchd_container_exits_total{manager=\"docker\",reason=\"failed\",signal=\"\"} 1\n");
        assert_has(text, "\ncontainer_watchd_container_exits_total{manager=\"docker\",reason=\"oom-killed\",signal=\"SIGKILL\"} 1\n");
        assert_has(text, "\ncontainer_watchd_container_exits_total{manager=\"runc\",reason=\"stopped\",signal=\"SIGTERM\"} 1\n");
        assert_has(text, "\ncontainer_watchd_oom_kills_total{manager=\"docker\",scope=\"unknown\",victim=\"init\"} 1\n");
        assert_has(text, "\ncontainer_watchd_oom_kills_total{manager=\"podman\",scope=\"unknown\",victim=\"child\"} 1\n");
        assert_has(text, "\ncontainer_watchd_oom_kills_total{manager=\"podman\",scope=\"ancestor\",victim=\"child\"} 1\n");
        assert_has(text, "\n# TYPE container_watchd_crashloops_total counter\ncontainer_watchd_crashloops_total{manager=\"docker\"} 1\n");
        assert_has(text, "\n# TYPE container_watchd_containers_tracked gauge\ncontainer_watchd_containers_tracked 3\n");
        assert_has(text, "\ncontainer_watchd_journal_queue_length 2\n");
        assert_has(text, "\n# TYPE container_watchd_events_dropped_total counter\ncontainer_watchd_events_dropped_total 4\n");
        assert_has(text, "\n# TYPE container_watchd_start_time_seconds gauge\ncontainer_watchd_start_time_seconds 1");
        assert_has(text, "\n# TYPE container_watchd_up gauge\ncontainer_watchd_up 1\n");
        /* no container is named without MetricsPerContainer= */
        ck_assert_ptr_null(strstr(text, "web"));
        ck_assert_ptr_null(strstr(text, "name="));
        assert_promtool_clean(text);

        ck_assert_int_eq(metrics_format(m, false, &down), 0);
        assert_has(down, "\ncontainer_watchd_up 0\n");
        assert_promtool_clean(down);
}
END_TEST

START_TEST(test_empty_format) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(metrics_freep) Metrics *m = NULL;
        _cleanup_free_ char *text = NULL;

        ck_assert_int_eq(sd_event_new(&e), 0);
        ck_assert_int_eq(metrics_new(e, path, false, 0, &m), 0);
        ck_assert(!metrics_is_dirty(m));
        ck_assert_int_eq(metrics_format(m, true, &text), 0);
        assert_has(text, "\ncontainer_watchd_events_dropped_total 0\n");
        assert_promtool_clean(text);
        ck_assert_int_eq(access(path, F_OK), -1); /* nothing written before a change */
}
END_TEST

START_TEST(test_per_container_and_escaping) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(metrics_freep) Metrics *m = NULL;
        _cleanup_free_ char *text = NULL;

        ck_assert_int_eq(sd_event_new(&e), 0);
        ck_assert_int_eq(metrics_new(e, path, true, 2, &m), 0);
        count(m, "started", "CONTAINER_NAME", "a\"b\\c\nd", "CONTAINER_MANAGER", "docker", NULL);
        count(m, "started", "CONTAINER_NAME", "bad\xff", "CONTAINER_MANAGER", "docker", NULL);
        count(m, "exited", "CONTAINER_MANAGER", "kubernetes", "K8S_POD_NAMESPACE", "ns", "K8S_POD_NAME", "p",
              "K8S_CONTAINER_NAME", "c", "EXIT_CODE", "exited", "EXIT_STATUS", "0", NULL);
        ck_assert_int_eq(metrics_format(m, true, &text), 0);
        /* the cap is 2: the first name (seen longest ago) has made room for the third */
        ck_assert_ptr_null(strstr(text, "a\\\"b"));
        assert_has(text, "container_watchd_container_events_total{event=\"started\",manager=\"docker\",name=\"bad\\\\xff\"} 1\n");
        assert_has(text, "container_watchd_container_exits_total{manager=\"kubernetes\",reason=\"exited\",signal=\"\",name=\"ns/p/c\"} 1\n");
        assert_promtool_clean(text);
        text = (free(text), NULL);

        m = metrics_free(m);
        ck_assert_int_eq(metrics_new(e, path, true, 5, &m), 0);
        count(m, "started", "CONTAINER_NAME", "a\"b\\c\nd", "CONTAINER_MANAGER", "docker", NULL);
        ck_assert_int_eq(metrics_format(m, true, &text), 0);
        assert_has(text, "{event=\"started\",manager=\"docker\",name=\"a\\\"b\\\\c\\nd\"} 1\n");
        assert_promtool_clean(text);
}
END_TEST

START_TEST(test_atomic_rewrite) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(metrics_freep) Metrics *m = NULL;
        _cleanup_free_ char *want = NULL, *got = NULL;
        struct stat st1, st2;
        char tmp[sizeof(path) + 8];
        int fd;

        (void) umask(0077); /* as the unit's UMask= */
        ck_assert_int_eq(sd_event_new(&e), 0);
        ck_assert_int_eq(metrics_new(e, path, false, 0, &m), 0);
        count_some(m);
        ck_assert_int_eq(metrics_flush(m, true), 0);
        ck_assert_int_eq(metrics_format(m, true, &want), 0);
        got = read_text(path);
        ck_assert_str_eq(got, want);
        ck_assert_int_eq(stat(path, &st1), 0);
        ck_assert_uint_eq(st1.st_mode & 07777, 0644);
        snprintf(tmp, sizeof(tmp), "%s/.container-watchd.prom.tmp", tmpdir);
        ck_assert_int_eq(access(tmp, F_OK), -1);

        /* a reader that has the old file open keeps reading all of the old one */
        fd = open(path, O_RDONLY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        count(m, "started", "CONTAINER_MANAGER", "crio", NULL);
        /* a stale temporary file (a crash) does not stop the next write */
        ck_assert_int_eq(symlink("/etc/passwd", tmp), 0);
        ck_assert_int_eq(metrics_flush(m, false), 0);
        ck_assert_int_eq(stat(path, &st2), 0);
        ck_assert_uint_ne(st1.st_ino, st2.st_ino);
        {
                char buf[65536];
                ssize_t k = pread(fd, buf, sizeof(buf) - 1, 0);

                ck_assert_int_gt(k, 0);
                buf[k] = 0;
                ck_assert_str_eq(buf, want);
        }
        close(fd);
        free(got);
        got = read_text(path);
        assert_has(got, "manager=\"crio\"} 1\n");
        assert_has(got, "\ncontainer_watchd_up 0\n");
        ck_assert_int_eq(access(tmp, F_OK), -1);
}
END_TEST

static unsigned n_reports, n_writes;
static int last_error;
static void on_written(Metrics *m, int error, bool first, void *userdata) {
        (void) m;
        (void) userdata;
        n_writes++;
        if (first)
                n_reports++;
        last_error = error;
}

START_TEST(test_rate_limit) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(metrics_freep) Metrics *m = NULL;
        struct stat st;
        uint64_t t0;
        ino_t ino;

        n_writes = n_reports = 0;
        ck_assert_int_eq(sd_event_new(&e), 0);
        ck_assert_int_eq(metrics_new(e, path, false, 0, &m), 0);
        metrics_set_callback(m, on_written, NULL);

        /* the first change arms the timer for now, and writes nothing by itself */
        count(m, "started", NULL);
        ck_assert(metrics_is_dirty(m));
        t0 = metrics_armed_usec(m);
        ck_assert_uint_gt(t0, 0);
        ck_assert_int_eq(access(path, F_OK), -1);
        /* the real loop runs the timer: due now, so no waiting */
        ck_assert_int_ge(sd_event_run(e, 0), 0);
        ck_assert_int_eq(access(path, F_OK), 0);
        ck_assert_uint_eq(n_writes, 1);
        ck_assert(!metrics_is_dirty(m));
        ck_assert_uint_eq(metrics_armed_usec(m), 0); /* nothing to write: not armed */
        ck_assert_int_eq(stat(path, &st), 0);
        ino = st.st_ino;

        /* the time the loop wrote at is the base from now on; drive it by hand */
        ck_assert_int_eq(metrics_tick(m, t0 + 100), 0); /* clean: nothing */
        ck_assert_uint_eq(n_writes, 1);
        count(m, "started", NULL);
        count(m, "exited", NULL);
        ck_assert_uint_ge(metrics_armed_usec(m), t0 + METRICS_INTERVAL_USEC - 1);
        ck_assert_int_eq(metrics_tick(m, t0 + METRICS_INTERVAL_USEC / 2), 0);
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_uint_eq(st.st_ino, ino); /* not rewritten within the second */
        ck_assert_uint_eq(n_writes, 1);
        ck_assert_uint_gt(metrics_armed_usec(m), 0);
        ck_assert_int_eq(metrics_tick(m, metrics_armed_usec(m)), 1);
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_uint_ne(st.st_ino, ino);
        ck_assert_uint_eq(n_writes, 2);
        ck_assert_uint_eq(metrics_armed_usec(m), 0);
        /* an unchanged gauge is no change */
        metrics_set_tracked(m, 0);
        ck_assert(!metrics_is_dirty(m));
        ck_assert_int_eq(metrics_tick(m, t0 + 60 * USEC_PER_SEC), 0);
        ck_assert_uint_eq(n_writes, 2);
        ck_assert_uint_eq(n_reports, 0); /* no failure, nothing to report */
}
END_TEST

/* A directory that cannot be written: as root a read-only or a full tmpfs in a private mount
 * namespace (check forks each test), else a 0555 directory. */
static const char *const unwritable[] = { "read-only", "full" };

START_TEST(test_unwritable_dir) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(metrics_freep) Metrics *m = NULL;
        bool full = _i == 1;

        bool mounted = geteuid() == 0 && unshare(CLONE_NEWNS) == 0;

        if (mounted) {
                ck_assert_int_eq(mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL), 0);
                ck_assert_int_eq(mount("tmpfs", tmpdir, "tmpfs", full ? 0 : MS_RDONLY, full ? "size=8k" : "size=64k"), 0);
                if (full) {
                        /* fill it up */
                        char fill[sizeof(tmpdir) + 8], block[1024] = {};
                        int fd;

                        snprintf(fill, sizeof(fill), "%s/fill", tmpdir);
                        fd = open(fill, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
                        ck_assert_int_ge(fd, 0);
                        while (write(fd, block, sizeof(block)) > 0)
                                ;
                        close(fd);
                }
        } else {
                if (full)
                        return; /* needs a mount */
                ck_assert_int_eq(chmod(tmpdir, 0555), 0);
        }
        n_writes = n_reports = 0;
        ck_assert_int_eq(sd_event_new(&e), 0);
        ck_assert_int_eq(metrics_new(e, path, false, 0, &m), 0);
        metrics_set_callback(m, on_written, NULL);
        count(m, "started", NULL);
        ck_assert_int_lt(metrics_tick(m, 1000 * USEC_PER_SEC), 0);
        ck_assert_int_eq(last_error, full ? -ENOSPC : (mounted ? -EROFS : -EACCES));
        /* retried later, never reported again, the counting goes on */
        for (int i = 1; i <= 5; i++) {
                count(m, "exited", NULL);
                ck_assert_int_eq(metrics_tick(m, 1000 * USEC_PER_SEC + (uint64_t) i * METRICS_INTERVAL_USEC), 0);
                ck_assert_int_lt(metrics_tick(m, 1000 * USEC_PER_SEC + (uint64_t) i * METRICS_RETRY_USEC), 0);
        }
        ck_assert_uint_eq(n_writes, 6);
        ck_assert_uint_eq(n_reports, 1);
        ck_assert(metrics_is_dirty(m));
        ck_assert_uint_gt(metrics_armed_usec(m), 0);
        ck_assert_int_eq(access(path, F_OK), -1);

        /* writable again: written with everything counted meanwhile, and that is said once */
        if (mounted) {
                char fill[sizeof(tmpdir) + 8];

                snprintf(fill, sizeof(fill), "%s/fill", tmpdir);
                if (full)
                        ck_assert_int_eq(unlink(fill), 0);
                else
                        ck_assert_int_eq(mount("tmpfs", tmpdir, "tmpfs", MS_REMOUNT, "size=64k"), 0);
        } else
                ck_assert_int_eq(chmod(tmpdir, 0755), 0);
        ck_assert_int_eq(metrics_tick(m, 2000 * USEC_PER_SEC), 1);
        ck_assert_int_eq(last_error, 0);
        ck_assert_uint_eq(n_reports, 2);
        {
                _cleanup_free_ char *text = read_text(path);

                assert_has(text, "container_watchd_container_events_total{event=\"exited\",manager=\"runc\"} 5\n");
        }
        ck_assert_int_eq(metrics_tick(m, 2100 * USEC_PER_SEC), 0);
        ck_assert_uint_eq(n_reports, 2);
}
END_TEST

START_TEST(test_persist) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(metrics_freep) Metrics *m = NULL, *m2 = NULL, *m3 = NULL;
        _cleanup_free_ char *a = NULL, *b = NULL;
        json_t *j;

        ck_assert_int_eq(sd_event_new(&e), 0);
        ck_assert_int_eq(metrics_new(e, path, false, 0, &m), 0);
        count_some(m);
        j = metrics_to_json(m);
        ck_assert_ptr_nonnull(j);

        /* a restarted daemon: the counters go on, the gauges are its own */
        ck_assert_int_eq(metrics_new(e, path, false, 0, &m2), 0);
        ck_assert_int_eq(metrics_restore_json(m2, j), 1);
        metrics_set_tracked(m2, 3);
        metrics_set_queue_length(m2, 2);
        ck_assert_int_eq(metrics_format(m, true, &a), 0);
        ck_assert_int_eq(metrics_format(m2, true, &b), 0);
        /* identical up to the start time, which is the last but one sample */
        *strstr(a, "# HELP container_watchd_start_time_seconds") = 0;
        *strstr(b, "# HELP container_watchd_start_time_seconds") = 0;
        ck_assert_str_eq(a, b);
        metrics_set_events_dropped(m2, 1);
        free(b);
        ck_assert_int_eq(metrics_format(m2, true, &b), 0);
        assert_has(b, "\ncontainer_watchd_events_dropped_total 5\n");

        /* saved with another MetricsPerContainer=: a clean reset */
        ck_assert_int_eq(metrics_new(e, path, true, 0, &m3), 0);
        ck_assert_int_eq(metrics_restore_json(m3, j), 0);
        free(b);
        ck_assert_int_eq(metrics_format(m3, true, &b), 0);
        ck_assert_ptr_null(strstr(b, "manager="));
        /* not ours */
        ck_assert_int_eq(metrics_restore_json(m3, json_object_get(j, "series")), 0);
        json_decref(j);
}
END_TEST

static Suite *metrics_suite(void) {
        Suite *s = suite_create("metrics");
        TCase *tc = tcase_create("core");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_format);
        tcase_add_test(tc, test_empty_format);
        tcase_add_test(tc, test_per_container_and_escaping);
        tcase_add_test(tc, test_atomic_rewrite);
        tcase_add_test(tc, test_rate_limit);
        tcase_add_loop_test(tc, test_unwritable_dir, 0, (int) ELEMENTSOF(unwritable));
        tcase_add_test(tc, test_persist);
        tcase_set_timeout(tc, 60);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(metrics_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
