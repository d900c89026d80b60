/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for daemon/util/proc-stat.c: /proc/<pid>/stat snapshots of real container inits
 * (tests/fixtures/), hand-made malformed lines, and real processes forked here: one whose comm holds
 * ") (" and spaces, zombies that exited with 7 and by SIGKILL (field 52), the ESRCH that the
 * pre-opened fd reads once the zombie is reaped, and a process SIGKILLed while frozen (cgroup v1
 * freezer): dying by field 31 before it is PF_EXITING (FACTS.md 1.10c).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/exit-status.h"
#include "util/proc-stat.h"

#ifndef FIXTURES_DIR
#error "FIXTURES_DIR must be defined"
#endif

/* Read FIXTURES_DIR/rel whole into an exact-size malloc'd buffer (no NUL). */
static char *fixture_read(const char *rel, size_t *ret_len) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -1;
        struct stat st;
        char *buf;
        ssize_t k;

        ck_assert_int_ge(asprintf(&path, "%s/%s", FIXTURES_DIR, rel), 0);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        ck_assert_msg(fd >= 0, "cannot open fixture %s: %m", path);
        ck_assert_int_eq(fstat(fd, &st), 0);
        ck_assert_int_gt(st.st_size, 0);
        buf = malloc((size_t) st.st_size);
        ck_assert_ptr_nonnull(buf);
        k = read(fd, buf, (size_t) st.st_size);
        ck_assert_int_eq(k, st.st_size);
        *ret_len = (size_t) k;
        return buf;
}

static int parse_string(const char *s, ProcStat *ret) {
        _cleanup_free_ char *b = malloc(strlen(s) + 1);

        ck_assert_ptr_nonnull(b);
        memcpy(b, s, strlen(s)); /* no NUL: the parser must stay within len */
        return proc_stat_parse(b, strlen(s), ret);
}

START_TEST(test_fixture_snapshots) {
        static const struct {
                const char *rel;
                pid_t pid, ppid;
                char state;
                uint64_t start;
                int exit_code;
        } cases[] = {
                { "runc/proc-stat.created.txt", 7742, 1, 'S', 32418, 0 },  /* comm "runc:[2:INIT]" */
                { "runc/proc-stat.running.txt", 7742, 1, 'S', 32418, 0 },
                { "runc/proc-stat.killed.txt", 7742, 1, 'Z', 32418, 9 },   /* zombie after kill -9 */
                { "crun/proc-stat.created.txt", 9307, 1, 'S', 39232, 0 },
                { "crun/proc-stat.running.txt", 9307, 1, 'S', 39232, 0 },
                { "crun/proc-stat.killed.txt", 9307, 1, 'Z', 39232, 9 },
                { "containerd/fx-k8s-pause.proc-stat.txt", 8952, 8930, 'S', 36616, 0 },
                { "containerd/fx-k8s-web.proc-stat.txt", 9012, 8930, 'S', 36684, 0 },
                { "podman/proc-stat.running.txt", 10996, 10986, 'S', 43727, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *buf = NULL;
                ProcStat st;
                size_t len;

                buf = fixture_read(cases[i].rel, &len);
                ck_assert_msg(proc_stat_parse(buf, len, &st) == 0, "%s", cases[i].rel);
                ck_assert_int_eq(st.pid, cases[i].pid);
                ck_assert_int_eq(st.ppid, cases[i].ppid);
                ck_assert_int_eq(st.state, cases[i].state);
                ck_assert_uint_eq(st.starttime, cases[i].start);
                ck_assert(st.has_exit_code);
                ck_assert_int_eq(st.exit_code, cases[i].exit_code);
        }
}
END_TEST

/* The 52-field tail of a real line, after "(comm)"; field 22 is 4242 and field 52 is 1792. */
#define TAIL " Z 1 7742 7742 0 -1 4228364 594 0 1 0 0 1 0 0 20 0 1 0 4242 0 0 18446744073709551615 " \
             "0 0 0 0 0 0 0 65536 0 1 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 1792"

START_TEST(test_comm_tricks) {
        static const char *const lines[] = {
                "7742 (sleep)" TAIL "\n",
                "7742 (sleep)" TAIL,                 /* no trailing newline */
                "7742 (a b c)" TAIL "\n",            /* spaces */
                "7742 () (x)" TAIL "\n",             /* ") (" */
                "7742 (x) Z 1 2 (y)" TAIL "\n",      /* a fake field list inside comm */
                "7742 ((((()" TAIL "\n",
                "7742 ())))))" TAIL "\n",
                "7742 ()" TAIL "\n",                 /* empty comm */
                "7742 (a\nb)" TAIL "\n",             /* newline inside comm */
        };

        for (size_t i = 0; i < ELEMENTSOF(lines); i++) {
                ProcStat st;

                ck_assert_msg(parse_string(lines[i], &st) == 0, "line %zu refused", i);
                ck_assert_int_eq(st.pid, 7742);
                ck_assert_int_eq(st.state, 'Z');
                ck_assert_int_eq(st.ppid, 1);
                ck_assert_uint_eq(st.starttime, 4242);
                ck_assert(st.has_exit_code);
                ck_assert_int_eq(st.exit_code, 1792);
        }
}
END_TEST

START_TEST(test_old_kernel_without_field_52) {
        /* Linux < 3.5 ends after field 44; only field 52 is missing, the rest still parses. */
        ProcStat st;

        ck_assert_int_eq(parse_string("1 (init) S 0 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 5 1 1 "
                                      "18446744073709551615 1 1 1 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n", &st), 0);
        ck_assert_int_eq(st.pid, 1);
        ck_assert_int_eq(st.ppid, 0);
        ck_assert_uint_eq(st.flags, 4194560);
        ck_assert_uint_eq(st.starttime, 5);
        ck_assert(!st.has_exit_code);

        /* Exactly through field 22 is the minimum. */
        ck_assert_int_eq(parse_string("1 (init) S 0 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 5", &st), 0);
        ck_assert_uint_eq(st.starttime, 5);
        ck_assert(!st.has_exit_code);
}
END_TEST

/* Field 31 (pending signals) and proc_stat_dying(): SIGKILL pending or PF_EXITING, either one. */
START_TEST(test_pending_signals) {
        static const char *fmt = "42 (dd) %c 1 42 42 0 -1 %u 1 0 0 0 0 0 0 0 20 0 1 0 5 1 1 "
                                 "18446744073709551615 1 1 1 0 0 %s 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
        static const struct {
                char state;
                unsigned flags;
                const char *signal;
                uint64_t sigpending;
                bool dying;
        } cases[] = {
                { 'S', 4194560, "0",          0,          false },
                { 'R', 4194560, "16384",      16384,      false }, /* SIGTERM pending: it may handle it */
                { 'D', 4194304, "256",        256,        true },  /* SIGKILL not acted on yet */
                { 'R', 4194564, "0",          0,          true },  /* PF_EXITING */
                { 'R', 4194304, "2147483647", 2147483647, true },  /* all 31 bits */
        };
        char line[512];
        ProcStat st;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                (void) snprintf(line, sizeof(line), fmt, cases[i].state, cases[i].flags, cases[i].signal);
                ck_assert_int_eq(parse_string(line, &st), 0);
                ck_assert_uint_eq(st.sigpending, cases[i].sigpending);
                ck_assert_msg(proc_stat_dying(&st) == cases[i].dying, "case %zu", i);
                ck_assert(st.has_exit_code);
        }
        (void) snprintf(line, sizeof(line), fmt, 'S', 0U, "25x");
        ck_assert_int_eq(parse_string(line, &st), -EBADMSG);
        (void) snprintf(line, sizeof(line), fmt, 'S', 0U, "-1");
        ck_assert_int_eq(parse_string(line, &st), -EBADMSG);
}
END_TEST

START_TEST(test_line_end) {
        /* Fields a future kernel appends after 52 are skipped; junk or a second newline is not. */
        ProcStat st;

        ck_assert_int_eq(parse_string("7742 (sleep)" TAIL " 0 17\n", &st), 0);
        ck_assert_int_eq(st.exit_code, 1792);
        ck_assert_int_eq(parse_string("7742 (sleep)" TAIL " 0 17", &st), 0);
        ck_assert_int_eq(parse_string("7742 (sleep)" TAIL "\n\n", &st), -EBADMSG);
        ck_assert_int_eq(parse_string("7742 (sleep)" TAIL "\nX", &st), -EBADMSG);
        ck_assert_int_eq(parse_string("7742 (sleep)" TAIL " \n", &st), -EBADMSG);
        ck_assert_int_eq(parse_string("7742 (sleep)" TAIL "  0\n", &st), -EBADMSG);
        /* A newline before field 52 ends the line: nothing may follow it. */
        ck_assert_int_eq(parse_string("1 (init) S 0 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 5\n", &st), 0);
        ck_assert_int_eq(parse_string("1 (init) S 0 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 5\n 6", &st), -EBADMSG);
}
END_TEST

START_TEST(test_malformed) {
        static const char *const lines[] = {
                "",
                "\n",
                "7742",
                "7742 sleep" TAIL,                   /* no parentheses */
                "7742 (sleep" TAIL,                  /* no ')' */
                "7742(sleep)" TAIL,                  /* no space before '(' */
                " (sleep)" TAIL,                     /* no pid */
                "x (sleep)" TAIL,
                "-1 (sleep)" TAIL,
                "0 (sleep)" TAIL,
                "99999999999 (sleep)" TAIL,          /* pid beyond int */
                "7742 (sleep)Z" TAIL,                /* no space after ')' */
                "7742 (sleep)  Z 1" TAIL,            /* empty token */
                "7742 (sleep) ZZ 1 7742 7742 0 -1 4228364 594 0 1 0 0 1 0 0 20 0 1 0 4242",
                "7742 (sleep) Z x 7742 7742 0 -1 4228364 594 0 1 0 0 1 0 0 20 0 1 0 4242",
                "7742 (sleep) Z -1 7742 7742 0 -1 4228364 594 0 1 0 0 1 0 0 20 0 1 0 4242",
                "7742 (sleep) Z 1 7742 7742 0 -1 4228364 594 0 1 0 0 1 0 0 20 0 1 0 42x2",
                "7742 (sleep) Z 1 7742 7742 0 -1 4228364 594 0 1 0 0 1 0 0 20 0 1 0 -4242",
                "7742 (sleep) Z 1 7742 7742 0 -1 4228364 594 0 1 0 0 1 0 0 20 0 1 0 18446744073709551616",
                "7742 (sleep) Z 1 7742 7742 0 -1 4228364 594 0 1 0 0 1 0 0 20 0 1 0",  /* ends at field 21 */
                "7742 (sleep) Z 1 7742 7742 0 -1 4228364 594 0 1 0 0 1 0 0 20 0 1 0 4242 ",
                "7742 (sleep)" TAIL "x",             /* field 52 not a number */
                "7742 (sleep) Z 1 7742 7742 0 -1 4228364 594 0 1 0 0 1 0 0 20 0 1 0 4242 0 0 18446744073709551615 "
                "0 0 0 0 0 0 0 65536 0 1 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 99999999999",
        };
        ProcStat st = { .pid = 123 };

        for (size_t i = 0; i < ELEMENTSOF(lines); i++)
                ck_assert_msg(parse_string(lines[i], &st) == -EBADMSG, "line %zu accepted: '%s'", i, lines[i]);
        ck_assert_int_eq(st.pid, 123); /* untouched on error */
        ck_assert_int_eq(proc_stat_parse(NULL, 0, &st), -EBADMSG);
}
END_TEST

START_TEST(test_prefixes) {
        /* Every prefix that stops before field 22 has a digit must fail; none may read past len.
         * (A prefix that cuts field 22 short cannot be told from a smaller number.) */
        _cleanup_free_ char *buf = NULL;
        size_t len, f22_start = 0, spaces = 0, close = 0;

        buf = fixture_read("runc/proc-stat.killed.txt", &len);
        for (size_t i = 0; i < len; i++)
                if (buf[i] == ')')
                        close = i;
        for (size_t i = close; i < len; i++)
                if (buf[i] == ' ' && ++spaces == 20) { /* the space before field 22 */
                        f22_start = i + 1;
                        break;
                }
        ck_assert_uint_gt(f22_start, 0);
        ck_assert_int_eq(buf[f22_start], '3'); /* 32418 */

        for (size_t n = 0; n <= len; n++) {
                _cleanup_free_ char *p = malloc(n + 1);
                ProcStat st;
                int r;

                ck_assert_ptr_nonnull(p);
                memcpy(p, buf, n);
                r = proc_stat_parse(p, n, &st);
                if (n <= f22_start)
                        ck_assert_msg(r == -EBADMSG, "prefix %zu parsed", n);
                else if (n == len || n == len - 1)
                        ck_assert_int_eq(r, 0);
        }
}
END_TEST

/* Fork a child that sets its comm to name, reports ready, then waits for EOF on a pipe. */
static pid_t fork_named(const char *name, int *ret_release_fd) {
        int ready[2], release[2];
        pid_t pid;
        char c;

        ck_assert_int_eq(pipe2(ready, O_CLOEXEC), 0);
        ck_assert_int_eq(pipe2(release, O_CLOEXEC), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                (void) close(ready[0]);
                (void) close(release[1]);
                if (prctl(PR_SET_NAME, name) < 0)
                        _exit(1);
                if (write(ready[1], "x", 1) != 1)
                        _exit(1);
                while (read(release[0], &c, 1) > 0)
                        ;
                _exit(0);
        }
        (void) close(ready[1]);
        (void) close(release[0]);
        ck_assert_int_eq(read(ready[0], &c, 1), 1);
        (void) close(ready[0]);
        *ret_release_fd = release[1];
        return pid;
}

/* Wait until pid has exited, without reaping it, so that it stays a zombie. */
static void wait_zombie(pid_t pid) {
        siginfo_t si = {};

        ck_assert_int_eq(waitid(P_PID, (id_t) pid, &si, WEXITED | WNOWAIT), 0);
        ck_assert_int_eq(si.si_pid, pid);
}

START_TEST(test_live_child_with_tricky_comm) {
        static const char name[] = ") (a b) Z 9 (";  /* 13 bytes: fits TASK_COMM_LEN */
        _cleanup_close_ int fd = -1, release = -1;
        char comm[64] = {}, path[64];
        ProcStat self, st, again;
        pid_t pid;
        int cfd;

        pid = fork_named(name, &release);

        /* The kernel really has this comm. */
        (void) snprintf(path, sizeof(path), "/proc/%i/comm", (int) pid);
        cfd = open(path, O_RDONLY | O_CLOEXEC);
        ck_assert_int_ge(cfd, 0);
        ck_assert_int_gt(read(cfd, comm, sizeof(comm) - 1), 0);
        (void) close(cfd);
        ck_assert_str_eq(comm, ") (a b) Z 9 (\n");

        fd = proc_stat_open(pid);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(proc_stat_read_fd(fd, &st), 0);
        ck_assert_int_eq(st.pid, pid);
        ck_assert_int_eq(st.ppid, getpid());
        ck_assert_msg(st.state == 'S' || st.state == 'R', "state '%c'", st.state);
        ck_assert(!(st.flags & PROC_PF_EXITING));
        ck_assert(st.has_exit_code);
        ck_assert_int_eq(st.exit_code, 0);

        /* The child started after us: its start time is not before ours. */
        {
                _cleanup_close_ int sfd = proc_stat_open(getpid());

                ck_assert_int_ge(sfd, 0);
                ck_assert_int_eq(proc_stat_read_fd(sfd, &self), 0);
                ck_assert_int_eq(self.pid, getpid());
                ck_assert_uint_le(self.starttime, st.starttime);
                ck_assert_uint_gt(st.starttime, 0);
        }

        /* pread from offset 0: the same fd reads again and gives the same answer. */
        ck_assert_int_eq(proc_stat_read_fd(fd, &again), 0);
        ck_assert_uint_eq(again.starttime, st.starttime);
        ck_assert_int_eq(again.pid, pid);

        release = safe_close(release);
        ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
}
END_TEST

START_TEST(test_zombie_exit_code) {
        _cleanup_close_ int fd = -1;
        ExitStatus es;
        ProcStat st;
        pid_t pid;
        int status;

        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0)
                _exit(7);

        /* Opened while the process exists (maybe already a zombie), as the daemon does at discovery. */
        fd = proc_stat_open(pid);
        ck_assert_int_ge(fd, 0);
        wait_zombie(pid);

        ck_assert_int_eq(proc_stat_read_fd(fd, &st), 0);
        ck_assert_int_eq(st.pid, pid);
        ck_assert_int_eq(st.state, 'Z');
        ck_assert(st.flags & PROC_PF_EXITING); /* pid_is_living() reads this */
        ck_assert(st.has_exit_code);
        ck_assert_int_eq(st.exit_code, 1792); /* 7 << 8 */
        es = exit_status_from_wait(st.exit_code, EXIT_SOURCE_PROC);
        ck_assert_int_eq(es.code, EXIT_CODE_EXITED);
        ck_assert_int_eq(es.status, 7);

        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_int_eq(status, st.exit_code); /* field 52 is exactly the wait status */

        /* Reaped: the old fd can never show anything again, and the path is gone. */
        ck_assert_int_eq(proc_stat_read_fd(fd, &st), -ESRCH);
        ck_assert_int_eq(proc_stat_read_fd(fd, &st), -ESRCH);
        {
                int r = proc_stat_open(pid);

                ck_assert_msg(r == -ENOENT || r == -ESRCH, "open after reap: %i", r);
        }
}
END_TEST

START_TEST(test_zombie_killed) {
        _cleanup_close_ int fd = -1, release = -1;
        ExitStatus es;
        ProcStat st;
        pid_t pid;
        int status;

        pid = fork_named("victim", &release);
        fd = proc_stat_open(pid);
        ck_assert_int_ge(fd, 0);

        ck_assert_int_eq(kill(pid, SIGKILL), 0);
        wait_zombie(pid);

        ck_assert_int_eq(proc_stat_read_fd(fd, &st), 0);
        ck_assert_int_eq(st.state, 'Z');
        ck_assert(st.has_exit_code);
        ck_assert_int_eq(st.exit_code, 9);
        es = exit_status_from_wait(st.exit_code, EXIT_SOURCE_PROC);
        ck_assert_int_eq(es.code, EXIT_CODE_KILLED);
        ck_assert_int_eq(es.status, SIGKILL);

        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        ck_assert_int_eq(proc_stat_read_fd(fd, &st), -ESRCH);
}
END_TEST

/* Wait up to 5 s for the freezer cgroup at dir to say want. */
static bool freezer_is(const char *dir, const char *want) {
        _cleanup_free_ char *path = NULL;
        char buf[32];

        ck_assert_int_ge(asprintf(&path, "%s/freezer.state", dir), 0);
        for (int i = 0; i < 500; i++) {
                _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
                ssize_t k;

                ck_assert_int_ge(fd, 0);
                k = read(fd, buf, sizeof(buf) - 1);
                ck_assert_int_gt(k, 0);
                buf[k] = '\0';
                if (strncmp(buf, want, strlen(want)) == 0 && buf[strlen(want)] == '\n')
                        return true;
                (void) usleep(10000);
        }
        return false;
}

static void write_file(const char *dir, const char *name, const char *text) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -1;

        ck_assert_int_ge(asprintf(&path, "%s/%s", dir, name), 0);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        ck_assert_msg(fd >= 0, "open %s: %m", path);
        ck_assert_msg(write(fd, text, strlen(text)) == (ssize_t) strlen(text), "write %s: %m", path);
}

/*
 * A task SIGKILLed while it cannot run (frozen: an OOM victim waiting for the CPU is the same to
 * /proc) is not PF_EXITING and not a zombie, yet dying: field 31 has SIGKILL. Needs root and the
 * cgroup v1 freezer (cgroup v2's freezer lets a fatal signal through at once); in CI both are
 * there, and their absence fails.
 */
START_TEST(test_killed_frozen) {
        _cleanup_close_ int fd = -1, release = -1;
        _cleanup_free_ char *dir = NULL;
        char pidtext[32];
        ProcStat st;
        pid_t pid;
        int r, status;

        if (access("/sys/fs/cgroup/freezer/cgroup.procs", W_OK) != 0) {
                const char *ci = getenv("CI");

                ck_assert_msg(!(ci && strcmp(ci, "true") == 0), "CI: no writable cgroup v1 freezer");
                fprintf(stderr, "test_killed_frozen: skipped (no writable cgroup v1 freezer)\n");
                return;
        }
        ck_assert_int_ge(asprintf(&dir, "/sys/fs/cgroup/freezer/cw-test-proc-stat-%i", (int) getpid()), 0);
        ck_assert_msg(mkdir(dir, 0755) == 0 || errno == EEXIST, "mkdir %s: %m", dir);

        pid = fork_named("frozen", &release);
        fd = proc_stat_open(pid);
        ck_assert_int_ge(fd, 0);
        (void) snprintf(pidtext, sizeof(pidtext), "%i", (int) pid);
        write_file(dir, "cgroup.procs", pidtext);
        write_file(dir, "freezer.state", "FROZEN");
        ck_assert_msg(freezer_is(dir, "FROZEN"), "the freezer did not freeze");

        ck_assert_int_eq(proc_stat_read_fd(fd, &st), 0);
        ck_assert(!proc_stat_dying(&st));

        ck_assert_int_eq(kill(pid, SIGKILL), 0); /* queued now; it cannot act on it */
        r = proc_stat_read_fd(fd, &st);
        /* thawed before anything is judged: a failed check leaves no frozen process behind */
        write_file(dir, "freezer.state", "THAWED");
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(rmdir(dir) == 0, "rmdir %s: %m", dir);

        ck_assert_int_eq(r, 0);
        ck_assert_msg(st.state != 'Z' && st.state != 'X', "state '%c'", st.state);
        ck_assert(!(st.flags & PROC_PF_EXITING));
        ck_assert_uint_eq(st.sigpending & PROC_SIG_KILL, PROC_SIG_KILL);
        ck_assert(proc_stat_dying(&st));
        ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}
END_TEST

START_TEST(test_open_errors) {
        ProcStat st;
        int fd;

        ck_assert_int_eq(proc_stat_open(0), -EINVAL);
        ck_assert_int_eq(proc_stat_open(-1), -EINVAL);
        ck_assert_int_eq(proc_stat_read_fd(-1, &st), -EBADF);

        /* A directory fd: pread fails with EISDIR, passed through as -errno. */
        fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(proc_stat_read_fd(fd, &st), -EISDIR);
        (void) close(fd);

        /* A file that is not a stat line. */
        fd = open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(proc_stat_read_fd(fd, &st), -EBADMSG);
        (void) close(fd);
}
END_TEST

static Suite *proc_stat_suite(void) {
        Suite *s = suite_create("proc-stat");
        TCase *tc;

        tc = tcase_create("parse");
        tcase_add_test(tc, test_fixture_snapshots);
        tcase_add_test(tc, test_comm_tricks);
        tcase_add_test(tc, test_old_kernel_without_field_52);
        tcase_add_test(tc, test_pending_signals);
        tcase_add_test(tc, test_line_end);
        tcase_add_test(tc, test_malformed);
        tcase_add_test(tc, test_prefixes);
        suite_add_tcase(s, tc);

        tc = tcase_create("processes");
        tcase_add_test(tc, test_live_child_with_tricky_comm);
        tcase_add_test(tc, test_zombie_exit_code);
        tcase_add_test(tc, test_zombie_killed);
        tcase_add_test(tc, test_killed_frozen);
        tcase_add_test(tc, test_open_errors);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(proc_stat_suite());
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
