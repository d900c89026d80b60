/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for daemon/record.c on a mkdtemp state directory, no root: lines appended and read
 * back after a "restart" (record_free + record_open), a torn last line (the daemon died mid-write)
 * and the start-up compaction that drops it, lines that are not records,
 * a record of another boot, and compaction (the file written anew, the same pending set after it,
 * appends going to the new file).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-id128.h>

#include "record-test.h"
#include "util/cleanup.h"
#include "util/strutil.h"

static char tmpdir[] = "/tmp/test-record.XXXXXX";
static char dir[sizeof(tmpdir) + 16];
static char file[sizeof(dir) + 16];
static char tmp_path[sizeof(dir) + 16];

static void setup(void) {
        strcpy(tmpdir, "/tmp/test-record.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
        /* a directory record_open has to create, as the daemon's StateDirectory= may be */
        snprintf(dir, sizeof(dir), "%s/state", tmpdir);
        snprintf(file, sizeof(file), "%s/reported", dir);
        snprintf(tmp_path, sizeof(tmp_path), "%s/reported.tmp", dir);
}

static void teardown(void) {
        (void) unlink(file);
        (void) unlink(tmp_path);
        (void) rmdir(dir);
        (void) rmdir(tmpdir);
}

static RecordEntry *entry_new(const char *path, pid_t pid, uint64_t start, const char *id, const char *name) {
        RecordEntry *e = calloc(1, sizeof(*e));

        ck_assert_ptr_nonnull(e);
        e->path = strdup(path);
        e->pid = pid;
        e->start_ticks = start;
        e->id = id ? strdup(id) : NULL;
        e->name = name ? strdup(name) : NULL;
        ck_assert(e->path && (!id || e->id) && (!name || e->name));
        return e;
}

static Record *open_ok(unsigned *other_boot) {
        Record *r = NULL;
        unsigned ob = 12345;

        ck_assert_int_eq(record_open(dir, &r, &ob), 0);
        ck_assert_ptr_nonnull(r);
        if (other_boot)
                *other_boot = ob;
        else
                ck_assert_uint_eq(ob, 0);
        return r;
}

/* The whole file, as a string. */
static char *slurp(void) {
        FILE *f = fopen(file, "re");
        char *buf = NULL;
        size_t cap = 0;
        ssize_t n;

        ck_assert_ptr_nonnull(f);
        n = getdelim(&buf, &cap, 0, f);
        fclose(f);
        if (n < 0) {
                free(buf);
                return strdup("");
        }
        return buf;
}

static unsigned count_lines(const char *s) {
        unsigned n = 0;

        for (; *s; s++)
                n += *s == '\n';
        return n;
}

static void append_raw(const char *s) {
        int fd = open(file, O_WRONLY | O_APPEND | O_CLOEXEC);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, s, strlen(s)), (ssize_t) strlen(s));
        close(fd);
}

/* Take (path, pid, start) from r; check what came back. */
static void assert_pending(Record *r, const char *path, pid_t pid, uint64_t start, bool exited,
                           const char *id, const char *name) {
        RecordEntry *e = record_take(r, path, pid, start);

        ck_assert_msg(e, "no pending entry for %s pid %d start %llu", path, (int) pid,
                      (unsigned long long) start);
        ck_assert_str_eq(e->path, path);
        ck_assert_int_eq(e->pid, pid);
        ck_assert_uint_eq(e->start_ticks, start);
        ck_assert_int_eq(e->exited, exited);
        ck_assert_pstr_eq(e->id, id);
        ck_assert_pstr_eq(e->name, name);
        record_entry_free(e);
        ck_assert_ptr_null(record_take(r, path, pid, start)); /* taken: gone */
}

static const RecordEntry *next_none(void *userdata) {
        (void) userdata;
        return NULL;
}

typedef struct Iter {
        RecordEntry **items;
        size_t n, i;
} Iter;

static const RecordEntry *next_item(void *userdata) {
        Iter *it = userdata;

        return it->i < it->n ? it->items[it->i++] : NULL;
}

START_TEST(test_append_and_reload) {
        _cleanup_(record_freep) Record *r = open_ok(NULL);
        RecordEntry *a = entry_new("/run/runc/a", 100, 5000, "a", "web"),
                    *b = entry_new("/run/runc/b", 200, 6000, "b", NULL),
                    *c = entry_new("/run/runc/c", 300, 7000, "c", NULL);
        _cleanup_free_ char *text = NULL;

        /* the directory was created, private */
        {
                struct stat st;

                ck_assert_int_eq(stat(dir, &st), 0);
                ck_assert_int_eq(st.st_mode & 07777, 0700);
        }
        ck_assert_int_eq(record_compact(r, next_none, NULL), 0); /* start-up: the header */
        ck_assert_uint_eq(record_n_lines(r), 0);

        ck_assert_int_eq(record_append(r, "started", a), 0);
        ck_assert_int_eq(record_append(r, "started", b), 0);
        ck_assert_int_eq(record_append(r, "started", c), 0);
        ck_assert_int_eq(record_append(r, "exited", a), 0);
        ck_assert_int_eq(record_append(r, "forget", c), 0);
        ck_assert_uint_eq(record_n_lines(r), 5);

        text = slurp();
        ck_assert_uint_eq(count_lines(text), 6); /* header + 5 */
        ck_assert_ptr_nonnull(strstr(text, "\"op\":\"started\",\"path\":\"/run/runc/a\",\"pid\":100,\"start\":5000"));
        ck_assert_ptr_nonnull(strstr(text, "\"name\":\"web\""));
        /* exited and forget lines carry the key only */
        ck_assert_ptr_nonnull(strstr(text, "{\"op\":\"exited\",\"path\":\"/run/runc/a\",\"pid\":100,\"start\":5000}\n"));
        {
                struct stat st;

                ck_assert_int_eq(stat(file, &st), 0);
                ck_assert_int_eq(st.st_mode & 07777, 0600);
        }

        /* a restart */
        r = record_free(r);
        r = open_ok(NULL);
        assert_pending(r, "/run/runc/a", 100, 5000, true, "a", "web");
        assert_pending(r, "/run/runc/b", 200, 6000, false, "b", NULL);
        ck_assert_ptr_null(record_take(r, "/run/runc/c", 300, 7000)); /* forgotten */
        /* the key is the whole (path, pid, start) */
        ck_assert_ptr_null(record_take(r, "/run/runc/b", 200, 6001));
        ck_assert_ptr_null(record_take_any(r));

        record_entry_free(a);
        record_entry_free(b);
        record_entry_free(c);
}
END_TEST

START_TEST(test_started_twice_keeps_last) {
        _cleanup_(record_freep) Record *r = open_ok(NULL);
        RecordEntry *a = entry_new("/run/runc/a", 100, 5000, "a", "old"),
                    *a2 = entry_new("/run/runc/a", 100, 5000, "a", "new");

        ck_assert_int_eq(record_compact(r, next_none, NULL), 0);
        ck_assert_int_eq(record_append(r, "started", a), 0);
        ck_assert_int_eq(record_append(r, "exited", a), 0);
        ck_assert_int_eq(record_append(r, "started", a2), 0); /* runc update: written again */
        r = record_free(r);
        r = open_ok(NULL);
        assert_pending(r, "/run/runc/a", 100, 5000, false, "a", "new");
        ck_assert_ptr_null(record_take_any(r));
        record_entry_free(a);
        record_entry_free(a2);
}
END_TEST

START_TEST(test_torn_last_line) {
        _cleanup_(record_freep) Record *r = open_ok(NULL);
        RecordEntry *a = entry_new("/run/runc/a", 100, 5000, "a", NULL),
                    *b = entry_new("/run/runc/b", 200, 6000, "b", NULL),
                    *d = entry_new("/run/runc/d", 400, 8000, "d", NULL);
        _cleanup_free_ char *text = NULL;

        ck_assert_int_eq(record_compact(r, next_none, NULL), 0);
        ck_assert_int_eq(record_append(r, "started", a), 0);
        ck_assert_int_eq(record_append(r, "started", b), 0);
        r = record_free(r);

        /* the daemon died in the middle of writing "exited" for b, then of "started" for c */
        append_raw("{\"op\":\"exited\",\"path\":\"/run/runc/b\",\"pid\":200,\"start\":6000}\n"
                   "{\"op\":\"started\",\"path\":\"/run/runc/c\",\"pid\":300,\"sta");
        r = open_ok(NULL);

        /* what the daemon does next: the start-up compaction writes the live state anew (here a
         * and b, as found again), which drops the torn bytes; appends follow on whole lines */
        {
                RecordEntry *live[2];
                Iter it = { live, 2, 0 };

                live[0] = record_take(r, "/run/runc/a", 100, 5000);
                live[1] = record_take(r, "/run/runc/b", 200, 6000);
                ck_assert_ptr_nonnull(live[0]);
                ck_assert_ptr_nonnull(live[1]);
                ck_assert_int_eq(live[0]->exited, false);
                ck_assert_int_eq(live[1]->exited, true); /* the whole line before the torn one counts */
                ck_assert_ptr_null(record_take_any(r));
                ck_assert_int_eq(record_compact(r, next_item, &it), 0);
                record_entry_free(live[0]);
                record_entry_free(live[1]);
        }
        ck_assert_int_eq(record_append(r, "started", d), 0);
        text = slurp();
        ck_assert_ptr_null(strstr(text, "\"sta{"));
        ck_assert_ptr_null(strstr(text, "/run/runc/c"));
        ck_assert_int_eq(text[strlen(text) - 1], '\n');

        r = record_free(r);
        r = open_ok(NULL);
        assert_pending(r, "/run/runc/a", 100, 5000, false, "a", NULL);
        assert_pending(r, "/run/runc/b", 200, 6000, true, "b", NULL);
        assert_pending(r, "/run/runc/d", 400, 8000, false, "d", NULL);
        ck_assert_ptr_null(record_take_any(r));

        record_entry_free(a);
        record_entry_free(b);
        record_entry_free(d);
}
END_TEST

/* A line without its newline is torn even when what was written parses: write_line() writes the
 * object and its newline in one write(), so only a short write leaves it so. */
START_TEST(test_torn_whole_object) {
        _cleanup_(record_freep) Record *r = open_ok(NULL);
        RecordEntry *a = entry_new("/run/runc/a", 100, 5000, "a", NULL);

        ck_assert_int_eq(record_compact(r, next_none, NULL), 0);
        ck_assert_int_eq(record_append(r, "started", a), 0);
        r = record_free(r);
        append_raw("{\"op\":\"exited\",\"path\":\"/run/runc/a\",\"pid\":100,\"start\":5000}");
        r = open_ok(NULL);
        assert_pending(r, "/run/runc/a", 100, 5000, false, "a", NULL);
        ck_assert_ptr_null(record_take_any(r));
        record_entry_free(a);
}
END_TEST

START_TEST(test_garbage_lines_skipped) {
        _cleanup_(record_freep) Record *r = open_ok(NULL);
        RecordEntry *a = entry_new("/run/runc/a", 100, 5000, "a", NULL);

        ck_assert_int_eq(record_compact(r, next_none, NULL), 0);
        r = record_free(r);
        append_raw("not json\n"
                   "[1,2]\n"
                   "{\"op\":\"started\",\"path\":\"/run/runc/x\",\"pid\":-1,\"start\":1}\n"
                   "{\"op\":\"started\",\"path\":\"/run/runc/y\",\"pid\":1,\"start\":\"1\"}\n"
                   "{\"op\":\"started\",\"pid\":1,\"start\":1}\n"
                   "{\"op\":\"started\",\"path\":\"/run/runc/a\",\"pid\":100,\"start\":5000,\"id\":\"a\"}\n"
                   "{\"op\":\"bogus\",\"path\":\"/run/runc/a\",\"pid\":100,\"start\":5000}\n");
        r = open_ok(NULL);
        assert_pending(r, "/run/runc/a", 100, 5000, false, "a", NULL);
        ck_assert_ptr_null(record_take_any(r));
        record_entry_free(a);
}
END_TEST

START_TEST(test_other_boot) {
        _cleanup_(record_freep) Record *r = NULL;
        unsigned other = 0;
        sd_id128_t boot;
        char bootstr[SD_ID128_STRING_MAX];

        ck_assert_int_eq(sd_id128_get_boot(&boot), 0);
        sd_id128_to_string(boot, bootstr);
        ck_assert_int_eq(mkdir(dir, 0700), 0);
        /* a boot id that is not this one (every digit changed) */
        for (char *p = bootstr; *p; p++)
                *p = *p == '0' ? '1' : '0';
        {
                FILE *f = fopen(file, "we");

                ck_assert_ptr_nonnull(f);
                fprintf(f, "{\"record\":\"container-watchd\",\"version\":1,\"boot\":\"%s\"}\n", bootstr);
                fprintf(f, "{\"op\":\"started\",\"path\":\"/run/runc/a\",\"pid\":100,\"start\":5000}\n");
                fprintf(f, "{\"op\":\"started\",\"path\":\"/run/runc/b\",\"pid\":200,\"start\":6000}\n");
                fprintf(f, "{\"op\":\"exited\",\"path\":\"/run/runc/b\",\"pid\":200,\"start\":6000}\n");
                fprintf(f, "{\"op\":\"started\",\"path\":\"/run/runc/c\",\"pid\":300,\"start\":7000}\n");
                ck_assert_int_eq(fclose(f), 0);
        }
        r = open_ok(&other);
        ck_assert_uint_eq(other, 2); /* a and c had not ended */
        ck_assert_ptr_null(record_take_any(r));
}
END_TEST

START_TEST(test_compaction) {
        _cleanup_(record_freep) Record *r = open_ok(NULL);
        enum { N = 50 };
        RecordEntry *e[N];
        RecordEntry *live[N];
        size_t n_live = 0;
        _cleanup_free_ char *text = NULL;
        struct stat before, after;

        ck_assert_int_eq(record_compact(r, next_none, NULL), 0);
        /* churn: every container started; even ones exited; every third of those forgotten */
        for (int i = 0; i < N; i++) {
                char path[64], id[16];

                snprintf(path, sizeof(path), "/run/runc/c%d", i);
                snprintf(id, sizeof(id), "c%d", i);
                e[i] = entry_new(path, 1000 + i, 90000 + (uint64_t) i, id, i % 5 == 0 ? "named" : NULL);
                ck_assert_int_eq(record_append(r, "started", e[i]), 0);
        }
        for (int i = 0; i < N; i += 2) {
                ck_assert_int_eq(record_append(r, "exited", e[i]), 0);
                e[i]->exited = true;
                if (i % 3 == 0)
                        ck_assert_int_eq(record_append(r, "forget", e[i]), 0);
        }
        ck_assert_uint_eq(record_n_lines(r), N + N / 2 + 9);
        for (int i = 0; i < N; i++)
                if (!(i % 2 == 0 && i % 3 == 0))
                        live[n_live++] = e[i];
        ck_assert_uint_eq(n_live, N - 9);

        ck_assert_int_eq(stat(file, &before), 0);
        {
                Iter it = { live, n_live, 0 };

                ck_assert_int_eq(record_compact(r, next_item, &it), 0);
                ck_assert_uint_eq(it.i, n_live); /* every entry was asked for */
        }
        ck_assert_uint_eq(record_n_lines(r), 0);
        ck_assert_int_eq(stat(file, &after), 0);
        ck_assert_uint_ne(before.st_ino, after.st_ino); /* renamed over, not rewritten in place */
        ck_assert_int_eq(after.st_mode & 07777, 0600);
        ck_assert_int_eq(access(tmp_path, F_OK), -1);

        text = slurp();
        /* header + one started line per live entry + one exited line per exited one */
        ck_assert_uint_eq(count_lines(text), 1 + n_live + (N / 2 - 9));
        ck_assert_ptr_nonnull(strstr(text, "{\"record\":\"container-watchd\",\"version\":1,\"boot\":\""));
        ck_assert_ptr_null(strstr(text, "\"forget\""));
        ck_assert_ptr_null(strstr(text, "\"path\":\"/run/runc/c0\""));

        /* appends go to the new file */
        {
                RecordEntry *late = entry_new("/run/runc/late", 77, 777, "late", NULL);

                ck_assert_int_eq(record_append(r, "started", late), 0);
                ck_assert_uint_eq(record_n_lines(r), 1);
                record_entry_free(late);
        }

        r = record_free(r);
        r = open_ok(NULL);
        for (int i = 0; i < N; i++) {
                if (i % 2 == 0 && i % 3 == 0)
                        ck_assert_ptr_null(record_take(r, e[i]->path, e[i]->pid, e[i]->start_ticks));
                else
                        assert_pending(r, e[i]->path, e[i]->pid, e[i]->start_ticks, i % 2 == 0, e[i]->id,
                                       e[i]->name);
        }
        assert_pending(r, "/run/runc/late", 77, 777, false, "late", NULL);
        ck_assert_ptr_null(record_take_any(r));
        for (int i = 0; i < N; i++)
                record_entry_free(e[i]);
}
END_TEST

START_TEST(test_unusable_dir) {
        Record *r = NULL;
        char notdir[sizeof(dir) + 8];

        /* a file where the directory should be */
        ck_assert_int_eq(mkdir(dir, 0700), 0);
        snprintf(notdir, sizeof(notdir), "%s/file", dir);
        {
                int fd = open(notdir, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

                ck_assert_int_ge(fd, 0);
                close(fd);
        }
        ck_assert_int_eq(record_open(notdir, &r, NULL), -ENOTDIR);
        ck_assert_ptr_null(r);
        ck_assert_int_eq(unlink(notdir), 0);
}
END_TEST

/* Issue 14, item 9: a short write (ENOSPC, or here RLIMIT_FSIZE, which needs no root) leaves no
 * fragment for the next line to be glued to: the next line and everything after it is read back. */
START_TEST(test_short_write_cut_off) {
        _cleanup_(record_freep) Record *r = open_ok(NULL);
        RecordEntry *a = entry_new("/run/runc/a", 100, 5000, "a", NULL),
                    *b = entry_new("/run/runc/b", 200, 6000, "b", NULL),
                    *c = entry_new("/run/runc/c", 300, 7000, "c", NULL);
        struct rlimit old, lim;
        struct stat st;
        void (*old_handler)(int);
        _cleanup_free_ char *text = NULL;

        ck_assert_int_eq(record_compact(r, next_none, NULL), 0);
        ck_assert_int_eq(record_append(r, "started", a), 0);
        ck_assert_int_eq(stat(file, &st), 0);

        /* room for 10 more bytes: the line for b is written in part */
        ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
        old_handler = signal(SIGXFSZ, SIG_IGN);
        lim = (struct rlimit) { .rlim_cur = (rlim_t) st.st_size + 10, .rlim_max = old.rlim_max };
        ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
        ck_assert_int_lt(record_append(r, "started", b), 0);
        ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
        (void) signal(SIGXFSZ, old_handler);

        /* the fragment is gone, and the next line is whole */
        text = slurp();
        ck_assert_int_eq((long) strlen(text), (long) st.st_size);
        ck_assert_int_eq(record_append(r, "started", c), 0);
        r = record_free(r);
        r = open_ok(NULL);
        assert_pending(r, "/run/runc/a", 100, 5000, false, "a", NULL);
        assert_pending(r, "/run/runc/c", 300, 7000, false, "c", NULL);
        ck_assert_ptr_null(record_take_any(r));
        record_entry_free(a);
        record_entry_free(b);
        record_entry_free(c);
}
END_TEST

/* A torn last line found at start is cut off at once: the next append does not continue it, even
 * when the start-up compaction does not happen (or fails). */
START_TEST(test_torn_line_cut_at_open) {
        _cleanup_(record_freep) Record *r = open_ok(NULL);
        RecordEntry *a = entry_new("/run/runc/a", 100, 5000, "a", NULL),
                    *d = entry_new("/run/runc/d", 400, 8000, "d", NULL);

        ck_assert_int_eq(record_compact(r, next_none, NULL), 0);
        ck_assert_int_eq(record_append(r, "started", a), 0);
        r = record_free(r);
        append_raw("{\"op\":\"started\",\"path\":\"/run/runc/c\",\"pid\":300,\"sta");
        r = open_ok(NULL);
        ck_assert_int_eq(record_append(r, "started", d), 0);
        r = record_free(r);
        r = open_ok(NULL);
        assert_pending(r, "/run/runc/a", 100, 5000, false, "a", NULL);
        assert_pending(r, "/run/runc/d", 400, 8000, false, "d", NULL);
        ck_assert_ptr_null(record_take_any(r));
        record_entry_free(a);
        record_entry_free(d);
}
END_TEST

/* A record larger than any cap (here a 300 MiB hole, sparse: no disk, no memory) is read, not
 * refused: the lines before and after it count, the hole is skipped as a line too long to be ours. */
START_TEST(test_oversized_record_read) {
        _cleanup_(record_freep) Record *r = open_ok(NULL);
        RecordEntry *a = entry_new("/run/runc/a", 100, 5000, "a", NULL);
        struct stat st;
        int fd;

        ck_assert_int_eq(record_compact(r, next_none, NULL), 0);
        ck_assert_int_eq(record_append(r, "started", a), 0);
        r = record_free(r);
        ck_assert_int_eq(stat(file, &st), 0);
        fd = open(file, O_WRONLY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(ftruncate(fd, st.st_size + (off_t) 300 * 1024 * 1024), 0);
        close(fd);
        append_raw("\n{\"op\":\"started\",\"path\":\"/run/runc/b\",\"pid\":200,\"start\":6000,\"id\":\"b\"}\n");
        r = open_ok(NULL);
        assert_pending(r, "/run/runc/a", 100, 5000, false, "a", NULL);
        assert_pending(r, "/run/runc/b", 200, 6000, false, "b", NULL);
        ck_assert_ptr_null(record_take_any(r));
        record_entry_free(a);
}
END_TEST

/* K8S_CONTAINER_TYPE survives a restart; a line of an older daemon without it still reads. */
START_TEST(test_k8s_container_type) {
        _cleanup_(record_freep) Record *r = open_ok(NULL);
        RecordEntry *a = entry_new("/run/runc/a", 100, 5000, "a", NULL), *e;

        a->k8s_container_type = strdup("sandbox");
        ck_assert_ptr_nonnull(a->k8s_container_type);
        ck_assert_int_eq(record_compact(r, next_none, NULL), 0);
        ck_assert_int_eq(record_append(r, "started", a), 0);
        r = record_free(r);
        append_raw("{\"op\":\"started\",\"path\":\"/run/runc/old\",\"pid\":200,\"start\":6000,\"id\":\"old\"}\n");
        r = open_ok(NULL);
        e = record_take(r, "/run/runc/a", 100, 5000);
        ck_assert_ptr_nonnull(e);
        ck_assert_pstr_eq(e->k8s_container_type, "sandbox");
        record_entry_free(e);
        e = record_take(r, "/run/runc/old", 200, 6000);
        ck_assert_ptr_nonnull(e);
        ck_assert_ptr_null(e->k8s_container_type);
        ck_assert_pstr_eq(e->id, "old");
        record_entry_free(e);
        record_entry_free(a);
}
END_TEST

static Suite *record_suite(void) {
        Suite *s = suite_create("record");
        TCase *tc = tcase_create("record");

        tcase_add_checked_fixture(tc, setup, teardown);
        /* test_oversized_record_read reads a 300 MiB hole: 2-4 s alone, past Check's default 4 s
         * on a loaded machine (seen with a load average of 13-20) and under ASan. */
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_append_and_reload);
        tcase_add_test(tc, test_started_twice_keeps_last);
        tcase_add_test(tc, test_torn_last_line);
        tcase_add_test(tc, test_torn_whole_object);
        tcase_add_test(tc, test_garbage_lines_skipped);
        tcase_add_test(tc, test_other_boot);
        tcase_add_test(tc, test_compaction);
        tcase_add_test(tc, test_unusable_dir);
        tcase_add_test(tc, test_short_write_cut_off);
        tcase_add_test(tc, test_torn_line_cut_at_open);
        tcase_add_test(tc, test_oversized_record_read);
        tcase_add_test(tc, test_k8s_container_type);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(record_suite());
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
