/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for daemon/runtime-exit.c: conmon exit files captured from podman 4.3.1 + conmon 2.1.6
 * (tests/fixtures/podman/exit-file.*), generated contents, and the wait for a file that
 * appears the way conmon writes it (a temporary file renamed into place), that appears before the
 * wait starts, or that never comes.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runtime-exit.h"
#include "util/fileio.h"
#include "util/cleanup.h"

static int parse(const char *s, ExitStatus *st) {
        size_t n = strlen(s);
        _cleanup_free_ char *copy = malloc(n ? n : 1); /* exact size, no NUL */

        ck_assert_ptr_nonnull(copy);
        memcpy(copy, s, n);
        return runtime_exit_parse(copy, n, st);
}

static void assert_status(const ExitStatus *st, ExitCode code, int status) {
        ck_assert_int_eq(st->code, code);
        ck_assert_int_eq(st->status, status);
        ck_assert_int_eq(st->source, EXIT_SOURCE_RUNTIME);
}

START_TEST(test_parse) {
        ExitStatus st;

        ck_assert_int_eq(parse("0", &st), 0);
        assert_status(&st, EXIT_CODE_EXITED, 0);
        ck_assert_int_eq(parse("3\n", &st), 0);
        assert_status(&st, EXIT_CODE_EXITED, 3);
        ck_assert_int_eq(parse("128", &st), 0);
        assert_status(&st, EXIT_CODE_EXITED, 128);
        ck_assert_int_eq(parse("137", &st), 0);
        assert_status(&st, EXIT_CODE_KILLED, SIGKILL);
        ck_assert_int_eq(parse("143", &st), 0);
        assert_status(&st, EXIT_CODE_KILLED, SIGTERM);
        ck_assert_int_eq(parse("192", &st), 0);
        assert_status(&st, EXIT_CODE_KILLED, 64);
        ck_assert_int_eq(parse("193", &st), 0);
        assert_status(&st, EXIT_CODE_EXITED, 193);
        ck_assert_int_eq(parse("255", &st), 0);
        assert_status(&st, EXIT_CODE_EXITED, 255);

        ck_assert_int_eq(parse("", &st), -EBADMSG);
        ck_assert_int_eq(parse("\n", &st), -EBADMSG);
        ck_assert_int_eq(parse("256", &st), -EBADMSG);
        ck_assert_int_eq(parse("1000", &st), -EBADMSG);
        ck_assert_int_eq(parse("-1", &st), -EBADMSG);
        ck_assert_int_eq(parse(" 1", &st), -EBADMSG);
        ck_assert_int_eq(parse("1 ", &st), -EBADMSG);
        ck_assert_int_eq(parse("1\n\n", &st), -EBADMSG);
        ck_assert_int_eq(parse("0x1", &st), -EBADMSG);
}
END_TEST

START_TEST(test_fixtures) {
        ExitStatus st;

        ck_assert_int_eq(runtime_exit_read(FIXTURES_DIR "/podman", "exit-file.sigkill", &st), 0);
        assert_status(&st, EXIT_CODE_KILLED, SIGKILL);
        ck_assert_int_eq(runtime_exit_read(FIXTURES_DIR "/podman", "exit-file.exit3", &st), 0);
        assert_status(&st, EXIT_CODE_EXITED, 3);
        ck_assert_int_eq(runtime_exit_read(FIXTURES_DIR "/podman", "no-such-id", &st), -ENOENT);
        ck_assert_int_eq(runtime_exit_read(FIXTURES_DIR "/podman", "state.json", &st), -EBADMSG);
        ck_assert_int_eq(runtime_exit_read(FIXTURES_DIR "/podman", "../podman/exit-file.exit3", &st), -EINVAL);
        ck_assert_int_eq(runtime_exit_read("/nonexistent-dir", "x", &st), -ENOENT);
}
END_TEST

START_TEST(test_dirs) {
        ck_assert_str_eq(runtime_exit_dir("podman"), "/run/libpod/exits");
        ck_assert_str_eq(runtime_exit_dir("cri-o"), "/run/crio/exits");
        ck_assert_ptr_null(runtime_exit_dir("docker"));
        ck_assert_ptr_null(runtime_exit_dir("kubernetes"));
        ck_assert_ptr_null(runtime_exit_dir(NULL));
}
END_TEST

/* ---------------------------------------------------------------- waiting */

typedef struct Got {
        unsigned calls;
        bool has_status;
        ExitStatus st;
} Got;

static void on_exit_file(RuntimeExitWait *w, const ExitStatus *st, void *userdata) {
        Got *g = userdata;

        g->calls++;
        g->has_status = st != NULL;
        if (st)
                g->st = *st;
        runtime_exit_wait_free(w); /* the handler may free the wait */
}

static uint64_t mono_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static void run_until(sd_event *e, Got *g, uint64_t timeout_usec) {
        uint64_t deadline = mono_usec() + timeout_usec;

        while (g->calls == 0 && mono_usec() < deadline)
                ck_assert_int_ge(sd_event_run(e, 20 * 1000), 0);
}

/* Write dir/name as conmon does: a temporary file, then rename. */
static void conmon_write(const char *dir, const char *name, const char *text) {
        char tmpf[256], final[256];
        int fd;

        snprintf(tmpf, sizeof(tmpf), "%s/%s.XXXXXX", dir, name);
        snprintf(final, sizeof(final), "%s/%s", dir, name);
        fd = mkstemp(tmpf);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        ck_assert_int_eq(close(fd), 0);
        ck_assert_int_eq(rename(tmpf, final), 0);
}

typedef struct Later {
        const char *dir, *name, *text;
} Later;

static int on_later(sd_event_source *s, uint64_t usec, void *userdata) {
        Later *l = userdata;

        (void) usec;
        conmon_write(l->dir, "other-id", "1");   /* another container's exit first */
        conmon_write(l->dir, l->name, l->text);
        sd_event_source_unref(s);
        return 0;
}

START_TEST(test_wait) {
        char dir[] = "/tmp/test-runtime-exit.XXXXXX";
        RuntimeExitWait *w = NULL;
        sd_event *e = NULL;
        ExitStatus now;
        Later later;
        Got g = {};
        uint64_t t0;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        ck_assert_int_ge(sd_event_new(&e), 0);

        /* the file comes 100 ms later, renamed into place */
        later = (Later) { dir, "c1", "137" };
        ck_assert_int_ge(sd_event_add_time_relative(e, NULL, CLOCK_MONOTONIC, 100 * 1000, 0, on_later, &later), 0);
        ck_assert_int_eq(runtime_exit_wait(e, dir, "c1", 5 * 1000 * 1000, on_exit_file, &g, &w, &now), 0);
        ck_assert_ptr_nonnull(w);
        t0 = mono_usec();
        run_until(e, &g, 5 * 1000 * 1000);
        ck_assert_uint_eq(g.calls, 1);
        ck_assert(g.has_status);
        assert_status(&g.st, EXIT_CODE_KILLED, SIGKILL);
        ck_assert_uint_lt(mono_usec() - t0, 2 * 1000 * 1000);

        /* already there: no wait object, the status at once */
        w = NULL;
        g = (Got) {};
        ck_assert_int_eq(runtime_exit_wait(e, dir, "c1", 5 * 1000 * 1000, on_exit_file, &g, &w, &now), 1);
        ck_assert_ptr_null(w);
        assert_status(&now, EXIT_CODE_KILLED, SIGKILL);

        /* never comes: NULL after the timeout, not before */
        g = (Got) {};
        t0 = mono_usec();
        ck_assert_int_eq(runtime_exit_wait(e, dir, "c2", 200 * 1000, on_exit_file, &g, &w, &now), 0);
        run_until(e, &g, 5 * 1000 * 1000);
        ck_assert_uint_eq(g.calls, 1);
        ck_assert(!g.has_status);
        ck_assert_uint_ge(mono_usec() - t0, 200 * 1000);

        /* cancelled: no call */
        g = (Got) {};
        ck_assert_int_eq(runtime_exit_wait(e, dir, "c3", 50 * 1000, on_exit_file, &g, &w, &now), 0);
        w = runtime_exit_wait_free(w);
        run_until(e, &g, 200 * 1000);
        ck_assert_uint_eq(g.calls, 0);

        /* errors */
        ck_assert_int_eq(runtime_exit_wait(e, "/nonexistent-dir", "c4", 1000, on_exit_file, &g, &w, &now), -ENOENT);
        ck_assert_int_eq(runtime_exit_wait(e, dir, "..", 1000, on_exit_file, &g, &w, &now), -EINVAL);
        ck_assert_int_eq(runtime_exit_wait(e, dir, "a/b", 1000, on_exit_file, &g, &w, &now), -EINVAL);

        e = sd_event_unref(e);
        (void) unlink(strcat(strcpy((char[256]) {}, dir), "/c1"));
        (void) unlink(strcat(strcpy((char[256]) {}, dir), "/other-id"));
        ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* Docker's record: config.v2.json of a running container first (ignored), then the stopped one,
 * both renamed into place as dockerd writes them (real files, tests/fixtures/docker). */
typedef struct DockerLater {
        const char *dir;
        char *running, *exited;
} DockerLater;

static int on_docker_later(sd_event_source *s, uint64_t usec, void *userdata) {
        DockerLater *l = userdata;

        (void) usec;
        conmon_write(l->dir, "config.v2.json", l->running);
        conmon_write(l->dir, "config.v2.json", l->exited);
        sd_event_source_unref(s);
        return 0;
}

static char *fixture_text(const char *name) {
        char path[512];
        char *buf = NULL;
        size_t len;

        snprintf(path, sizeof(path), "%s/docker/%s", FIXTURES_DIR, name);
        ck_assert_int_eq(read_file_path(path, 1 << 20, &buf, &len), 0);
        return buf;
}

START_TEST(test_wait_docker) {
        char root[] = "/tmp/test-runtime-exit-docker.XXXXXX", dir[256], path[300];
        const char *id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        RuntimeExitWait *w = NULL;
        sd_event *e = NULL;
        ExitStatus now;
        DockerLater later;
        Got g = {};

        ck_assert_ptr_nonnull(mkdtemp(root));
        snprintf(dir, sizeof(dir), "%s/containers", root);
        ck_assert_int_eq(mkdir(dir, 0700), 0);
        snprintf(dir, sizeof(dir), "%s/containers/%s", root, id);
        ck_assert_int_eq(mkdir(dir, 0700), 0);
        ck_assert_int_ge(sd_event_new(&e), 0);
        later = (DockerLater) { dir, fixture_text("config.v2.json"), fixture_text("config.v2.exited.json") };

        /* a running record is there already: that is no status, so the wait begins */
        conmon_write(dir, "config.v2.json", later.running);
        ck_assert_int_ge(sd_event_add_time_relative(e, NULL, CLOCK_MONOTONIC, 100 * 1000, 0, on_docker_later, &later), 0);
        ck_assert_int_eq(runtime_exit_wait_docker(e, root, 0, id, 5 * 1000 * 1000, on_exit_file, &g, &w, &now), 0);
        run_until(e, &g, 5 * 1000 * 1000);
        ck_assert_uint_eq(g.calls, 1);
        ck_assert(g.has_status);
        assert_status(&g.st, EXIT_CODE_KILLED, SIGKILL); /* ExitCode 137 */
        ck_assert_int_eq(g.st.source, EXIT_SOURCE_RUNTIME);

        /* the stopped record is there: at once */
        w = NULL;
        ck_assert_int_eq(runtime_exit_wait_docker(e, root, 0, id, 5 * 1000 * 1000, on_exit_file, &g, &w, &now), 1);
        ck_assert_ptr_null(w);
        assert_status(&now, EXIT_CODE_KILLED, SIGKILL);

        /* no such container (or --rm removed it) */
        ck_assert_int_eq(runtime_exit_wait_docker(e, root, 0, "fedcba9876543210", 1000, on_exit_file, &g, &w, &now), -ENOENT);
        ck_assert_int_eq(runtime_exit_wait_docker(e, root, 0, "../x", 1000, on_exit_file, &g, &w, &now), -EINVAL);

        e = sd_event_unref(e);
        free(later.running);
        free(later.exited);
        snprintf(path, sizeof(path), "%s/config.v2.json", dir);
        ck_assert_int_eq(unlink(path), 0);
        ck_assert_int_eq(rmdir(dir), 0);
        snprintf(path, sizeof(path), "%s/containers", root);
        ck_assert_int_eq(rmdir(path), 0);
        ck_assert_int_eq(rmdir(root), 0);
}
END_TEST

/* The CRI plugin's status checkpoint. The texts follow containerd's encoder (versionedStatus with
 * Status embedded: flat keys; pkg/cri/store/container/status.go); no CRI containerd runs here. */
START_TEST(test_cri) {
        char root[] = "/tmp/test-runtime-exit-cri.XXXXXX", dir[256], path[300];
        const char *id = "4f2a9c1e8b7d6a5c4f2a9c1e8b7d6a5c4f2a9c1e8b7d6a5c4f2a9c1e8b7d6a5c";
        const char *running = "{\"Version\":\"v1\",\"Pid\":4242,\"CreatedAt\":1764629000000000000,"
                              "\"StartedAt\":1764629000100000000,\"FinishedAt\":0,\"ExitCode\":0,"
                              "\"Reason\":\"\",\"Message\":\"\",\"Resources\":{\"linux\":{\"memory_limit_in_bytes\":16777216}}}";
        const char *oom = "{\"Version\":\"v1\",\"Pid\":4242,\"CreatedAt\":1764629000000000000,"
                          "\"StartedAt\":1764629000100000000,\"FinishedAt\":1764629003000000000,\"ExitCode\":137,"
                          "\"Reason\":\"OOMKilled\",\"Message\":\"\",\"Resources\":null}";
        const char *exit3 = "{\"Version\":\"v1\",\"Pid\":7,\"CreatedAt\":1,\"StartedAt\":2,\"FinishedAt\":3,"
                            "\"ExitCode\":3,\"Reason\":\"Error\",\"Message\":\"\"}";
        RuntimeExitWait *w = NULL;
        sd_event *e = NULL;
        ExitStatus st, now;
        Got g = {};

        ck_assert_ptr_nonnull(mkdtemp(root));
        snprintf(dir, sizeof(dir), "%s/containers", root);
        ck_assert_int_eq(mkdir(dir, 0700), 0);
        snprintf(dir, sizeof(dir), "%s/containers/%s", root, id);
        ck_assert_int_eq(mkdir(dir, 0700), 0);

        ck_assert_int_eq(runtime_exit_read_cri(root, id, &st), -ENOENT); /* no checkpoint */
        conmon_write(dir, "status", running);
        ck_assert_int_eq(runtime_exit_read_cri(root, id, &st), -ENOENT); /* not exited */
        conmon_write(dir, "status", exit3);
        ck_assert_int_eq(runtime_exit_read_cri(root, id, &st), 0);
        assert_status(&st, EXIT_CODE_EXITED, 3);
        conmon_write(dir, "status", "{\"Version\":\"v2\",\"FinishedAt\":3,\"ExitCode\":3}");
        ck_assert_int_eq(runtime_exit_read_cri(root, id, &st), -EBADMSG);
        conmon_write(dir, "status", "{\"Version\":\"v1\",\"FinishedAt\":\"3\",\"ExitCode\":3}");
        ck_assert_int_eq(runtime_exit_read_cri(root, id, &st), -EBADMSG);
        conmon_write(dir, "status", "not json");
        ck_assert_int_eq(runtime_exit_read_cri(root, id, &st), -EBADMSG);
        ck_assert_int_eq(runtime_exit_read_cri(root, "../x", &st), -EINVAL);

        /* the wait: running first, the exit a moment later */
        conmon_write(dir, "status", running);
        ck_assert_int_ge(sd_event_new(&e), 0);
        ck_assert_int_eq(runtime_exit_wait_cri(e, root, id, 5 * 1000 * 1000, on_exit_file, &g, &w, &now), 0);
        conmon_write(dir, "status", oom);
        run_until(e, &g, 5 * 1000 * 1000);
        ck_assert_uint_eq(g.calls, 1);
        ck_assert(g.has_status);
        assert_status(&g.st, EXIT_CODE_KILLED, SIGKILL);
        ck_assert_int_eq(g.st.source, EXIT_SOURCE_RUNTIME);
        ck_assert_int_eq(runtime_exit_wait_cri(e, root, "0badc0de", 1000, on_exit_file, &g, &w, &now), -ENOENT);

        e = sd_event_unref(e);
        snprintf(path, sizeof(path), "%s/status", dir);
        ck_assert_int_eq(unlink(path), 0);
        ck_assert_int_eq(rmdir(dir), 0);
        snprintf(path, sizeof(path), "%s/containers", root);
        ck_assert_int_eq(rmdir(path), 0);
        ck_assert_int_eq(rmdir(root), 0);
}
END_TEST

static Suite *runtime_exit_suite(void) {
        Suite *s = suite_create("runtime-exit");
        TCase *tc = tcase_create("files");

        tcase_add_test(tc, test_parse);
        tcase_add_test(tc, test_fixtures);
        tcase_add_test(tc, test_dirs);
        tcase_add_test(tc, test_wait);
        tcase_add_test(tc, test_wait_docker);
        tcase_add_test(tc, test_cri);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(runtime_exit_suite());
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
