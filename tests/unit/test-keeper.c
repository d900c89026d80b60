/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for daemon/keeper.c on a mkdtemp state directory, no root: nothing appended before the
 * restore, the restore after the start-up scan (a container gone meanwhile reported late, a running
 * one adopted, the record written anew with only what the table holds), a compaction scheduled on
 * the loop once the log has grown, and a keeper whose record cannot be opened. Forked children are
 * the containers' inits.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "catalog-ids.h"
#include "container.h"
#include "journal-test.h"
#include "keeper.h"
#include "record-test.h"
#include "util/cleanup.h"
#include "util/proc-stat.h"
#include "util/strutil.h"

static char tmpdir[] = "/tmp/test-keeper.XXXXXX";
static char file[sizeof(tmpdir) + 16];
static char tmp_path[sizeof(tmpdir) + 16];

typedef struct Fixture {
        sd_event *event;
        Config *config;
        ContainerContext cx;
        Keeper *keeper;
        PtrArray adopted;            /* the "table": what the keeper handed over */
        unsigned n_collect, n_late_exits;
        char last_event[32];
} Fixture;

static void hook_emit(Container *c, Event *ev, void *userdata) {
        Fixture *f = userdata;

        (void) c;
        snprintf(f->last_event, sizeof(f->last_event), "%s", event_get(ev, "CONTAINER_EVENT") ?: "");
        if (streq_ptr(event_get(ev, "EXIT_OBSERVED"), "late"))
                f->n_late_exits++;
}

static void hook_record(Container *c, const char *op, void *userdata) {
        keeper_append(((Fixture *) userdata)->keeper, c, op);
}

static void hook_exited(Container *c, void *userdata) {
        (void) c;
        (void) userdata;
}

static const ContainerHooks hooks = { .emit = hook_emit, .record = hook_record, .on_exited = hook_exited };

static PtrArray ops_collect(void *userdata) {
        Fixture *f = userdata;
        PtrArray all = {};

        f->n_collect++;
        for (size_t i = 0; i < f->adopted.n; i++)
                ck_assert_int_eq(ptr_array_push(&all, f->adopted.items[i]), 0);
        return all;
}

static size_t ops_n_containers(void *userdata) {
        return ((Fixture *) userdata)->adopted.n;
}

static void ops_adopt(Container *c, void *userdata) {
        ck_assert_int_eq(ptr_array_push(&((Fixture *) userdata)->adopted, c), 0);
}

static const KeeperOps ops = { .collect = ops_collect, .n_containers = ops_n_containers, .adopt = ops_adopt };

static void setup(void) {
        strcpy(tmpdir, "/tmp/test-keeper.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
        snprintf(file, sizeof(file), "%s/reported", tmpdir);
        snprintf(tmp_path, sizeof(tmp_path), "%s/reported.tmp", tmpdir);
}

static void teardown(void) {
        (void) unlink(file);
        (void) unlink(tmp_path);
        (void) rmdir(tmpdir);
}

static void fixture_init(Fixture *f, const char *dir) {
        *f = (Fixture) {};
        ck_assert_int_ge(sd_event_new(&f->event), 0);
        ck_assert_int_eq(config_new_default(&f->config), 0);
        f->cx = (ContainerContext) { .event = f->event, .config = f->config, .hooks = &hooks,
                                     .userdata = f, .nofile_limit = 1024 };
        ck_assert_int_eq(keeper_new(f->event, dir, &ops, f, &f->keeper), 0);
        ck_assert_ptr_nonnull(f->keeper);
}

static void fixture_done(Fixture *f) {
        f->keeper = keeper_free(f->keeper);
        for (size_t i = 0; i < f->adopted.n; i++)
                container_free(f->adopted.items[i]);
        ptr_array_done(&f->adopted);
        ck_assert_uint_eq(f->cx.fds_in_use, 0);
        config_free(f->config);
        sd_event_unref(f->event);
}

/* A child that sleeps until killed: a container's init. */
static pid_t spawn_init(uint64_t *ret_start) {
        _cleanup_close_ int fd = -1;
        ProcStat ps;
        pid_t pid = fork();

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
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

static void reap(pid_t pid) {
        ck_assert_int_eq(kill(pid, SIGKILL), 0);
        ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
}

typedef struct Iter {
        const RecordEntry *items;
        size_t n, i;
} Iter;

static const RecordEntry *iter_next(void *userdata) {
        Iter *it = userdata;

        return it->i < it->n ? &it->items[it->i++] : NULL;
}

/* The record as an earlier run of this boot left it: "started" for each of ids (pids, starts). */
static void write_record(size_t n, const char *const *ids, const pid_t *pids, const uint64_t *starts) {
        _cleanup_(record_freep) Record *r = NULL;
        char paths[4][256];
        RecordEntry e[4] = {};
        Iter it = { .items = e, .n = n };

        ck_assert_uint_le(n, 4);
        for (size_t i = 0; i < n; i++) {
                snprintf(paths[i], sizeof(paths[i]), "%s/root/%s", tmpdir, ids[i]);
                e[i] = (RecordEntry) { .path = paths[i], .pid = pids[i], .start_ticks = starts[i],
                                       .id = (char *) ids[i], .manager = (char *) "runc",
                                       .runtime = (char *) "runc" };
        }
        ck_assert_int_eq(record_open(tmpdir, &r, NULL), 0);
        ck_assert_int_eq(record_compact(r, iter_next, &it), 0);
}

/* What a new run of the daemon would find pending for (id, pid, start). */
static bool pending(const char *id, pid_t pid, uint64_t start) {
        _cleanup_(record_freep) Record *r = NULL;
        char path[256];
        RecordEntry *e;
        bool found;

        snprintf(path, sizeof(path), "%s/root/%s", tmpdir, id);
        ck_assert_int_eq(record_open(tmpdir, &r, NULL), 0);
        e = record_take(r, path, pid, start);
        found = e && !e->exited;
        record_entry_free(e);
        return found;
}

START_TEST(test_restore) {
        Fixture f;
        uint64_t gone_start, alive_start;
        pid_t gone, alive;

        gone = spawn_init(&gone_start);
        alive = spawn_init(&alive_start);
        reap(gone);
        write_record(2, (const char *[]) { "gone", "alive" }, (pid_t[]) { gone, alive },
                     (uint64_t[]) { gone_start, alive_start });

        fixture_init(&f, tmpdir);
        ck_assert_ptr_nonnull(keeper_record(f.keeper));
        /* the start-up scan found neither; the restore deals with both */
        keeper_restore(f.keeper, &f.cx);
        ck_assert_uint_eq(f.n_late_exits, 1);
        ck_assert_str_eq(f.last_event, "exited");
        ck_assert_uint_eq(f.adopted.n, 1);
        ck_assert_int_eq(((Container *) f.adopted.items[0])->pid, alive);
        ck_assert_int_eq(((Container *) f.adopted.items[0])->state, CONTAINER_TRACKED);
        ck_assert_uint_ge(f.n_collect, 1); /* the record was written anew from the table */
        ck_assert_uint_eq(record_n_lines(keeper_record(f.keeper)), 0);
        fixture_done(&f);

        /* what a next run finds: the running one, not the one reported */
        ck_assert(pending("alive", alive, alive_start));
        ck_assert(!pending("gone", gone, gone_start));
        reap(alive);
}
END_TEST

START_TEST(test_appends_after_restore) {
        Fixture f;
        uint64_t start;
        pid_t pid = spawn_init(&start);
        Record *r;

        write_record(1, (const char *[]) { "c1" }, &pid, &start);
        fixture_init(&f, tmpdir);
        r = keeper_record(f.keeper);
        /* what an earlier run reported is taken by the scan that finds it */
        {
                char path[256];
                RecordEntry *e;

                snprintf(path, sizeof(path), "%s/root/c1", tmpdir);
                e = keeper_take(f.keeper, path, pid, start);
                ck_assert_ptr_nonnull(e);
                ck_assert_str_eq(e->id, "c1");
                ck_assert_ptr_null(keeper_take(f.keeper, path, pid, start));
                record_entry_free(e);
        }
        keeper_restore(f.keeper, &f.cx);
        ck_assert_uint_eq(f.adopted.n, 0); /* taken by the scan: not the restore's */
        ck_assert_uint_eq(record_n_lines(r), 0);
        reap(pid);
        fixture_done(&f);
}
END_TEST

START_TEST(test_nothing_before_restore) {
        Fixture f;
        uint64_t start;
        pid_t pid = spawn_init(&start);
        Container *c;
        char path[256];
        RuncState s = { .runtime = RUNTIME_RUNC, .pid = pid, .start_ticks = start };
        StateDirEntry e = { .root = tmpdir, .dir = tmpdir, .id = "c2", .path = path, .dirfd = -1,
                            .runtime = RUNTIME_RUNC };
        Record *r;

        snprintf(path, sizeof(path), "%s/root/c2", tmpdir);
        fixture_init(&f, tmpdir);
        r = keeper_record(f.keeper);
        ck_assert_int_eq(container_new(&f.cx, &e, &s, &c), 0);
        /* during the start-up scan: written whole by the restore, not line by line */
        keeper_append(f.keeper, c, "started");
        ck_assert_uint_eq(record_n_lines(r), 0);
        ck_assert_int_eq(ptr_array_push(&f.adopted, c), 0);
        keeper_restore(f.keeper, &f.cx);
        keeper_append(f.keeper, c, "started");
        ck_assert_uint_eq(record_n_lines(r), 1);

        /* past twice the table plus 1024 lines a compaction is scheduled, and runs on the loop */
        for (unsigned i = 0; i < 1030; i++)
                keeper_append(f.keeper, c, "started");
        ck_assert_uint_gt(record_n_lines(r), 1024);
        f.n_collect = 0;
        ck_assert_int_ge(sd_event_run(f.event, 0), 1);
        ck_assert_uint_eq(f.n_collect, 1);
        ck_assert_uint_eq(record_n_lines(r), 0);
        fixture_done(&f);
        ck_assert(pending("c2", pid, start));
        reap(pid);
}
END_TEST

/* A journal on our own socket path (no journald there yet), the keeper's from now on. */
static Journal *journal_for(Fixture *f, const char *sock) {
        Journal *j = NULL;

        ck_assert_int_eq(journal_new(f->event, NULL, NULL, &j), 0);
        ck_assert_int_eq(journal_set_socket(j, sock), 0);
        journal_setup(j, /* to_journal= */ true, /* to_console= */ false, /* json= */ false);
        keeper_set_journal(f->keeper, j);
        return j;
}

/* One container in the table, and the restore done: appends are written from now on. */
static Container *adopt_one(Fixture *f, const StateDirEntry *e, const RuncState *s) {
        Container *c;

        ck_assert_int_eq(container_new(&f->cx, e, s, &c), 0);
        ck_assert_int_eq(ptr_array_push(&f->adopted, c), 0);
        keeper_restore(f->keeper, &f->cx);
        return c;
}

/* Issue 14, item 8: a line waits for the journal to take the event it records; a compaction waits
 * for the queue to drain; what never reached the journal is never marked. */
START_TEST(test_lines_wait_for_journal) {
        Fixture f;
        uint64_t start;
        pid_t pid = spawn_init(&start);
        Container *c;
        char path[256], sock[sizeof(tmpdir) + 16];
        RuncState s = { .runtime = RUNTIME_RUNC, .pid = pid, .start_ticks = start };
        StateDirEntry e = { .root = tmpdir, .dir = tmpdir, .id = "c3", .path = path, .dirfd = -1,
                            .runtime = RUNTIME_RUNC };
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        Journal *j = NULL;
        Event ev;
        Record *r;
        int l;

        snprintf(path, sizeof(path), "%s/root/c3", tmpdir);
        snprintf(sock, sizeof(sock), "%s/socket", tmpdir);
        fixture_init(&f, tmpdir);
        r = keeper_record(f.keeper);
        j = journal_for(&f, sock);
        c = adopt_one(&f, &e, &s);

        /* journald is away: its started event waits, and so does the line saying it was reported */
        event_init(&ev, MESSAGE_ID_CONTAINER_STARTED, LOG_INFO);
        ck_assert_int_eq(event_add(&ev, "MESSAGE", "started"), 0);
        ck_assert_int_eq(journal_emit(j, &ev, NULL, 0), -ENOENT);
        keeper_append(f.keeper, c, "started");
        ck_assert_uint_eq(record_n_lines(r), 0);
        f.n_collect = 0;
        keeper_compact(f.keeper);
        ck_assert_uint_eq(f.n_collect, 0);

        /* back: the event goes, then its line, then the compaction that waited (on the loop) */
        l = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        ck_assert_int_ge(l, 0);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
        ck_assert_int_eq(bind(l, (struct sockaddr *) &sa, sizeof(sa)), 0);
        ck_assert_int_eq(journal_flush(j), 0);
        ck_assert_uint_eq(record_n_lines(r), 1);
        ck_assert_int_ge(sd_event_run(f.event, 0), 1);
        ck_assert_uint_eq(f.n_collect, 1);

        /* away again: its exit waits, and the stop loses it from the queue: never marked, so that
         * the next run reports it */
        ck_assert_int_eq(close(l), 0);
        ck_assert_int_eq(unlink(sock), 0);
        ck_assert_int_eq(journal_emit(j, &ev, NULL, 0), -ENOENT);
        event_clear(&ev);
        reap(pid);
        keeper_append(f.keeper, c, "exited");
        j = journal_free(j);
        fixture_done(&f);
        ck_assert(pending("c3", pid, start));
}
END_TEST

/* A compaction that waited for the journal's queue, which grew meanwhile: when the event it waited
 * for is taken and a newer one is not, it waits again, for that one, and then runs. */
START_TEST(test_compaction_waits_for_new_tail) {
        Fixture f;
        uint64_t start;
        pid_t pid = spawn_init(&start);
        char path[256], sock[sizeof(tmpdir) + 16], buf[4096];
        RuncState s = { .runtime = RUNTIME_RUNC, .pid = pid, .start_ticks = start };
        StateDirEntry e = { .root = tmpdir, .dir = tmpdir, .id = "c4", .path = path, .dirfd = -1,
                            .runtime = RUNTIME_RUNC };
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        Journal *j;
        Event ev;
        int l, w, filled = 0;

        snprintf(path, sizeof(path), "%s/root/c4", tmpdir);
        snprintf(sock, sizeof(sock), "%s/socket", tmpdir);
        fixture_init(&f, tmpdir);
        j = journal_for(&f, sock);
        (void) adopt_one(&f, &e, &s);

        /* journald away: event A waits, the compaction waits for it; then event B queues behind */
        event_init(&ev, MESSAGE_ID_CONTAINER_STARTED, LOG_INFO);
        ck_assert_int_eq(event_add(&ev, "MESSAGE", "A"), 0);
        ck_assert_int_eq(journal_emit(j, &ev, NULL, 0), -ENOENT);
        f.n_collect = 0;
        keeper_compact(f.keeper);
        ck_assert_uint_eq(f.n_collect, 0);
        ck_assert_int_eq(journal_emit(j, &ev, NULL, 0), -EAGAIN);
        event_clear(&ev);

        /* journald back with room for one datagram: A goes, B does not */
        l = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        ck_assert_int_ge(l, 0);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
        ck_assert_int_eq(bind(l, (struct sockaddr *) &sa, sizeof(sa)), 0);
        w = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        ck_assert_int_ge(w, 0);
        ck_assert_int_eq(connect(w, (struct sockaddr *) &sa, sizeof(sa)), 0);
        while (send(w, "x", 1, 0) == 1)
                filled++;
        ck_assert_int_eq(errno, EAGAIN);
        ck_assert_int_gt(filled, 1);
        ck_assert_int_eq(recv(l, buf, sizeof(buf), 0), 1);
        ck_assert_int_eq(journal_flush(j), -EAGAIN);
        ck_assert_uint_eq(journal_queue_length(j), 1);
        ck_assert_int_ge(sd_event_run(f.event, 0), 1);
        ck_assert_uint_eq(f.n_collect, 0); /* B still waits */

        /* journald reads everything: B goes, and the compaction runs on the loop */
        while (recv(l, buf, sizeof(buf), 0) > 0)
                ;
        ck_assert_int_eq(journal_flush(j), 0);
        ck_assert_int_ge(sd_event_run(f.event, 0), 1);
        ck_assert_uint_eq(f.n_collect, 1);

        ck_assert_int_eq(close(w), 0);
        ck_assert_int_eq(close(l), 0);
        ck_assert_int_eq(unlink(sock), 0);
        j = journal_free(j);
        reap(pid);
        fixture_done(&f);
}
END_TEST

START_TEST(test_without_record) {
        Fixture f;
        char bad[sizeof(file) + 8];

        /* a record directory under a regular file cannot be made */
        ck_assert_int_eq(close(open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)), 0);
        snprintf(bad, sizeof(bad), "%s/x", file);
        fixture_init(&f, bad);
        ck_assert_ptr_null(keeper_record(f.keeper));
        ck_assert_ptr_null(keeper_take(f.keeper, "/run/x", 1234, 5));
        keeper_restore(f.keeper, &f.cx);
        keeper_grew(f.keeper);
        keeper_compact(f.keeper);
        ck_assert_uint_eq(f.n_collect, 0);
        ck_assert_uint_eq(f.adopted.n, 0);
        fixture_done(&f);
        /* NULL is accepted throughout */
        ck_assert_ptr_null(keeper_free(NULL));
        ck_assert_ptr_null(keeper_record(NULL));
        keeper_append(NULL, NULL, "started");
}
END_TEST

static Suite *keeper_suite(void) {
        Suite *s = suite_create("keeper");
        TCase *tc = tcase_create("record");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_restore);
        tcase_add_test(tc, test_appends_after_restore);
        tcase_add_test(tc, test_nothing_before_restore);
        tcase_add_test(tc, test_lines_wait_for_journal);
        tcase_add_test(tc, test_compaction_waits_for_new_tail);
        tcase_add_test(tc, test_without_record);
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
        sr = srunner_create(keeper_suite());
        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
