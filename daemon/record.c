/* SPDX-License-Identifier: MIT */
/*
 * The persistent record of reported events (see record.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-id128.h>

#include "record-test.h" /* record.h and what only its tests call */
#include "util/cleanup.h"
#include "util/json-line.h"
#include "util/json-scan.h"
#include "util/queue-mem.h"
#include "util/strutil.h"

#define RECORD_FILE "reported"
#define RECORD_TMP  "reported.tmp"
/* The longest line read back: our lines are a few hundred bytes (identity fields are bounded by
 * the parsers); anything longer is not one of ours and is skipped. The file itself has no cap: it
 * is read one line at a time, and rewritten (compacted) at start-up whatever its size. */
#define RECORD_LINE_MAX ((size_t) 1024 * 1024)
#define RECORD_CHUNK ((size_t) 64 * 1024)
/* Our lines nest three levels (a state's value); anything deeper is not ours. */
#define RECORD_DEPTH_MAX 64

struct Record {
        int dirfd;
        int fd;                 /* O_APPEND */
        char boot[33];
        void *pending;          /* tsearch tree of RecordEntry* */
        unsigned n_lines;
        json_t *states;         /* kind -> { key -> value }: record_put_state() */
        off_t size;             /* where the last whole line ends: the file's size, unless... */
        bool torn;              /* ...a short write left bytes after it that could not be cut off:
                                 * the next line starts with a newline, which ends the fragment */
};

static int entry_cmp(const void *a, const void *b) {
        const RecordEntry *x = a, *y = b;
        int c = strcmp(x->path, y->path);

        if (c != 0)
                return c;
        if (x->pid != y->pid)
                return x->pid < y->pid ? -1 : 1;
        return (x->start_ticks > y->start_ticks) - (x->start_ticks < y->start_ticks);
}

void record_entry_free(RecordEntry *e) {
        if (!e)
                return;
        free(e->path);
        free(e->id);
        free(e->ns);
        free(e->name);
        free(e->image);
        free(e->manager);
        free(e->runtime);
        free(e->pod_name);
        free(e->pod_namespace);
        free(e->pod_uid);
        free(e->k8s_container_name);
        free(e->k8s_container_type);
        free(e);
}

static void entry_free_action(void *p) {
        record_entry_free(p);
}

/* The string fields of an entry, for (de)serialisation in one place. */
#define ENTRY_STRINGS(e)                                                                             \
        { "id", &(e)->id }, { "ns", &(e)->ns }, { "name", &(e)->name }, { "image", &(e)->image },     \
        { "manager", &(e)->manager }, { "runtime", &(e)->runtime }, { "pod_name", &(e)->pod_name }, \
        { "pod_namespace", &(e)->pod_namespace }, { "pod_uid", &(e)->pod_uid },                      \
        { "k8s_container_name", &(e)->k8s_container_name }, { "k8s_container_type", &(e)->k8s_container_type }

typedef struct StringField {
        const char *key;
        char **value;
} StringField;

/* The members of a line that are read, by index in record_load_line()'s table; the string fields
 * follow in the order of ENTRY_STRINGS. */
enum {
        RL_OP,
        RL_BOOT,
        RL_PATH,
        RL_PID,
        RL_START,
        RL_CREATED,
        RL_STRINGS,
        _RL_MAX = RL_STRINGS + 11,
};

/* An entry from a line that json_scan() checked (keys[]: see record_load_line()). */
static RecordEntry *entry_from_scan(const char *line, const JsonScanKey *keys) {
        RecordEntry *e = calloc(1, sizeof(*e));
        int64_t pid = 0, start = -1, created = 0;

        if (!e)
                return NULL;
        if (json_scan_get_string(line, &keys[RL_PATH], &e->path) <= 0 ||
            json_scan_get_integer(line, &keys[RL_PID], &pid) <= 0 || pid <= 0 || pid > INT32_MAX ||
            json_scan_get_integer(line, &keys[RL_START], &start) <= 0 || start < 0)
                goto fail;
        e->pid = (pid_t) pid;
        e->start_ticks = (uint64_t) start;
        if (json_scan_get_integer(line, &keys[RL_CREATED], &created) > 0 && created > 0)
                e->created_usec = (uint64_t) created;
        {
                StringField f[] = { ENTRY_STRINGS(e) };

                for (size_t i = 0; i < ELEMENTSOF(f); i++)
                        if (json_scan_get_string(line, &keys[RL_STRINGS + i], f[i].value) < 0)
                                goto fail;
        }
        return e;
fail:
        record_entry_free(e);
        return NULL;
}

/* A line being written: buf[0] is room for a newline before it (record_write), the text follows. */
typedef struct Line {
        char *buf;
        size_t len, cap;
} Line;

static void line_done(Line *l) {
        free(l->buf);
}

static int line_put(Line *l, const char *s, size_t n) {
        if (l->len + n + 2 > l->cap) {
                size_t cap = (l->len + n + 2) * 2;
                char *b = realloc(l->buf, cap);

                if (!b)
                        return -ENOMEM;
                l->buf = b;
                l->cap = cap;
        }
        memcpy(l->buf + l->len, s, n);
        l->len += n;
        return 0;
}

/* ,"key":N as jansson wrote the json_int_t it was given (digits by hand: snprintf() was half of
 * the cost of a line) */
static int line_put_number(Line *l, const char *key, int64_t v) {
        char num[24], *p = num + sizeof(num);
        uint64_t u = v < 0 ? 0 - (uint64_t) v : (uint64_t) v;
        size_t kl = strlen(key);
        int r;

        do {
                *--p = (char) ('0' + u % 10);
                u /= 10;
        } while (u > 0);
        if (v < 0)
                *--p = '-';
        r = line_put(l, ",\"", 2);
        if (r >= 0)
                r = line_put(l, key, kl);
        if (r >= 0)
                r = line_put(l, "\":", 2);
        if (r >= 0)
                r = line_put(l, p, (size_t) (num + sizeof(num) - p));
        return r;
}

/* ,"key":"value" (value JSON-escaped); nothing when value is not valid UTF-8, as jansson's
 * json_string() refused it before. */
static int line_put_member(Line *l, const char *key, const char *value) {
        int r;

        if (!utf8_is_valid_json(value))
                return 0;
        r = line_put(l, ",", 1);
        if (r >= 0)
                r = json_append_string(&l->buf, &l->len, &l->cap, key);
        if (r >= 0)
                r = line_put(l, ":", 1);
        if (r >= 0)
                r = json_append_string(&l->buf, &l->len, &l->cap, value);
        return r;
}

/*
 * One entry as a line of JSON, written by hand rather than through a jansson object and
 * json_dumps() (a tenth of the daemon's instructions per container): l->buf[0] a newline, then
 * {"op":OP,"path":...,"pid":N,"start":N[,"created":N][,"id":...]} without the closing newline.
 * The same members in the same order as before; parsed back by entry_from_scan().
 */
static int entry_format(Line *l, const char *op, const RecordEntry *e, bool full) {
        int r;

        l->len = 0;
        r = line_put(l, "\n{\"op\":", strlen("\n{\"op\":"));
        if (r >= 0)
                r = json_append_string(&l->buf, &l->len, &l->cap, op);
        if (r >= 0 && utf8_is_valid_json(e->path)) {
                r = line_put(l, ",\"path\":", strlen(",\"path\":"));
                if (r >= 0)
                        r = json_append_string(&l->buf, &l->len, &l->cap, e->path);
        }
        if (r >= 0)
                r = line_put_number(l, "pid", e->pid);
        if (r >= 0)
                r = line_put_number(l, "start", (int64_t) e->start_ticks);
        if (r >= 0 && full) {
                StringField f[] = { ENTRY_STRINGS((RecordEntry *) e) };

                if (e->created_usec > 0)
                        r = line_put_number(l, "created", (int64_t) e->created_usec);
                for (size_t i = 0; r >= 0 && i < ELEMENTSOF(f); i++)
                        if (*f[i].value)
                                r = line_put_member(l, f[i].key, *f[i].value);
        }
        if (r >= 0)
                r = line_put(l, "}", 1);
        return r;
}

/* A jansson value as compact JSON, members in their order, as json_dumps(JSON_COMPACT |
 * JSON_PRESERVE_ORDER) wrote it but for reals, which are left to json_dumps (-EDOM). */
static int line_put_json(Line *l, json_t *v) {
        char num[32];
        int r = 0;

        switch (json_typeof(v)) {
        case JSON_OBJECT: {
                const char *key;
                json_t *m;
                bool first = true;

                r = line_put(l, "{", 1);
                json_object_foreach(v, key, m) {
                        if (r >= 0 && !first)
                                r = line_put(l, ",", 1);
                        first = false;
                        if (r >= 0)
                                r = json_append_string(&l->buf, &l->len, &l->cap, key);
                        if (r >= 0)
                                r = line_put(l, ":", 1);
                        if (r >= 0)
                                r = line_put_json(l, m);
                }
                return r < 0 ? r : line_put(l, "}", 1);
        }
        case JSON_ARRAY: {
                size_t i;
                json_t *m;

                r = line_put(l, "[", 1);
                json_array_foreach(v, i, m) {
                        if (r >= 0 && i > 0)
                                r = line_put(l, ",", 1);
                        if (r >= 0)
                                r = line_put_json(l, m);
                }
                return r < 0 ? r : line_put(l, "]", 1);
        }
        case JSON_STRING:
                return json_append_string(&l->buf, &l->len, &l->cap, json_string_value(v));
        case JSON_INTEGER:
                return line_put(l, num, (size_t) snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
                                                          json_integer_value(v)));
        case JSON_TRUE:
                return line_put(l, "true", 4);
        case JSON_FALSE:
                return line_put(l, "false", 5);
        case JSON_NULL:
                return line_put(l, "null", 4);
        default:
                return -EDOM;
        }
}

/* A jansson object as a line (state and header lines), after the newline in l->buf[0]. Written
 * by hand: a crash-loop state line for every death cost more through json_dumps() than the rest of
 * the record. */
static int json_format(Line *l, json_t *o) {
        _cleanup_free_ char *s = NULL;
        int r;

        l->len = 0;
        r = line_put(l, "\n", 1);
        if (r >= 0)
                r = line_put_json(l, o);
        if (r != -EDOM)
                return r;
        /* a real somewhere: jansson formats it */
        s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (!s)
                return -ENOMEM;
        l->len = 1;
        return line_put(l, s, strlen(s));
}

/* Compaction's output, written in chunks of about RECORD_CHUNK. */
typedef struct Chunks {
        int fd;
        Line out;
} Chunks;

static int chunks_flush(Chunks *c) {
        for (size_t done = 0; done < c->out.len;) {
                ssize_t k = write(c->fd, c->out.buf + done, c->out.len - done);

                if (k < 0)
                        return -errno;
                if (k == 0)
                        return -EIO;
                done += (size_t) k;
        }
        c->out.len = 0;
        return 0;
}

/* The text of l (without its leading newline) and a newline. */
static int chunks_add(Chunks *c, const Line *l) {
        int r = line_put(&c->out, l->buf + 1, l->len - 1);

        if (r >= 0)
                r = line_put(&c->out, "\n", 1);
        if (r >= 0 && c->out.len >= RECORD_CHUNK)
                r = chunks_flush(c);
        return r;
}

/*
 * Append one line to the record. A short write (ENOSPC, EFBIG, EIO) leaves a fragment at the end:
 * it is cut off again (ftruncate to the end of the last whole line) so that the next line is not
 * glued to it and lost with it; when even that fails, the next line starts with a newline (a
 * reader skips the fragment as a line that does not parse).
 */
static int record_write(Record *r, Line *l) {
        size_t skip, want;
        ssize_t k;

        if (line_put(l, "\n", 1) < 0)
                return -ENOMEM;
        skip = r->torn ? 0 : 1;
        want = l->len - skip;
        /* one write() per line; a short one is continued once, which says why it stopped */
        for (size_t done = 0; done < want; done += (size_t) k) {
                k = write(r->fd, l->buf + skip + done, want - done);
                if (k <= 0) {
                        int error = k < 0 ? errno : EIO;

                        if (done > 0 && ftruncate(r->fd, r->size) < 0)
                                r->torn = true;
                        return -error;
                }
        }
        r->size += (off_t) want;
        r->torn = false;
        return 0;
}

/* A started, exited or forget line (e: its entry, taken over; NULL when it did not read). */
static void record_apply(Record *r, const char *op, RecordEntry *e) {
        void **p;

        if (!op || !e) {
                record_entry_free(e);
                return;
        }
        p = tfind(e, &r->pending, entry_cmp);
        if (streq(op, "started")) {
                if (p) {
                        RecordEntry *old = *(RecordEntry **) p;

                        (void) tdelete(old, &r->pending, entry_cmp);
                        record_entry_free(old);
                }
                if (tsearch(e, &r->pending, entry_cmp))
                        e = NULL;
        } else if (p && streq(op, "exited"))
                (*(RecordEntry **) p)->exited = true;
        else if (p && streq(op, "forget")) {
                RecordEntry *old = *(RecordEntry **) p;

                (void) tdelete(old, &r->pending, entry_cmp);
                record_entry_free(old);
        }
        record_entry_free(e);
}

/* A "state" line: {"op":"state","kind":K,"key":KEY,"value":V}; no value means the state is gone. */
static void record_apply_state(Record *r, json_t *o) {
        const char *kind = json_string_value(json_object_get(o, "kind")),
                   *key = json_string_value(json_object_get(o, "key"));
        json_t *value = json_object_get(o, "value"), *k;

        if (!kind || !key)
                return;
        k = json_object_get(r->states, kind);
        if (!k) {
                if (!value)
                        return;
                k = json_object();
                if (!k || json_object_set_new(r->states, kind, k) < 0)
                        return;
        }
        if (value)
                (void) json_object_set(k, key, value);
        else
                (void) json_object_del(k, key);
}

static unsigned count_unfinished;
static void count_action(const void *nodep, VISIT which, void *closure) {
        (void) closure;
        if ((which == postorder || which == leaf) && !(*(RecordEntry *const *) nodep)->exited)
                count_unfinished++;
}

/*
 * One line of the record (without its newline). Checked whole by json_scan() and its members
 * decoded from it: a jansson document per line was most of a restart's cost beside the state
 * files. Only "state" lines, whose values are kept as jansson values, are parsed by jansson.
 */
static void record_load_line(Record *r, char *line, bool *header, bool *same_boot) {
        JsonScanKey keys[_RL_MAX] = {
                [RL_OP]      = JSON_SCAN_KEY("op", -1),
                [RL_BOOT]    = JSON_SCAN_KEY("boot", -1),
                [RL_PATH]    = JSON_SCAN_KEY("path", -1),
                [RL_PID]     = JSON_SCAN_KEY("pid", -1),
                [RL_START]   = JSON_SCAN_KEY("start", -1),
                [RL_CREATED] = JSON_SCAN_KEY("created", -1),
        };
        _cleanup_free_ char *op = NULL;
        RecordEntry dummy = {};

        {
                StringField f[] = { ENTRY_STRINGS(&dummy) };

                _Static_assert(ELEMENTSOF(f) == _RL_MAX - RL_STRINGS, "a key per string field");
                for (size_t i = 0; i < ELEMENTSOF(f); i++)
                        keys[RL_STRINGS + i] = (JsonScanKey) JSON_SCAN_KEY(f[i].key, -1);
        }
        if (json_scan(line, strlen(line), RECORD_DEPTH_MAX, keys, _RL_MAX) < 0)
                return; /* not an object, not JSON: not one of ours */
        if (!*header) {
                _cleanup_free_ char *boot = NULL;

                *header = true;
                if (json_scan_get_string(line, &keys[RL_BOOT], &boot) < 0)
                        return;
                *same_boot = boot && streq(boot, r->boot);
                if (keys[RL_OP].end == 0)
                        return;
        }
        if (json_scan_get_string(line, &keys[RL_OP], &op) <= 0)
                return;
        if (streq(op, "state")) {
                json_t *o = json_loads(line, 0, NULL);

                if (json_is_object(o))
                        record_apply_state(r, o);
                json_decref(o);
                return;
        }
        record_apply(r, op, entry_from_scan(line, keys));
}

/*
 * Read the record one line at a time (no cap on the file: memory goes with what it describes).
 * *ret_end is where the last whole line ends: a torn last line (the daemon died mid-write, or a
 * short write) lies beyond it and is ignored.
 */
static int record_load(Record *r, unsigned *ret_other_boot, off_t *ret_end) {
        _cleanup_free_ char *line = NULL, *chunk = NULL;
        _cleanup_close_ int fd = -1;
        bool header = false, same_boot = false, too_long = false;
        size_t fill = 0;
        off_t pos = 0, end = 0;

        *ret_end = 0;
        fd = openat(r->dirfd, RECORD_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        line = malloc(RECORD_LINE_MAX + 1);
        chunk = malloc(RECORD_CHUNK);
        if (!line || !chunk)
                return -ENOMEM;
        for (;;) {
                ssize_t n = read(fd, chunk, RECORD_CHUNK);
                const char *p, *nl;

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                for (p = chunk; p < chunk + n; p = nl + 1) {
                        size_t l;

                        nl = memchr(p, '\n', (size_t) (chunk + n - p));
                        l = (size_t) ((nl ?: chunk + n) - p);
                        if (fill + l > RECORD_LINE_MAX)
                                too_long = true; /* not one of ours: skipped at its newline */
                        else {
                                memcpy(line + fill, p, l);
                                fill += l;
                        }
                        if (!nl)
                                break;
                        end = pos + (off_t) (nl + 1 - chunk);
                        line[fill] = 0;
                        if (!too_long && fill > 0 && !memchr(line, 0, fill))
                                record_load_line(r, line, &header, &same_boot);
                        fill = 0;
                        too_long = false;
                }
                pos += n;
        }
        if (!same_boot)
                json_object_clear(r->states); /* crash loops and counters are of that boot */
        if (!same_boot && r->pending) {
                count_unfinished = 0;
                twalk_r(r->pending, count_action, NULL);
                if (ret_other_boot)
                        *ret_other_boot = count_unfinished;
                tdestroy(r->pending, entry_free_action);
                r->pending = NULL;
        }
        *ret_end = end;
        return 0;
}

static int record_open_append(Record *r) {
        off_t size;

        r->fd = safe_close(r->fd);
        r->fd = openat(r->dirfd, RECORD_FILE, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (r->fd < 0)
                return -errno;
        size = lseek(r->fd, 0, SEEK_END);
        if (size < 0)
                return -errno;
        r->size = size;
        r->torn = false;
        return 0;
}

int record_open(const char *dir, Record **ret, unsigned *ret_other_boot) {
        Record *r;
        sd_id128_t boot;
        off_t end = 0;
        int k;

        if (ret_other_boot)
                *ret_other_boot = 0;
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->fd = -1;
        r->states = json_object();
        if (!r->states) {
                free(r);
                return -ENOMEM;
        }
        r->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (r->dirfd < 0) {
                k = -errno;
                record_free(r);
                return k;
        }
        k = sd_id128_get_boot(&boot);
        if (k < 0) {
                record_free(r);
                return k;
        }
        sd_id128_to_string(boot, r->boot);
        k = record_load(r, ret_other_boot, &end);
        if (k >= 0)
                k = record_open_append(r);
        if (k >= 0 && r->size > end) {
                /* a torn last line: cut it off, so that the next line does not continue it */
                if (ftruncate(r->fd, end) < 0)
                        r->torn = true;
                else
                        r->size = end;
        }
        if (k < 0) {
                record_free(r);
                return k;
        }
        *ret = r;
        return 0;
}

Record *record_free(Record *r) {
        if (!r)
                return NULL;
        tdestroy(r->pending, entry_free_action);
        json_decref(r->states);
        safe_close(r->fd);
        safe_close(r->dirfd);
        free(r);
        return NULL;
}

void record_freep(Record **r) {
        record_free(*r);
}

RecordEntry *record_take(Record *r, const char *path, pid_t pid, uint64_t start_ticks) {
        RecordEntry key = { .path = (char *) path, .pid = pid, .start_ticks = start_ticks }, *e;
        void **p = tfind(&key, &r->pending, entry_cmp);

        if (!p)
                return NULL;
        e = *(RecordEntry **) p;
        (void) tdelete(e, &r->pending, entry_cmp);
        return e;
}

RecordEntry *record_take_any(Record *r) {
        RecordEntry *e;

        if (!r->pending)
                return NULL;
        e = *(RecordEntry **) r->pending; /* the root node: any entry will do */
        (void) tdelete(e, &r->pending, entry_cmp);
        return e;
}

/* In queue memory (util/queue-mem.h), as the journal entry it waits behind: the text with room for
 * record_write()'s newline. */
struct RecordLine {
        size_t len;
        char buf[];
};

RecordLine *record_line_new(const char *op, const RecordEntry *e) {
        _cleanup_(line_done) Line t = {};
        RecordLine *l;

        if (entry_format(&t, op, e, streq(op, "started")) < 0)
                return NULL;
        l = queue_mem_alloc(sizeof(*l) + t.len + 3);
        if (!l)
                return NULL;
        l->len = t.len;
        memcpy(l->buf, t.buf, t.len);
        return l;
}

RecordLine *record_line_free(RecordLine *l) {
        queue_mem_free(l);
        return NULL;
}

int record_append_line(Record *r, RecordLine *l) {
        /* cap: the newline and line_put()'s spare byte fit without a realloc() of l */
        Line v = { .buf = l->buf, .len = l->len, .cap = l->len + 3 };
        int k = record_write(r, &v);

        if (k >= 0)
                r->n_lines++;
        return k;
}

int record_append(Record *r, const char *op, const RecordEntry *e) {
        _cleanup_(line_done) Line l = {};
        int k;

        k = entry_format(&l, op, e, streq(op, "started"));
        if (k >= 0)
                k = record_write(r, &l);
        if (k >= 0)
                r->n_lines++;
        return k;
}

unsigned record_n_lines(const Record *r) {
        return r->n_lines;
}

int record_compact(Record *r, const RecordEntry *(*next)(void *userdata), void *userdata) {
        _cleanup_(line_done) Line l = {};
        Chunks c = { .fd = -1 };
        const RecordEntry *e;
        json_t *h;
        int k;

        c.fd = openat(r->dirfd, RECORD_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (c.fd < 0)
                return -errno;
        h = json_pack("{s:s, s:i, s:s}", "record", "container-watchd", "version", 1, "boot", r->boot);
        k = h ? json_format(&l, h) : -ENOMEM;
        json_decref(h);
        if (k >= 0)
                k = chunks_add(&c, &l);
        while (k >= 0 && (e = next(userdata))) {
                k = entry_format(&l, "started", e, true);
                if (k >= 0)
                        k = chunks_add(&c, &l);
                if (k >= 0 && e->exited) {
                        k = entry_format(&l, "exited", e, false);
                        if (k >= 0)
                                k = chunks_add(&c, &l);
                }
        }
        if (k >= 0) {
                const char *kind;
                json_t *keys;

                json_object_foreach(r->states, kind, keys) {
                        const char *key;
                        json_t *value;

                        json_object_foreach(keys, key, value) {
                                json_t *o = json_pack("{s:s, s:s, s:s, s:O}", "op", "state", "kind", kind,
                                                      "key", key, "value", value);

                                k = o ? json_format(&l, o) : -ENOMEM;
                                json_decref(o);
                                if (k >= 0)
                                        k = chunks_add(&c, &l);
                                if (k < 0)
                                        break;
                        }
                        if (k < 0)
                                break;
                }
        }
        if (k >= 0)
                k = chunks_flush(&c);
        if (k >= 0 && fsync(c.fd) < 0)
                k = -errno;
        line_done(&c.out);
        safe_close(c.fd);
        if (k < 0)
                return k;
        if (renameat(r->dirfd, RECORD_TMP, r->dirfd, RECORD_FILE) < 0)
                return -errno;
        (void) fsync(r->dirfd);
        r->n_lines = 0;
        return record_open_append(r);
}

int record_put_state(Record *r, const char *kind, const char *key, json_t *value) {
        _cleanup_(line_done) Line l = {};
        json_t *o, *k;
        int q;

        k = json_object_get(r->states, kind);
        if (!value && !json_object_get(k, key))
                return 0; /* nothing to forget */
        o = value ? json_pack("{s:s, s:s, s:s, s:O}", "op", "state", "kind", kind, "key", key, "value", value) :
                    json_pack("{s:s, s:s, s:s}", "op", "state", "kind", kind, "key", key);
        if (!o)
                return -ENOMEM;
        record_apply_state(r, o);
        q = json_format(&l, o);
        json_decref(o);
        if (q >= 0)
                q = record_write(r, &l);
        if (q >= 0)
                r->n_lines++;
        return q;
}

json_t *record_get_states(const Record *r, const char *kind) {
        return json_object_get(r->states, kind);
}

void record_forget_state(Record *r, const char *kind, const char *key) {
        (void) json_object_del(json_object_get(r->states, kind), key);
}

const char *record_default_dir(void) {
        static char buf[4096];
        const char *e = getenv("STATE_DIRECTORY");

        if (!isempty(e)) {
                /* systemd passes a colon-separated list when several are configured */
                snprintf(buf, sizeof(buf), "%.*s", (int) strcspn(e, ":"), e);
                return buf;
        }
        return "/var/lib/container-watchd"; /* DESIGN.md §5, whatever the build prefix */
}
