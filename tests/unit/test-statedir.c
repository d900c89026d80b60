/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for daemon/statedir.c, the watcher, on a mkdtemp state root driven by sd_event_run(),
 * no root needed: what a root holds at start-up; a container directory created and its state file
 * written the way runc writes it (a temporary "state-NNN" closed, then renamed to state.json,
 * FACTS.md 3.1) and crun's "status.tmp" renamed to "status" (3.7); a container directory removed or
 * moved away; an inotify queue overflow (flooded past fs.inotify.max_queued_events, which needs no
 * privilege) answered by a rescan that finds what the lost events would have shown; a root that
 * does not exist yet, watched through its nearest existing parent, and one removed and re-created;
 * a "DIR/ *" root of namespaces.
 *
 * The library behind statedir.c is process-global and initialised once (FACTS.md 2.3), so one
 * StateDir serves every test of the process (CK_FORK=no, as tests/valgrind.sh runs it) and each
 * test leaves it with no roots. The kernel queues an inotify event before the system call that
 * caused it returns, so "run the loop until nothing is left" (run_idle) is exact, no waiting.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "statedir.h"
#include "util/cleanup.h"

#define MAX_SEEN 64

typedef struct Seen {
        char *root, *dir, *ns, *id, *path;
        Runtime runtime;
        bool dirfd_ok;    /* on_found: dirfd was an open directory holding the state file */
        bool in_rescan;   /* between on_rescan_begin and on_rescan_end */
} Seen;

typedef struct Recorder {
        Seen found[MAX_SEEN], removed[MAX_SEEN];
        size_t n_found, n_removed;
        unsigned roots_changed, rescan_begin, rescan_end;
        bool in_rescan;
} Recorder;

static Recorder rec;
static sd_event *loop;
static StateDir *sd;
static char tmp[64];

static char *strdup_or_null(const char *s) {
        char *c = s ? strdup(s) : NULL;

        ck_assert(!s || c);
        return c;
}

static void seen_set(Seen *s, const StateDirEntry *e) {
        *s = (Seen) {
                .root = strdup_or_null(e->root), .dir = strdup_or_null(e->dir), .ns = strdup_or_null(e->ns),
                .id = strdup_or_null(e->id), .path = strdup_or_null(e->path), .runtime = e->runtime,
                .in_rescan = rec.in_rescan,
        };
}

static void seen_clear(Seen *s) {
        free(s->root);
        free(s->dir);
        free(s->ns);
        free(s->id);
        free(s->path);
        *s = (Seen) {};
}

static void on_found(const StateDirEntry *e, void *userdata) {
        Recorder *r = userdata;
        Seen *s;
        struct stat st;

        ck_assert_ptr_eq(r, &rec);
        ck_assert_uint_lt(r->n_found, MAX_SEEN);
        s = &r->found[r->n_found++];
        seen_set(s, e);
        s->dirfd_ok = e->dirfd >= 0 && fstat(e->dirfd, &st) >= 0 && S_ISDIR(st.st_mode) &&
                      faccessat(e->dirfd, e->runtime == RUNTIME_CRUN ? "status" : "state.json", F_OK,
                                AT_SYMLINK_NOFOLLOW) >= 0;
}

static void on_removed(const StateDirEntry *e, void *userdata) {
        Recorder *r = userdata;

        ck_assert_uint_lt(r->n_removed, MAX_SEEN);
        seen_set(&r->removed[r->n_removed++], e);
        ck_assert_int_eq(e->dirfd, -1);
}

static void on_roots_changed(void *userdata) {
        ((Recorder *) userdata)->roots_changed++;
}

static void on_rescan_begin(void *userdata) {
        Recorder *r = userdata;

        ck_assert(!r->in_rescan);
        r->in_rescan = true;
        r->rescan_begin++;
}

static void on_rescan_end(void *userdata) {
        Recorder *r = userdata;

        ck_assert(r->in_rescan);
        r->in_rescan = false;
        r->rescan_end++;
}

static const StateDirOps ops = {
        .on_roots_changed = on_roots_changed,
        .on_found = on_found,
        .on_removed = on_removed,
        .on_rescan_begin = on_rescan_begin,
        .on_rescan_end = on_rescan_end,
};

static void rec_reset(void) {
        for (size_t i = 0; i < rec.n_found; i++)
                seen_clear(&rec.found[i]);
        for (size_t i = 0; i < rec.n_removed; i++)
                seen_clear(&rec.removed[i]);
        rec = (Recorder) {};
}

/* Dispatch until nothing is pending (every queued inotify event handled). */
static void run_idle(void) {
        for (int i = 0; i < 100000; i++) {
                int r = sd_event_run(loop, 0);

                ck_assert_int_ge(r, 0);
                if (r == 0)
                        return;
        }
        ck_abort_msg("the event loop never became idle");
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* Dispatch until cond holds, for at most 10 s. */
#define RUN_UNTIL(cond)                                                                   \
        do {                                                                              \
                uint64_t _deadline = now_usec() + 10 * 1000000;                           \
                while (!(cond)) {                                                         \
                        ck_assert_msg(now_usec() < _deadline, "timed out waiting: %s", #cond); \
                        ck_assert_int_ge(sd_event_run(loop, 100 * 1000), 0);              \
                }                                                                         \
        } while (0)

static char *p(const char *rel) {
        static char bufs[8][512];
        static unsigned next;
        char *b = bufs[next++ % 8];

        snprintf(b, sizeof(bufs[0]), "%s/%s", tmp, rel);
        return b;
}

static void mkdir_ok(const char *rel) {
        ck_assert_msg(mkdir(p(rel), 0700) == 0, "mkdir %s: %m", rel);
}

static void write_file(const char *rel, const char *content) {
        int fd = open(p(rel), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

        ck_assert_msg(fd >= 0, "create %s: %m", rel);
        ck_assert_int_eq(write(fd, content, strlen(content)), (ssize_t) strlen(content));
        ck_assert_int_eq(close(fd), 0);
}

static void rename_ok(const char *from, const char *to) {
        ck_assert_msg(rename(p(from), p(to)) == 0, "rename %s %s: %m", from, to);
}

/* runc's saveState: CreateTemp "state-NNN" in the container directory, write, close, rename. */
static void runc_write_state(const char *cdir) {
        char tmpname[256], final[256];

        snprintf(tmpname, sizeof(tmpname), "%s/state-903574124", cdir);
        snprintf(final, sizeof(final), "%s/state.json", cdir);
        write_file(tmpname, "{\"id\":\"x\",\"init_process_pid\":1,\"init_process_start\":1}");
        rename_ok(tmpname, final);
}

static void set_roots(const char *rel1, const char *rel2) {
        char *roots[3] = {};
        size_t n = 0;

        if (rel1)
                roots[n++] = strdup(p(rel1));
        if (rel2)
                roots[n++] = strdup(p(rel2));
        ck_assert_int_eq(statedir_set_roots(sd, roots), 0);
        for (size_t i = 0; i < n; i++)
                free(roots[i]);
}

static const Seen *find(const Seen *list, size_t n, const char *id) {
        const Seen *hit = NULL;

        for (size_t i = 0; i < n; i++)
                if (strcmp(list[i].id, id) == 0)
                        hit = &list[i];
        return hit;
}

static unsigned count(const Seen *list, size_t n, const char *id) {
        unsigned k = 0;

        for (size_t i = 0; i < n; i++)
                k += strcmp(list[i].id, id) == 0;
        return k;
}

#define FOUND(id)   find(rec.found, rec.n_found, (id))
#define REMOVED(id) find(rec.removed, rec.n_removed, (id))

static void rm_rf(const char *path) {
        char cmd[600];

        snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", path);
        ck_assert_int_eq(system(cmd), 0);
}

static void setup(void) {
        if (!loop) {
                ck_assert_int_ge(sd_event_new(&loop), 0);
                ck_assert_int_eq(statedir_new(loop, &ops, &rec, &sd), 0);
        }
        snprintf(tmp, sizeof(tmp), "%s/test-statedir.XXXXXX", getenv("TMPDIR") ?: "/tmp");
        ck_assert_ptr_nonnull(mkdtemp(tmp));
        rec_reset();
}

static void teardown(void) {
        /* no roots, every watch gone, every event of this test consumed */
        ck_assert_int_eq(statedir_set_roots(sd, (char *[]) { NULL }), 0);
        ck_assert_uint_eq(statedir_n_roots(sd), 0);
        run_idle();
        rm_rf(tmp);
        run_idle();
        rec_reset();
}

START_TEST(test_existing_at_start) {
        mkdir_ok("root");
        mkdir_ok("root/aaa");
        runc_write_state("root/aaa");
        mkdir_ok("root/ccc");
        write_file("root/ccc/status", "{}");
        mkdir_ok("root/pending");          /* no state file yet */
        mkdir_ok("root/bad id");           /* not a container id */
        write_file("root/file", "");       /* not a directory */

        set_roots("root", NULL);
        /* the scan reports synchronously, inside set_roots */
        ck_assert_uint_eq(rec.n_found, 2);
        ck_assert_ptr_nonnull(FOUND("aaa"));
        ck_assert_int_eq(FOUND("aaa")->runtime, RUNTIME_RUNC);
        ck_assert(FOUND("aaa")->dirfd_ok);
        ck_assert_str_eq(FOUND("aaa")->path, p("root/aaa"));
        ck_assert_str_eq(FOUND("aaa")->dir, p("root"));
        ck_assert_str_eq(FOUND("aaa")->root, p("root"));
        ck_assert_ptr_null(FOUND("aaa")->ns);
        ck_assert_ptr_nonnull(FOUND("ccc"));
        ck_assert_int_eq(FOUND("ccc")->runtime, RUNTIME_CRUN);
        ck_assert(FOUND("ccc")->dirfd_ok);
        ck_assert_uint_eq(statedir_n_roots(sd), 1);
        ck_assert_uint_eq(statedir_n_roots_watched(sd), 1);
        ck_assert_uint_ge(rec.roots_changed, 1);
        ck_assert_uint_eq(rec.rescan_begin, 0);

        /* the directory found without a state file is watched until it has one */
        runc_write_state("root/pending");
        RUN_UNTIL(FOUND("pending"));
        ck_assert(FOUND("pending")->dirfd_ok);
        run_idle();
        ck_assert_uint_eq(rec.n_found, 3);
        ck_assert_ptr_null(FOUND("bad id"));
}
END_TEST

START_TEST(test_create_rename_into_place) {
        mkdir_ok("root");
        set_roots("root", NULL);
        ck_assert_uint_eq(rec.n_found, 0);

        /* runc: the directory, exec.fifo, the temporary state file written and closed... */
        mkdir_ok("root/c1");
        run_idle();
        write_file("root/c1/exec.fifo", "");
        write_file("root/c1/state-733589615", "{}");
        run_idle();
        ck_assert_uint_eq(rec.n_found, 0); /* nothing until state.json is there */
        /* ...then renamed into place */
        rename_ok("root/c1/state-733589615", "root/c1/state.json");
        RUN_UNTIL(FOUND("c1"));
        ck_assert_int_eq(FOUND("c1")->runtime, RUNTIME_RUNC);
        ck_assert(FOUND("c1")->dirfd_ok);
        ck_assert_str_eq(FOUND("c1")->path, p("root/c1"));
        ck_assert(!FOUND("c1")->in_rescan);

        /* once found, its directory is not watched any more: runc update's rewrite, exec.fifo's
         * deletion at start are not events (the manager reads the file when it needs to) */
        runc_write_state("root/c1");
        ck_assert_int_eq(unlink(p("root/c1/exec.fifo")), 0);
        run_idle();
        ck_assert_uint_eq(count(rec.found, rec.n_found, "c1"), 1);

        /* crun: status.tmp renamed to status */
        mkdir_ok("root/c2");
        run_idle();
        write_file("root/c2/status.tmp", "{}");
        run_idle();
        ck_assert_ptr_null(FOUND("c2"));
        rename_ok("root/c2/status.tmp", "root/c2/status");
        RUN_UNTIL(FOUND("c2"));
        ck_assert_int_eq(FOUND("c2")->runtime, RUNTIME_CRUN);
        ck_assert(FOUND("c2")->dirfd_ok);

        /* a writer that writes state.json in place (CLOSE_WRITE) */
        mkdir_ok("root/c3");
        run_idle();
        write_file("root/c3/state.json", "{}");
        RUN_UNTIL(FOUND("c3"));

        /* the state file already there when the directory's event is handled (renamed in before
         * any watch on the directory could exist, FACTS.md 2.9) */
        mkdir_ok("root/c4");
        runc_write_state("root/c4");
        RUN_UNTIL(FOUND("c4"));
        ck_assert(FOUND("c4")->dirfd_ok);

        /* a directory moved into the root with its state file */
        mkdir_ok("elsewhere");
        mkdir_ok("elsewhere/c5");
        runc_write_state("elsewhere/c5");
        rename_ok("elsewhere/c5", "root/c5");
        RUN_UNTIL(FOUND("c5"));
        ck_assert_str_eq(FOUND("c5")->path, p("root/c5"));

        run_idle();
        ck_assert_uint_eq(rec.n_found, 5);
        ck_assert_uint_eq(rec.n_removed, 0);
        ck_assert_uint_eq(rec.rescan_begin, 0);
}
END_TEST

START_TEST(test_remove) {
        mkdir_ok("root");
        mkdir_ok("root/r1");
        runc_write_state("root/r1");
        mkdir_ok("root/r2");
        runc_write_state("root/r2");
        set_roots("root", NULL);
        ck_assert_uint_eq(rec.n_found, 2);

        /* runc delete: DELETE state.json, then the directory */
        ck_assert_int_eq(unlink(p("root/r1/state.json")), 0);
        run_idle();
        ck_assert_uint_eq(rec.n_removed, 0);
        ck_assert_int_eq(rmdir(p("root/r1")), 0);
        RUN_UNTIL(REMOVED("r1"));
        ck_assert_str_eq(REMOVED("r1")->path, p("root/r1"));
        ck_assert_str_eq(REMOVED("r1")->root, p("root"));
        ck_assert_ptr_null(REMOVED("r2"));

        /* moved out of the root */
        rename_ok("root/r2", "r2-moved");
        RUN_UNTIL(REMOVED("r2"));

        /* a directory still waiting for its state file, removed: its watch goes with it */
        mkdir_ok("root/r3");
        run_idle();
        ck_assert_int_eq(rmdir(p("root/r3")), 0);
        RUN_UNTIL(REMOVED("r3"));
        /* and the same name again is a new container, found as usual */
        mkdir_ok("root/r3");
        runc_write_state("root/r3");
        RUN_UNTIL(FOUND("r3"));

        run_idle();
        ck_assert_uint_eq(rec.n_removed, 3);
        ck_assert_uint_eq(statedir_n_roots_watched(sd), 1);
}
END_TEST

static unsigned read_uint(const char *path) {
        FILE *f = fopen(path, "re");
        unsigned v = 0;

        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(fscanf(f, "%u", &v), 1);
        fclose(f);
        return v;
}

START_TEST(test_overflow_rescan) {
        unsigned max = read_uint("/proc/sys/fs/inotify/max_queued_events");
        char name[64];

        mkdir_ok("root");
        mkdir_ok("root/old");
        runc_write_state("root/old");
        set_roots("root", NULL);
        ck_assert_uint_eq(rec.n_found, 1);
        run_idle();

        /* Without dispatching: more events than the queue holds (a CREATE and a DELETE per file),
         * then a new container whose events the full queue drops. */
        for (unsigned i = 0; i < max / 2 + 64; i++) {
                snprintf(name, sizeof(name), "root/f%u", i);
                write_file(name, "");
                ck_assert_int_eq(unlink(p(name)), 0);
        }
        mkdir_ok("root/new");
        runc_write_state("root/new");

        RUN_UNTIL(rec.rescan_end >= 1);
        run_idle();
        ck_assert_uint_eq(rec.rescan_begin, 1);
        ck_assert_uint_eq(rec.rescan_end, 1);
        /* "new" was found by the rescan, not by an event */
        ck_assert_uint_eq(count(rec.found, rec.n_found, "new"), 1);
        ck_assert(FOUND("new")->in_rescan);
        ck_assert(FOUND("new")->dirfd_ok);
        /* the rescan reports everything there is, so "old" once more */
        ck_assert_uint_eq(count(rec.found, rec.n_found, "old"), 2);
        ck_assert(FOUND("old")->in_rescan);
        ck_assert_uint_eq(rec.n_found, 3);

        /* and the watches work again afterwards */
        mkdir_ok("root/after");
        runc_write_state("root/after");
        RUN_UNTIL(FOUND("after"));
        ck_assert(!FOUND("after")->in_rescan);
}
END_TEST

START_TEST(test_late_root) {
        mkdir_ok("run");
        set_roots("run/docker/runtime-runc/moby", NULL);
        ck_assert_uint_eq(statedir_n_roots(sd), 1);
        ck_assert_uint_eq(statedir_n_roots_watched(sd), 0);

        /* created one level at a time: the parent watch moves down */
        mkdir_ok("run/docker");
        run_idle();
        mkdir_ok("run/docker/runtime-runc");
        run_idle();
        ck_assert_uint_eq(statedir_n_roots_watched(sd), 0);
        ck_assert_uint_eq(rec.roots_changed, 0);
        mkdir_ok("run/docker/runtime-runc/moby");
        RUN_UNTIL(statedir_n_roots_watched(sd) == 1);
        ck_assert_uint_ge(rec.roots_changed, 1);

        mkdir_ok("run/docker/runtime-runc/moby/d1");
        runc_write_state("run/docker/runtime-runc/moby/d1");
        RUN_UNTIL(FOUND("d1"));
        /* Docker's layout: <exec-root>/runtime-runc/<namespace> */
        ck_assert_pstr_eq(FOUND("d1")->ns, "moby");
        ck_assert_str_eq(FOUND("d1")->root, p("run/docker/runtime-runc/moby"));

        /* the root removed: watched through its parent again, then re-created with a container
         * already in it (made elsewhere and moved in whole) */
        rm_rf(p("run/docker/runtime-runc/moby"));
        RUN_UNTIL(statedir_n_roots_watched(sd) == 0);
        mkdir_ok("moby");
        mkdir_ok("moby/d2");
        runc_write_state("moby/d2");
        rename_ok("moby", "run/docker/runtime-runc/moby");
        RUN_UNTIL(FOUND("d2"));
        ck_assert_uint_eq(statedir_n_roots_watched(sd), 1);
        ck_assert_str_eq(FOUND("d2")->path, p("run/docker/runtime-runc/moby/d2"));
}
END_TEST

START_TEST(test_late_root_all_at_once) {
        /* the whole path and a container created before the loop runs once */
        set_roots("a/b/c", NULL);
        ck_assert_uint_eq(statedir_n_roots_watched(sd), 0);
        mkdir_ok("a");
        mkdir_ok("a/b");
        mkdir_ok("a/b/c");
        mkdir_ok("a/b/c/x1");
        runc_write_state("a/b/c/x1");
        RUN_UNTIL(FOUND("x1"));
        ck_assert_uint_eq(statedir_n_roots_watched(sd), 1);
        run_idle();
        ck_assert_uint_eq(rec.n_found, 1);
}
END_TEST

START_TEST(test_namespace_root) {
        mkdir_ok("containerd");
        mkdir_ok("containerd/default");
        mkdir_ok("containerd/default/n1");
        runc_write_state("containerd/default/n1");
        set_roots("containerd/*", "plain");
        ck_assert_uint_eq(statedir_n_roots(sd), 2);
        ck_assert_uint_eq(statedir_n_roots_watched(sd), 1); /* "plain" does not exist */
        ck_assert_ptr_nonnull(FOUND("n1"));
        ck_assert_pstr_eq(FOUND("n1")->ns, "default");
        ck_assert_str_eq(FOUND("n1")->root, p("containerd/*"));

        /* a new namespace, then a container in it */
        mkdir_ok("containerd/k8s.io");
        run_idle();
        mkdir_ok("containerd/k8s.io/n2");
        runc_write_state("containerd/k8s.io/n2");
        RUN_UNTIL(FOUND("n2"));
        ck_assert_pstr_eq(FOUND("n2")->ns, "k8s.io");
        ck_assert_str_eq(FOUND("n2")->dir, p("containerd/k8s.io"));

        /* dropping a root stops its events */
        set_roots("plain", NULL);
        ck_assert_uint_eq(statedir_n_roots(sd), 1);
        mkdir_ok("containerd/k8s.io/n3");
        runc_write_state("containerd/k8s.io/n3");
        run_idle();
        ck_assert_ptr_null(FOUND("n3"));
}
END_TEST

static Suite *statedir_suite(void) {
        Suite *s = suite_create("statedir");
        TCase *tc = tcase_create("watcher");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_existing_at_start);
        tcase_add_test(tc, test_create_rename_into_place);
        tcase_add_test(tc, test_remove);
        tcase_add_test(tc, test_overflow_rescan);
        tcase_add_test(tc, test_late_root);
        tcase_add_test(tc, test_late_root_all_at_once);
        tcase_add_test(tc, test_namespace_root);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(statedir_suite());
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        /* the one StateDir of a CK_FORK=no run */
        sd = statedir_free(sd);
        loop = sd_event_unref(loop);
        rec_reset();
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
