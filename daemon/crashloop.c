/* SPDX-License-Identifier: MIT */
/*
 * Crash loops and restart counts per logical container (see crashloop.h). Owns its table and
 * nothing else: no event loop, no I/O, no logging.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <search.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashloop-test.h" /* crashloop.h and what only its tests call */
#include "death.h"
#include "util/cleanup.h"
#include "util/exit-status.h"
#include "util/strutil.h"
#include "util/time.h"

/* The DEATH_REASON words (issue 13, DESIGN.md §3). */
typedef enum Reason {
        REASON_EXITED,
        REASON_FAILED,
        REASON_CRASHED,
        REASON_OOM_KILLED,
        REASON_STOPPED,
        REASON_STOP_TIMEOUT,
        REASON_KILLED,
        REASON_UNKNOWN,
        _REASON_MAX,
} Reason;

static const char *const reason_table[_REASON_MAX] = {
        [REASON_EXITED] = "exited",
        [REASON_FAILED] = "failed",
        [REASON_CRASHED] = "crashed",
        [REASON_OOM_KILLED] = "oom-killed",
        [REASON_STOPPED] = "stopped",
        [REASON_STOP_TIMEOUT] = "stop-timeout",
        [REASON_KILLED] = "killed",
        [REASON_UNKNOWN] = "unknown",
};

#define DETAIL_NONE INT32_MIN    /* else an exit status (>= 0) or minus a signal number */

typedef struct Death {
        uint64_t usec;
        Reason reason;
        int32_t detail;
} Death;

typedef struct Key {
        char *key;               /* "manager/name" */
        Death *deaths;           /* oldest first */
        size_t n, cap;
        unsigned next;           /* the threshold of the next verdict */
        uint64_t last_usec;      /* the newest death: the least recent key is evicted first */
        struct Key *older, *newer; /* the eviction order, by last_usec */
} Key;

struct CrashLoop {
        unsigned count;
        uint64_t window_usec;
        size_t max_keys;
        void *keys;              /* tsearch tree of Key* by key */
        size_t n_keys;
        Key *oldest, *newest;    /* every key, ordered by last_usec */
};

static int key_cmp(const void *a, const void *b) {
        return strcmp(((const Key *) a)->key, ((const Key *) b)->key);
}

/* ---------------------------------------------------------------- eviction order
 * A list sorted by last_usec, so that a full table finds its victim at the head in O(1). Deaths are
 * recorded at "now", which does not go back, so a key that died moves to the tail in O(1); only a
 * restore from the record, in the record's order, can place a key further in. */

static void order_unlink(CrashLoop *c, Key *k) {
        if (k->older)
                k->older->newer = k->newer;
        else if (c->oldest == k)
                c->oldest = k->newer;
        if (k->newer)
                k->newer->older = k->older;
        else if (c->newest == k)
                c->newest = k->older;
        k->older = k->newer = NULL;
}

/* (Re)place k by its last_usec (among keys that died at the same time, in no particular order). */
static void order_place(CrashLoop *c, Key *k) {
        Key *after = NULL;

        order_unlink(c, k);
        /* a new key (last_usec 0) goes first, one that just died last, each without a walk */
        if (c->oldest && k->last_usec > c->oldest->last_usec)
                for (after = c->newest; after->last_usec > k->last_usec; after = after->older)
                        ;
        k->older = after;
        k->newer = after ? after->newer : c->oldest;
        if (k->older)
                k->older->newer = k;
        else
                c->oldest = k;
        if (k->newer)
                k->newer->older = k;
        else
                c->newest = k;
}

/* Take k out of the table (the caller frees it). */
static void key_remove(CrashLoop *c, Key *k) {
        order_unlink(c, k);
        (void) tdelete(k, &c->keys, key_cmp);
        c->n_keys--;
}

static void key_free(void *p) {
        Key *k = p;

        if (!k)
                return;
        free(k->key);
        free(k->deaths);
        free(k);
}

int crashloop_new(unsigned count, uint64_t window_usec, size_t max_keys, CrashLoop **ret) {
        CrashLoop *c;

        if (count < 1 || window_usec == 0)
                return -EINVAL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->count = count;
        c->window_usec = window_usec;
        c->max_keys = max_keys > 0 ? max_keys : CRASHLOOP_KEYS_MAX;
        *ret = c;
        return 0;
}

CrashLoop *crashloop_free(CrashLoop *c) {
        if (!c)
                return NULL;
        tdestroy(c->keys, key_free);
        free(c);
        return NULL;
}

void crashloop_freep(CrashLoop **c) {
        *c = crashloop_free(*c);
}

void crashloop_set_limits(CrashLoop *c, unsigned count, uint64_t window_usec) {
        if (count >= 1)
                c->count = count;
        if (window_usec > 0)
                c->window_usec = window_usec;
}

size_t crashloop_size(const CrashLoop *c) {
        return c->n_keys;
}

static Reason reason_from_string(const char *s) {
        for (size_t i = 0; s && i < _REASON_MAX; i++)
                if (streq(s, reason_table[i]))
                        return (Reason) i;
        return _REASON_MAX;
}

/* Signals the kernel raises for a fault of the process itself (or abort(3)'s). */
static bool signal_is_fault(int sig) {
        return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGABRT ||
               sig == SIGSYS || sig == SIGTRAP;
}

int crashloop_name_from_event(const Event *ev, const char **ret_manager, char **ret) {
        const char *ns = event_get(ev, "K8S_POD_NAMESPACE"), *pod = event_get(ev, "K8S_POD_NAME"),
                   *ctr = event_get(ev, "K8S_CONTAINER_NAME"), *name = event_get(ev, "CONTAINER_NAME"),
                   *id = event_get(ev, "CONTAINER_ID_FULL") ?: event_get(ev, "CONTAINER_ID");
        char *s;

        if (ns && pod && ctr) {
                if (asprintf(&s, "%s/%s/%s", ns, pod, ctr) < 0)
                        return -ENOMEM;
        } else if (name || id) {
                s = strdup(name ?: id);
                if (!s)
                        return -ENOMEM;
        } else
                return -ENOENT;
        *ret_manager = event_get(ev, "CONTAINER_MANAGER") ?: "runc";
        *ret = s;
        return 0;
}

/* The reason and its detail (exit status or -signal) of an exited event. */
static Reason reason_and_detail(const Event *ev, int32_t *ret_detail) {
        const char *code = event_get(ev, "EXIT_CODE"), *status = event_get(ev, "EXIT_STATUS");
        Reason r = reason_from_string(event_get(ev, "DEATH_REASON"));
        long st = -1;

        if (status) {
                char *end;

                st = strtol(status, &end, 10);
                if (*end || st < 0 || st > 255)
                        st = -1;
        }
        *ret_detail = DETAIL_NONE;
        if (code && (streq(code, "killed") || streq(code, "dumped")) && st > 0)
                *ret_detail = (int32_t) -st;
        else if (code && streq(code, "exited") && st >= 0)
                *ret_detail = (int32_t) st;
        if (r != _REASON_MAX)
                return r;

        if (streq_ptr(event_get(ev, "OOM_KILLED"), "1"))
                return REASON_OOM_KILLED;
        if (!code || st < 0)
                return REASON_UNKNOWN;
        if (streq(code, "exited"))
                return st == 0 ? REASON_EXITED : REASON_FAILED;
        if (streq(code, "dumped") || (streq(code, "killed") && signal_is_fault((int) st)))
                return REASON_CRASHED;
        if (streq(code, "killed") && signal_is_stop((int) st))
                return REASON_STOPPED; /* as death_judge() says without the probe */
        if (streq(code, "killed"))
                return REASON_KILLED;
        return REASON_UNKNOWN;
}

const char *crashloop_reason_of(const Event *ev) {
        int32_t detail;

        return reason_table[reason_and_detail(ev, &detail)];
}

bool crashloop_reason_is_unexpected(const char *reason) {
        return !streq(reason, "exited") && !streq(reason, "stopped");
}

static bool reason_is_unexpected(Reason r) {
        return r != REASON_EXITED && r != REASON_STOPPED;
}

static Key *key_find(const CrashLoop *c, const char *key) {
        Key probe = { .key = (char *) key };
        void **p = tfind(&probe, &c->keys, key_cmp);

        return p ? *(Key **) p : NULL;
}

/* "manager/name" of the container ev is about: 0 and *ret, -ENOENT or -ENOMEM. */
static int key_of_event(const Event *ev, char **ret) {
        _cleanup_free_ char *name = NULL;
        const char *manager;
        int r;

        r = crashloop_name_from_event(ev, &manager, &name);
        if (r < 0)
                return r;
        if (asprintf(ret, "%s/%s", manager, name) < 0)
                return -ENOMEM;
        return 0;
}

/* Drop the deaths that have left the window at now (and any from the future: a clock we do not
 * understand must not keep them forever). */
static void key_prune(const CrashLoop *c, Key *k, uint64_t now) {
        size_t i = 0;

        while (i < k->n && (k->deaths[i].usec > now || now - k->deaths[i].usec >= c->window_usec))
                i++;
        if (i > 0) {
                memmove(k->deaths, k->deaths + i, (k->n - i) * sizeof(Death));
                k->n -= i;
        }
}

static unsigned key_unexpected(const Key *k) {
        unsigned n = 0;

        for (size_t i = 0; i < k->n; i++)
                n += reason_is_unexpected(k->deaths[i].reason);
        return n;
}

static int key_append(CrashLoop *c, Key *k, uint64_t usec, Reason reason, int32_t detail) {
        if (k->n == CRASHLOOP_DEATHS_MAX) {
                /* Saturate: the oldest goes (documented in crashloop.h). */
                memmove(k->deaths, k->deaths + 1, (k->n - 1) * sizeof(Death));
                k->n--;
        }
        if (k->n == k->cap) {
                size_t cap = k->cap ? k->cap * 2 : 4;
                Death *d;

                if (cap > CRASHLOOP_DEATHS_MAX)
                        cap = CRASHLOOP_DEATHS_MAX;
                d = reallocarray(k->deaths, cap, sizeof(Death));
                if (!d)
                        return -ENOMEM;
                k->deaths = d;
                k->cap = cap;
        }
        k->deaths[k->n++] = (Death) { .usec = usec, .reason = reason, .detail = detail };
        if (usec > k->last_usec) {
                k->last_usec = usec;
                order_place(c, k);
        }
        return 0;
}

/* Insert a new key, evicting the least recent one when the table is full. *ret_evicted gets the
 * evicted key's name (caller frees) when asked for. */
static int key_insert(CrashLoop *c, char *name, Key **ret, char **ret_evicted) {
        Key *k;

        if (c->n_keys >= c->max_keys) {
                Key *victim = c->oldest; /* the least recently dead */

                if (victim) {
                        key_remove(c, victim);
                        if (ret_evicted)
                                *ret_evicted = TAKE_PTR(victim->key);
                        key_free(victim);
                }
        }
        k = calloc(1, sizeof(*k));
        if (!k)
                return -ENOMEM;
        k->key = name;
        k->next = c->count;
        if (!tsearch(k, &c->keys, key_cmp)) {
                k->key = NULL;
                key_free(k);
                return -ENOMEM;
        }
        c->n_keys++;
        order_place(c, k);
        *ret = k;
        return 0;
}

static void verdict_fill(const Key *k, unsigned count, unsigned threshold, CrashLoopVerdict *v) {
        size_t shown = 0, len = 0;
        ssize_t first = -1;

        *v = (CrashLoopVerdict) { .count = count, .threshold = threshold };
        for (size_t i = 0; i < k->n; i++)
                if (reason_is_unexpected(k->deaths[i].reason)) {
                        v->first_usec = k->deaths[i].usec;
                        break;
                }
        /* the last CRASHLOOP_REASONS_MAX unexpected deaths, oldest of them first */
        for (size_t i = k->n; i > 0 && shown < CRASHLOOP_REASONS_MAX; i--)
                if (reason_is_unexpected(k->deaths[i - 1].reason)) {
                        first = (ssize_t) i - 1;
                        shown++;
                }
        for (size_t i = first < 0 ? k->n : (size_t) first; i < k->n; i++) {
                const Death *d = &k->deaths[i];
                const char *sig;
                int n;

                if (!reason_is_unexpected(d->reason))
                        continue;
                if (d->detail == DETAIL_NONE)
                        n = snprintf(v->reasons + len, sizeof(v->reasons) - len, "%s%s", len ? " " : "",
                                     reason_table[d->reason]);
                else if (d->detail >= 0)
                        n = snprintf(v->reasons + len, sizeof(v->reasons) - len, "%s%s(%" PRIi32 ")",
                                     len ? " " : "", reason_table[d->reason], d->detail);
                else if ((sig = signal_to_name((int) -d->detail)))
                        n = snprintf(v->reasons + len, sizeof(v->reasons) - len, "%s%s(%s)", len ? " " : "",
                                     reason_table[d->reason], sig);
                else
                        n = snprintf(v->reasons + len, sizeof(v->reasons) - len, "%s%s(signal %" PRIi32 ")",
                                     len ? " " : "", reason_table[d->reason], -d->detail);
                if (n < 0 || (size_t) n >= sizeof(v->reasons) - len)
                        break;
                len += (size_t) n;
        }
}

int crashloop_record_death(CrashLoop *c, const Event *ev, uint64_t now, CrashLoopVerdict *ret_verdict,
                           char **ret_key, char **ret_evicted) {
        _cleanup_free_ char *name = NULL, *evicted = NULL;
        int32_t detail;
        Reason reason = reason_and_detail(ev, &detail);
        unsigned before, after;
        Key *k;
        int r;

        r = key_of_event(ev, &name);
        if (r < 0)
                return r;
        k = key_find(c, name);
        if (!k) {
                char *owned = strdup(name);

                if (!owned)
                        return -ENOMEM;
                r = key_insert(c, owned, &k, &evicted);
                if (r < 0) {
                        free(owned);
                        return r;
                }
        }
        key_prune(c, k, now);
        before = key_unexpected(k);
        if (before == 0)
                k->next = c->count; /* a quiet window ended the last loop */
        r = key_append(c, k, now, reason, detail);
        if (r < 0)
                return r;
        after = key_unexpected(k);
        if (ret_key)
                *ret_key = TAKE_PTR(name);
        if (ret_evicted)
                *ret_evicted = TAKE_PTR(evicted);
        if (!reason_is_unexpected(reason) || after < k->next)
                return 0;
        verdict_fill(k, after, k->next, ret_verdict);
        k->next = k->next > UINT_MAX / 2 ? UINT_MAX : k->next * 2;
        return 1;
}

unsigned crashloop_restart_count(CrashLoop *c, const Event *ev, uint64_t now) {
        _cleanup_free_ char *name = NULL;
        Key *k = key_of_event(ev, &name) >= 0 ? key_find(c, name) : NULL;

        if (!k)
                return 0;
        key_prune(c, k, now);
        return (unsigned) k->n;
}

json_t *crashloop_key_to_json(const CrashLoop *c, const char *key) {
        const Key *k = key_find(c, key);
        json_t *o, *a;

        if (!k)
                return NULL;
        a = json_array();
        if (!a)
                return NULL;
        for (size_t i = 0; i < k->n; i++) {
                const Death *d = &k->deaths[i];
                json_t *e = json_pack("[I, s, o]", (json_int_t) d->usec, reason_table[d->reason],
                                      d->detail == DETAIL_NONE ? json_null() : json_integer(d->detail));

                if (!e || json_array_append_new(a, e) < 0) {
                        json_decref(a);
                        return NULL;
                }
        }
        o = json_pack("{s:s, s:I, s:o}", "key", k->key, "next", (json_int_t) k->next, "deaths", a);
        return o;
}

int crashloop_restore_json(CrashLoop *c, json_t *o, uint64_t now) {
        const char *key = json_string_value(json_object_get(o, "key"));
        json_t *deaths = json_object_get(o, "deaths"), *next = json_object_get(o, "next"), *d;
        Key *k;
        size_t i;
        int r;

        if (!key || !strchr(key, '/') || !json_is_array(deaths))
                return 0;
        k = key_find(c, key);
        if (k) {
                key_remove(c, k);
                key_free(k);
        }
        {
                char *owned = strdup(key);

                if (!owned)
                        return -ENOMEM;
                r = key_insert(c, owned, &k, NULL);
                if (r < 0) {
                        free(owned);
                        return r;
                }
        }
        json_array_foreach(deaths, i, d) {
                json_t *t = json_array_get(d, 0), *det = json_array_get(d, 2);
                Reason reason = reason_from_string(json_string_value(json_array_get(d, 1)));
                int32_t detail = DETAIL_NONE;

                if (!json_is_integer(t) || json_integer_value(t) < 0)
                        continue;
                if (reason == _REASON_MAX)
                        reason = REASON_UNKNOWN;
                if (json_is_integer(det) && json_integer_value(det) >= -255 && json_integer_value(det) <= 255)
                        detail = (int32_t) json_integer_value(det);
                if (k->n > 0 && (uint64_t) json_integer_value(t) < k->deaths[k->n - 1].usec)
                        continue; /* out of order: not ours */
                r = key_append(c, k, (uint64_t) json_integer_value(t), reason, detail);
                if (r < 0)
                        return r;
        }
        key_prune(c, k, now);
        if (json_is_integer(next) && json_integer_value(next) >= c->count && json_integer_value(next) <= UINT_MAX)
                k->next = (unsigned) json_integer_value(next);
        if (key_unexpected(k) == 0)
                k->next = c->count;
        if (k->n == 0) {
                key_remove(c, k);
                key_free(k);
                return 0;
        }
        return 1;
}

int crashloop_event(const Event *exited, const CrashLoopVerdict *v, uint64_t window_usec, uint64_t now_boottime,
                    uint64_t now_realtime, const char *message_id, Event *ret) {
        /* what says who the container is, never how this incarnation died */
        static const char *const identity[] = {
                "CONTAINER_ID", "CONTAINER_ID_FULL", "CONTAINER_NAME", "IMAGE_NAME", "CONTAINER_MANAGER",
                "CONTAINER_RUNTIME", "CONTAINER_NAMESPACE", "CONTAINER_STATE_DIR", "CONTAINER_PID",
                "CONTAINER_STARTED_USEC", "K8S_POD_NAME", "K8S_POD_NAMESPACE", "K8S_POD_UID",
                "K8S_CONTAINER_NAME", "K8S_CONTAINER_TYPE",
        };
        _cleanup_free_ char *name = NULL;
        const char *manager, *id = event_get(exited, "CONTAINER_ID");
        char window[64];
        uint64_t age = now_boottime > v->first_usec ? now_boottime - v->first_usec : 0;
        int r;

        event_init(ret, message_id, 3 /* LOG_ERR */);
        r = crashloop_name_from_event(exited, &manager, &name);
        if (r < 0)
                return r;
        format_timespan_short(window, sizeof(window), window_usec);
        r = event_addf(ret, "MESSAGE", "Container %s%s%s%s is crash-looping: %u unexpected deaths within %s (%s).",
                       id ?: name, id && !streq(id, name) ? " (" : "", id && !streq(id, name) ? name : "",
                       id && !streq(id, name) ? ")" : "", v->count, window, v->reasons);
        if (r >= 0)
                r = event_add(ret, "CONTAINER_EVENT", "crashloop");
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(identity); i++)
                r = event_add(ret, identity[i], event_get(exited, identity[i]));
        if (r >= 0)
                r = event_addf(ret, "RESTART_COUNT", "%u", v->count);
        if (r >= 0)
                r = event_addf(ret, "CRASHLOOP_THRESHOLD", "%u", v->threshold);
        if (r >= 0)
                r = event_addf(ret, "CRASHLOOP_WINDOW_USEC", "%" PRIu64, window_usec);
        if (r >= 0 && now_realtime > age)
                r = event_addf(ret, "CRASHLOOP_FIRST_USEC", "%" PRIu64, now_realtime - age);
        if (r >= 0)
                r = event_add(ret, "CRASHLOOP_REASONS", v->reasons);
        if (r < 0) {
                event_clear(ret);
                return r;
        }
        return 0;
}
