/* SPDX-License-Identifier: MIT */
/*
 * Prometheus counters in a node_exporter textfile (see metrics.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crashloop.h"
#include "metrics-test.h" /* metrics.h and what only its tests call */
#include "util/cleanup.h"
#include "util/strutil.h"

#define LABELS_MAX 4

/* The labelled counters: the ones persisted, and the ones a name label goes on. */
typedef enum Family {
        FAMILY_EVENTS,
        FAMILY_EXITS,
        FAMILY_OOM_KILLS,
        FAMILY_CRASHLOOPS,
        _FAMILY_MAX,
} Family;

static const struct {
        const char *key;         /* in the persistent form */
        const char *name;
        const char *help;
        const char *labels[LABELS_MAX];
        size_t n_labels;         /* without "name" */
} families[_FAMILY_MAX] = {
        [FAMILY_EVENTS] = { "events", "container_watchd_container_events_total",
                            "Container events written to the journal, by CONTAINER_EVENT and CONTAINER_MANAGER.",
                            { "event", "manager" }, 2 },
        [FAMILY_EXITS] = { "exits", "container_watchd_container_exits_total",
                           "Container deaths, by manager, reason (DEATH_REASON) and signal (empty for none).",
                           { "manager", "reason", "signal" }, 3 },
        [FAMILY_OOM_KILLS] = { "oom_kills", "container_watchd_oom_kills_total",
                               "Processes in containers killed by the OOM killer, by manager, scope "
                               "(OOM_SCOPE: container, ancestor, host, or unknown) and victim (init or child).",
                               { "manager", "scope", "victim" }, 3 },
        [FAMILY_CRASHLOOPS] = { "crashloops", "container_watchd_crashloops_total",
                                "Crash-loop entries written (CrashLoopCount= deaths within CrashLoopWindowSec=, "
                                "then one at each doubling), by manager.",
                                { "manager" }, 1 },
};

typedef struct Series {
        Family family;
        char *v[LABELS_MAX];     /* the label values, in the order of families[].labels, then name */
        size_t n;
        uint64_t value;
} Series;

typedef struct NameUse {
        char *name;
        uint64_t seq;            /* larger = seen more recently */
} NameUse;

struct Metrics {
        sd_event *event;
        sd_event_source *timer;
        char *path, *dir, *base, *tmp;
        bool per_container;
        unsigned names_max;

        void *series;            /* tsearch tree of Series* */
        void *names;             /* tsearch tree of NameUse* (per_container only) */
        size_t n_names;
        uint64_t seq;

        uint64_t tracked, queue_length, dropped, dropped_base;
        uint64_t start_usec;     /* CLOCK_REALTIME */

        bool dirty, failing, ever_written;
        uint64_t last_write;     /* CLOCK_MONOTONIC of the last attempt */
        uint64_t armed;

        MetricsWritten cb;
        void *userdata;
};

static int series_cmp(const void *a, const void *b) {
        const Series *x = a, *y = b;

        if (x->family != y->family)
                return x->family < y->family ? -1 : 1;
        if (x->n != y->n)
                return x->n < y->n ? -1 : 1;
        for (size_t i = 0; i < x->n; i++) {
                int c = strcmp(x->v[i], y->v[i]);

                if (c != 0)
                        return c;
        }
        return 0;
}

static void series_free(void *p) {
        Series *s = p;

        if (!s)
                return;
        for (size_t i = 0; i < s->n; i++)
                free(s->v[i]);
        free(s);
}

static int name_cmp(const void *a, const void *b) {
        return strcmp(((const NameUse *) a)->name, ((const NameUse *) b)->name);
}

static void name_free(void *p) {
        NameUse *n = p;

        if (n)
                free(n->name);
        free(n);
}

static int metrics_on_timer(sd_event_source *s, uint64_t usec, void *userdata);

int metrics_new(sd_event *e, const char *path, bool per_container, unsigned names_max, Metrics **ret) {
        _cleanup_(metrics_freep) Metrics *m = NULL;
        const char *slash = strrchr(path, '/');
        struct timespec ts;
        int r;

        if (!slash || !slash[1])
                return -EINVAL;
        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->event = sd_event_ref(e);
        m->per_container = per_container;
        m->names_max = names_max > 0 ? names_max : METRICS_NAMES_MAX_DEFAULT;
        m->path = strdup(path);
        m->dir = slash == path ? strdup("/") : strndup(path, (size_t) (slash - path));
        m->base = strdup(slash + 1);
        if (!m->path || !m->dir || !m->base || asprintf(&m->tmp, ".%s.tmp", slash + 1) < 0)
                return -ENOMEM;
        (void) clock_gettime(CLOCK_REALTIME, &ts);
        m->start_usec = (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;

        r = sd_event_add_time(e, &m->timer, CLOCK_MONOTONIC, 0, 0, metrics_on_timer, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(m->timer, "metrics-textfile");
        r = sd_event_source_set_enabled(m->timer, SD_EVENT_OFF);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

Metrics *metrics_free(Metrics *m) {
        if (!m)
                return NULL;
        sd_event_source_disable_unref(m->timer);
        sd_event_unref(m->event);
        tdestroy(m->series, series_free);
        tdestroy(m->names, name_free);
        free(m->path);
        free(m->dir);
        free(m->base);
        free(m->tmp);
        free(m);
        return NULL;
}

void metrics_freep(Metrics **m) {
        *m = metrics_free(*m);
}

void metrics_set_callback(Metrics *m, MetricsWritten cb, void *userdata) {
        m->cb = cb;
        m->userdata = userdata;
}

bool metrics_is_dirty(const Metrics *m) {
        return m->dirty;
}

uint64_t metrics_armed_usec(const Metrics *m) {
        return m->armed;
}

static void metrics_arm(Metrics *m, uint64_t when) {
        if (sd_event_source_set_time(m->timer, when) < 0 ||
            sd_event_source_set_enabled(m->timer, SD_EVENT_ONESHOT) < 0)
                return; /* cannot fail for a valid timer source; the next change tries again */
        m->armed = when;
}

static void metrics_disarm(Metrics *m) {
        (void) sd_event_source_set_enabled(m->timer, SD_EVENT_OFF);
        m->armed = 0;
}

static void metrics_mark_dirty(Metrics *m) {
        uint64_t now = 0, when;

        m->dirty = true;
        if (m->armed > 0)
                return;
        (void) sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        when = m->ever_written ? m->last_write + METRICS_INTERVAL_USEC : now;
        metrics_arm(m, when > now ? when : now);
}

/* Forget the series of the name seen longest ago, to make room for another. */
static void oldest_name_action(const void *nodep, VISIT which, void *closure) {
        NameUse *n = *(NameUse *const *) nodep, **oldest = closure;

        if ((which == postorder || which == leaf) && (!*oldest || n->seq < (*oldest)->seq))
                *oldest = n;
}

typedef struct Collect {
        const char *name;
        Series **list;
        size_t n, cap;
        bool failed;
} Collect;

static void collect_action(const void *nodep, VISIT which, void *closure) {
        Series *s = *(Series *const *) nodep;
        Collect *c = closure;

        if (which != postorder && which != leaf)
                return;
        if (s->n != families[s->family].n_labels + 1 || !streq(s->v[s->n - 1], c->name))
                return;
        if (c->n == c->cap) {
                size_t cap = c->cap ? c->cap * 2 : 16;
                Series **l = reallocarray(c->list, cap, sizeof(Series *));

                if (!l) {
                        c->failed = true;
                        return;
                }
                c->list = l;
                c->cap = cap;
        }
        c->list[c->n++] = s;
}

static void metrics_evict_name(Metrics *m) {
        NameUse *victim = NULL;
        Collect c = {};

        twalk_r(m->names, oldest_name_action, &victim);
        if (!victim)
                return;
        c.name = victim->name;
        twalk_r(m->series, collect_action, &c);
        /* tdelete() outside the walk: the tree must not change under twalk_r() */
        for (size_t i = 0; i < c.n; i++) {
                (void) tdelete(c.list[i], &m->series, series_cmp);
                series_free(c.list[i]);
        }
        free(c.list);
        (void) tdelete(victim, &m->names, name_cmp);
        name_free(victim);
        m->n_names--;
}

/* Note that name is in use now; false when it cannot be (out of memory). */
static bool metrics_use_name(Metrics *m, const char *name) {
        NameUse probe = { .name = (char *) name }, *n;
        void **p = tfind(&probe, &m->names, name_cmp);

        if (p) {
                (*(NameUse **) p)->seq = ++m->seq;
                return true;
        }
        while (m->n_names >= m->names_max && m->n_names > 0)
                metrics_evict_name(m);
        n = calloc(1, sizeof(*n));
        if (!n)
                return false;
        n->name = strdup(name);
        n->seq = ++m->seq;
        if (!n->name || !tsearch(n, &m->names, name_cmp)) {
                name_free(n);
                return false;
        }
        m->n_names++;
        return true;
}

/* Add delta to the series of family with these label values (name: NULL unless per container). */
static void metrics_add(Metrics *m, Family f, const char *const *values, const char *name, uint64_t delta) {
        Series probe = { .family = f }, *s;
        void **p;

        for (size_t i = 0; i < families[f].n_labels; i++)
                probe.v[probe.n++] = (char *) (values[i] ?: "");
        if (m->per_container) {
                if (!name || !metrics_use_name(m, name))
                        name = "";
                probe.v[probe.n++] = (char *) name;
        }
        p = tfind(&probe, &m->series, series_cmp);
        if (p) {
                (*(Series **) p)->value += delta;
                metrics_mark_dirty(m);
                return;
        }
        s = calloc(1, sizeof(*s));
        if (!s)
                return;
        s->family = f;
        for (size_t i = 0; i < probe.n; i++)
                if (!(s->v[s->n++] = strdup(probe.v[i]))) {
                        series_free(s);
                        return;
                }
        s->value = delta;
        if (!tsearch(s, &m->series, series_cmp)) {
                series_free(s);
                return;
        }
        metrics_mark_dirty(m);
}

void metrics_count_event(Metrics *m, const Event *ev) {
        const char *event = event_get(ev, "CONTAINER_EVENT"), *manager = event_get(ev, "CONTAINER_MANAGER") ?: "runc";
        _cleanup_free_ char *name = NULL;
        const char *scope = event_get(ev, "OOM_SCOPE") ?: "unknown";

        if (!event)
                return;
        if (m->per_container) {
                const char *ignored;

                (void) crashloop_name_from_event(ev, &ignored, &name);
        }
        metrics_add(m, FAMILY_EVENTS, (const char *[]) { event, manager }, name, 1);
        if (streq(event, "exited")) {
                const char *reason = crashloop_reason_of(ev);

                metrics_add(m, FAMILY_EXITS, (const char *[]) { manager, reason, event_get(ev, "EXIT_SIGNAL") },
                            name, 1);
                if (streq_ptr(event_get(ev, "OOM_KILLED"), "1") || streq(reason, "oom-killed"))
                        metrics_add(m, FAMILY_OOM_KILLS, (const char *[]) { manager, scope, "init" }, name, 1);
        } else if (streq(event, "oom"))
                metrics_add(m, FAMILY_OOM_KILLS,
                            (const char *[]) { manager, scope,
                                               streq_ptr(event_get(ev, "OOM_VICTIM_IS_INIT"), "1") ? "init" : "child" },
                            name, 1);
        else if (streq(event, "crashloop"))
                metrics_add(m, FAMILY_CRASHLOOPS, (const char *[]) { manager }, name, 1);
}

static void metrics_set_gauge(Metrics *m, uint64_t *g, uint64_t n) {
        if (*g == n)
                return;
        *g = n;
        metrics_mark_dirty(m);
}

void metrics_set_tracked(Metrics *m, uint64_t n) {
        metrics_set_gauge(m, &m->tracked, n);
}

void metrics_set_queue_length(Metrics *m, uint64_t n) {
        metrics_set_gauge(m, &m->queue_length, n);
}

void metrics_set_events_dropped(Metrics *m, uint64_t n) {
        metrics_set_gauge(m, &m->dropped, n);
}

/* A label value as the exposition format wants it: \\, \" and \n escaped; bytes that are not
 * UTF-8 are C-escaped first (label values must be UTF-8). */
static void put_label_value(FILE *f, const char *v) {
        _cleanup_free_ char *esc = NULL;

        if (!utf8_is_valid(v)) {
                esc = cescape(v);
                v = esc ?: "";
        }
        for (; *v; v++) {
                if (*v == '\\')
                        fputs("\\\\", f);
                else if (*v == '"')
                        fputs("\\\"", f);
                else if (*v == '\n')
                        fputs("\\n", f);
                else
                        fputc(*v, f);
        }
}

typedef struct FormatWalk {
        FILE *f;
        Family family;
        bool any;
} FormatWalk;

static void format_action(const void *nodep, VISIT which, void *closure) {
        const Series *s = *(Series *const *) nodep;
        FormatWalk *w = closure;

        if ((which != postorder && which != leaf) || s->family != w->family)
                return;
        fputs(families[s->family].name, w->f);
        fputc('{', w->f);
        for (size_t i = 0; i < s->n; i++) {
                fprintf(w->f, "%s%s=\"", i > 0 ? "," : "",
                        i < families[s->family].n_labels ? families[s->family].labels[i] : "name");
                put_label_value(w->f, s->v[i]);
                fputc('"', w->f);
        }
        fprintf(w->f, "} %" PRIu64 "\n", s->value);
}

static void put_scalar(FILE *f, const char *name, const char *type, const char *help, const char *value) {
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %s\n", name, help, name, type, name, value);
}

int metrics_format(Metrics *m, bool up, char **ret) {
        _cleanup_free_ char *buf = NULL;
        char v[64];
        size_t len = 0;
        FILE *f;

        f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        for (Family fam = 0; fam < _FAMILY_MAX; fam++) {
                FormatWalk w = { .f = f, .family = fam };

                fprintf(f, "# HELP %s %s\n# TYPE %s counter\n", families[fam].name, families[fam].help,
                        families[fam].name);
                twalk_r(m->series, format_action, &w);
        }
        snprintf(v, sizeof(v), "%" PRIu64, m->dropped_base + m->dropped);
        put_scalar(f, "container_watchd_events_dropped_total", "counter",
                   "Container events dropped because the journal was unavailable longer than JournalQueueSize= allows.", v);
        snprintf(v, sizeof(v), "%" PRIu64, m->tracked);
        put_scalar(f, "container_watchd_containers_tracked", "gauge", "Containers whose init is being watched now.", v);
        snprintf(v, sizeof(v), "%" PRIu64, m->queue_length);
        put_scalar(f, "container_watchd_journal_queue_length", "gauge",
                   "Container events waiting for the journal to come back.", v);
        snprintf(v, sizeof(v), "%" PRIu64 ".%06" PRIu64, m->start_usec / USEC_PER_SEC, m->start_usec % USEC_PER_SEC);
        put_scalar(f, "container_watchd_start_time_seconds", "gauge",
                   "When the daemon started, in seconds since the Unix epoch.", v);
        put_scalar(f, "container_watchd_up", "gauge", "1 while the daemon runs, 0 once it has stopped cleanly.",
                   up ? "1" : "0");
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}

static int write_all(int fd, const char *p, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, p, n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

/* Temporary file in the same directory, fsync, rename: a reader sees the old file or the new. */
static int metrics_write(Metrics *m, bool up) {
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int dirfd = -1, fd = -1;
        int r;

        r = metrics_format(m, up, &text);
        if (r < 0)
                return r;
        dirfd = open(m->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return -errno;
        (void) unlinkat(dirfd, m->tmp, 0); /* left by a crash, or a symlink someone put there */
        fd = openat(dirfd, m->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        /* the unit's UMask=0077 must not make the file unreadable for node_exporter */
        if (fchmod(fd, 0644) < 0)
                r = -errno;
        if (r >= 0)
                r = write_all(fd, text, strlen(text));
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && renameat(dirfd, m->tmp, dirfd, m->base) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlinkat(dirfd, m->tmp, 0);
                return r;
        }
        (void) fsync(dirfd);
        return 0;
}

static int metrics_write_and_tell(Metrics *m, bool up, uint64_t now) {
        int r = metrics_write(m, up);
        bool first;

        m->last_write = now;
        m->ever_written = true;
        if (r < 0) {
                first = !m->failing;
                m->failing = true;
        } else {
                first = m->failing;
                m->failing = false;
                m->dirty = false;
        }
        if (m->cb)
                m->cb(m, r, first, m->userdata);
        return r;
}

int metrics_tick(Metrics *m, uint64_t now) {
        int r;

        if (!m->dirty) {
                metrics_disarm(m);
                return 0;
        }
        if (m->ever_written && now < m->last_write + (m->failing ? METRICS_RETRY_USEC : METRICS_INTERVAL_USEC)) {
                metrics_arm(m, m->last_write + (m->failing ? METRICS_RETRY_USEC : METRICS_INTERVAL_USEC));
                return 0;
        }
        metrics_disarm(m);
        r = metrics_write_and_tell(m, /* up= */ true, now);
        if (r < 0) {
                metrics_arm(m, now + METRICS_RETRY_USEC);
                return r;
        }
        return 1;
}

static int metrics_on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Metrics *m = userdata;

        (void) s;
        m->armed = 0;
        (void) metrics_tick(m, usec);
        return 0;
}

int metrics_flush(Metrics *m, bool up) {
        uint64_t now = 0;

        (void) sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        metrics_disarm(m);
        return metrics_write_and_tell(m, up, now);
}

/* ---------------------------------------------------------------- persistence */

typedef struct JsonWalk {
        json_t *list;
        bool failed;
} JsonWalk;

static void json_action(const void *nodep, VISIT which, void *closure) {
        const Series *s = *(Series *const *) nodep;
        JsonWalk *w = closure;
        json_t *values, *e;

        if (which != postorder && which != leaf)
                return;
        values = json_array();
        for (size_t i = 0; values && i < s->n; i++)
                if (json_array_append_new(values, json_string(s->v[i])) < 0)
                        w->failed = true;
        e = values ? json_pack("[s, o, I]", families[s->family].key, values, (json_int_t) s->value) : NULL;
        if (!e || json_array_append_new(w->list, e) < 0)
                w->failed = true;
}

json_t *metrics_to_json(const Metrics *m) {
        JsonWalk w = { .list = json_array() };

        if (!w.list)
                return NULL;
        twalk_r(m->series, json_action, &w);
        if (w.failed) {
                json_decref(w.list);
                return NULL;
        }
        uint64_t dropped = m->dropped_base + m->dropped;

        return json_pack("{s:i, s:b, s:I, s:o}", "version", 1, "per_container", m->per_container,
                         "events_dropped", (json_int_t) dropped, "series", w.list);
}

int metrics_restore_json(Metrics *m, json_t *o) {
        json_t *series = json_object_get(o, "series"), *e, *dropped = json_object_get(o, "events_dropped");
        size_t i;

        if (json_integer_value(json_object_get(o, "version")) != 1 || !json_is_array(series) ||
            json_is_true(json_object_get(o, "per_container")) != m->per_container)
                return 0;
        json_array_foreach(series, i, e) {
                const char *key = json_string_value(json_array_get(e, 0)), *v[LABELS_MAX + 1] = {};
                json_t *values = json_array_get(e, 1), *value = json_array_get(e, 2);
                Family f;
                size_t n;

                for (f = 0; f < _FAMILY_MAX; f++)
                        if (streq_ptr(key, families[f].key))
                                break;
                if (f == _FAMILY_MAX || !json_is_integer(value) || json_integer_value(value) < 0)
                        continue;
                n = families[f].n_labels + m->per_container;
                if (json_array_size(values) != n)
                        continue;
                for (size_t k = 0; k < n; k++)
                        if (!(v[k] = json_string_value(json_array_get(values, k))))
                                break;
                if (!v[n - 1])
                        continue;
                metrics_add(m, f, v, m->per_container ? v[n - 1] : NULL, (uint64_t) json_integer_value(value));
        }
        if (json_is_integer(dropped) && json_integer_value(dropped) > 0)
                m->dropped_base += (uint64_t) json_integer_value(dropped);
        return 1;
}
