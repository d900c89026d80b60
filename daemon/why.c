/* SPDX-License-Identifier: MIT */
/*
 * Why each tracked init dies: the probe's records per init (why.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "catalog-ids.h"
#include "log.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/proc-sender.h"
#include "util/strutil.h"
#include "util/time.h"
#include "why.h"

#define WHY_PENDING_MAX 64
#define WHY_PENDING_MAX_AGE_USEC (60 * UINT64_C(1000000))

typedef enum PendingKind { PENDING_NONE, PENDING_SIGNAL, PENDING_EXIT, PENDING_OOM } PendingKind;

typedef struct Pending {
        PendingKind kind;
        pid_t pid;                       /* the target / the exited init / the victim */
        uint64_t pidns;
        uint64_t monotonic_usec;
        SignalEntry signal;              /* PENDING_SIGNAL (owns its strings) */
        int wstatus;                     /* PENDING_EXIT */
        ProbeOomVictim victim;           /* PENDING_OOM */
} Pending;

struct Why {
        Probe *probe;
        void *by_pid;                    /* tsearch of WhyState* by pid */
        void *by_pidns;                  /* tsearch of WhyState* by pidns (non-zero only) */
        Pending pending[WHY_PENDING_MAX];
        size_t pending_next;
        int probe_error;                 /* why the probe is not attached (-errno), 0 when it is */
        const char *probe_reason;        /* the same in words, NULL when attached */
};

static int cmp_pid(const void *a, const void *b) {
        const WhyState *x = a, *y = b;
        return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int cmp_pidns(const void *a, const void *b) {
        const WhyState *x = a, *y = b;
        return x->pidns < y->pidns ? -1 : x->pidns > y->pidns;
}

static WhyState *find_pid(const Why *w, pid_t pid) {
        WhyState key = { .pid = pid };
        void **n = tfind(&key, &w->by_pid, cmp_pid);
        return n ? *n : NULL;
}

static WhyState *find_pidns(const Why *w, uint64_t pidns) {
        WhyState key = { .pidns = pidns };
        void **n;

        if (pidns == 0)
                return NULL;
        n = tfind(&key, &w->by_pidns, cmp_pidns);
        return n ? *n : NULL;
}

/* Add e to s's signal history, made at its first record (e's strings are taken over, or freed
 * when there is no memory for it). */
static void state_add_signal(WhyState *s, SignalEntry *e) {
        if (!s->signals)
                s->signals = calloc(1, sizeof(*s->signals));
        if (s->signals)
                signal_history_add(s->signals, e);
        else
                signal_entry_done(e);
}

static void pending_clear(Pending *p) {
        if (p->kind == PENDING_SIGNAL)
                signal_entry_done(&p->signal);
        memset(p, 0, sizeof(*p));
}

static Pending *pending_slot(Why *w) {
        Pending *p = &w->pending[w->pending_next];

        w->pending_next = (w->pending_next + 1) % WHY_PENDING_MAX;
        pending_clear(p);
        return p;
}

/* ------------------------------------------------------------------ records */

/* *slot = v, made at its first record; false when there is no memory for it. */
static bool victim_store(ProbeOomVictim **slot, const ProbeOomVictim *v) {
        if (!*slot)
                *slot = malloc(sizeof(**slot));
        if (!*slot)
                return false;
        **slot = *v;
        return true;
}

static void why_apply_victim(WhyState *s, const ProbeOomVictim *v) {
        if (v->pid == s->pid && v->ns_pid == 1) {
                if (victim_store(&s->init_victim, v))
                        s->oom_victim_init = true;
        } else if (victim_store(&s->child_victim, v)) {
                s->has_child_victim = true;
                if (s->on_child_victim)
                        s->on_child_victim(s, s->userdata);
        }
}

static void why_on_signal(Probe *p, const ProbeSignal *r, void *userdata) {
        Why *w = userdata;
        WhyState *s, *from;
        SignalEntry e = {
                .monotonic_usec = r->monotonic_usec,
                .signo = r->signo,
                .code = r->code,
                .result = r->result,
                .sender_pid = r->sender_pid,
                .sender_uid = r->sender_uid,
                .sender_loginuid = r->sender_loginuid,
                .sender_parent_pid = r->sender_parent_pid,
        };

        (void) p;
        memcpy(e.sender_comm, r->sender_comm, sizeof(e.sender_comm));
        memcpy(e.sender_parent_comm, r->sender_parent_comm, sizeof(e.sender_parent_comm));
        /* At once, while the sender still exists: it may be a short-lived kill(1). */
        (void) proc_read_exe(r->sender_pid, &e.sender_exe);
        (void) proc_read_unit(r->sender_pid, &e.sender_unit);
        from = find_pid(w, r->sender_pid);
        if (!from)
                from = find_pidns(w, r->sender_pidns);
        if (from && from->container_id)
                e.sender_container_id = strdup(from->container_id);

        s = find_pid(w, r->target_pid);
        if (s) {
                state_add_signal(s, &e);
                return;
        }
        Pending *q = pending_slot(w);
        q->kind = PENDING_SIGNAL;
        q->pid = r->target_pid;
        q->monotonic_usec = r->monotonic_usec;
        q->signal = e;
}

static void why_on_exit(Probe *p, const ProbeExit *x, void *userdata) {
        Why *w = userdata;
        WhyState *s = find_pid(w, x->pid);

        (void) p;
        if (s) {
                s->has_exit = true;
                s->exit_wstatus = x->status;
                s->exit_monotonic_usec = x->monotonic_usec;
                return;
        }
        Pending *q = pending_slot(w);
        q->kind = PENDING_EXIT;
        q->pid = x->pid;
        q->monotonic_usec = x->monotonic_usec;
        q->wstatus = x->status;
}

static void why_on_oom_victim(Probe *p, const ProbeOomVictim *v, void *userdata) {
        Why *w = userdata;
        WhyState *s = find_pid(w, v->pid);

        (void) p;
        if (!s)
                s = find_pidns(w, v->pidns);
        if (s) {
                why_apply_victim(s, v);
                return;
        }
        Pending *q = pending_slot(w);
        q->kind = PENDING_OOM;
        q->pid = v->pid;
        q->pidns = v->pidns;
        q->monotonic_usec = v->monotonic_usec;
        q->victim = *v;
}

/* ------------------------------------------------------------------ life cycle */

int why_new(sd_event *e, bool load, Why **ret) {
        static const ProbeCallbacks cb = {
                .on_signal = why_on_signal,
                .on_exit = why_on_exit,
                .on_oom_victim = why_on_oom_victim,
        };
        Why *w;
        const char *reason = "disabled (KernelProbe=no)";
        int r = -ECANCELED;

        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        if (load) {
                r = probe_new(e, &cb, w, &w->probe, &reason);
                if (r == -ENOMEM) {
                        free(w);
                        return r;
                }
        }
        w->probe_error = r < 0 ? r : 0;
        w->probe_reason = r < 0 ? reason : NULL;
        *ret = w;
        return 0;
}

static void why_state_free(WhyState *s) {
        if (s->signals) {
                signal_history_clear(s->signals);
                free(s->signals);
        }
        free(s->init_victim);
        free(s->child_victim);
        free(s);
}

static void free_nothing(void *p) {
        (void) p;
}

static void free_state(void *p) {
        why_state_free(p);
}

Why *why_free(Why *w) {
        if (!w)
                return NULL;
        w->probe = probe_free(w->probe);
        tdestroy(w->by_pidns, free_nothing);
        tdestroy(w->by_pid, free_state);
        for (size_t i = 0; i < WHY_PENDING_MAX; i++)
                pending_clear(&w->pending[i]);
        free(w);
        return NULL;
}

bool why_probe_attached(const Why *w) {
        return w && w->probe;
}

bool why_has_oom_scope(const Why *w) {
        return w && probe_has_oom_scope(w->probe);
}

const char *why_probe_off_reason(const Why *w) {
        return w ? w->probe_reason : NULL;
}

void why_log_probe(const Why *w) {
        int error = w->probe_error;

        if (error == -ECANCELED)
                log_id(LOG_INFO, MESSAGE_ID_PROBE_UNAVAILABLE,
                       "Kernel probe not loaded: disabled (KernelProbe=no); signal senders and OOM victims are not reported.");
        else if (error < 0)
                log_id_errno(LOG_WARNING, error, MESSAGE_ID_PROBE_UNAVAILABLE,
                             "Kernel probe not loaded: %s (%m); signal senders and OOM victims are not reported, "
                             "exit statuses and OOM kills come from the other sources.", why_probe_off_reason(w));
        else
                log_debug("Kernel probe attached%s.", why_has_oom_scope(w) ? "" : " (without the OOM scope)");
}

/* The limit of a memory cgroup directory: v1 memory.limit_in_bytes, v2 memory.max; 0 for none
 * ("max", or v1's "unlimited" of about 2^63) or unreadable. */
static uint64_t read_mem_limit(const char *dir) {
        static const char *const names[] = { "memory.max", "memory.limit_in_bytes" };

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                _cleanup_free_ char *path = path_join(dir, names[i]), *text = NULL;
                unsigned long long v;
                size_t len;
                char *end;

                if (!path || read_file_path(path, 64, &text, &len) < 0)
                        continue;
                if (strncmp(text, "max", 3) == 0)
                        return 0;
                errno = 0;
                v = strtoull(text, &end, 10);
                if (errno != 0 || end == text)
                        return 0;
                return v >= (UINT64_C(1) << 62) ? 0 : (uint64_t) v;
        }
        return 0;
}

WhyState *why_track(Why *w, pid_t pid, uint64_t pidns, const char *memcg_dir, const char *container_id) {
        WhyState *s;
        struct stat st;

        if (!w || !w->probe || pid <= 0)
                return NULL;
        /* One state per PID: a second container naming the same init (the same state directory
         * reached through two roots) gets none, so that each state has exactly one owner. */
        if (find_pid(w, pid))
                return NULL;
        s = calloc(1, sizeof(*s));
        if (!s)
                return NULL;
        s->pid = pid;
        s->pidns = pidns;
        s->container_id = container_id;
        if (memcg_dir && stat(memcg_dir, &st) == 0) {
                s->memcg_ino = (uint64_t) st.st_ino;
                s->mem_limit = read_mem_limit(memcg_dir);
        }
        if (!tsearch(s, &w->by_pid, cmp_pid)) {
                why_state_free(s);
                return NULL;
        }
        if (pidns != 0 && !find_pidns(w, pidns))
                (void) tsearch(s, &w->by_pidns, cmp_pidns);

        /* The records that came before the state file was read, oldest first; older than a
         * minute they belong to an earlier process with this PID. */
        uint64_t now = now_monotonic_usec();
        for (size_t k = 0; k < WHY_PENDING_MAX; k++) {
                Pending *q = &w->pending[(w->pending_next + k) % WHY_PENDING_MAX];
                bool mine = q->pid == pid || (q->kind == PENDING_OOM && pidns != 0 && q->pidns == pidns);

                if (q->kind == PENDING_NONE || !mine)
                        continue;
                if (q->monotonic_usec + WHY_PENDING_MAX_AGE_USEC < now) {
                        pending_clear(q);
                        continue;
                }
                switch (q->kind) {
                case PENDING_SIGNAL:
                        state_add_signal(s, &q->signal);
                        break;
                case PENDING_EXIT:
                        s->has_exit = true;
                        s->exit_wstatus = q->wstatus;
                        s->exit_monotonic_usec = q->monotonic_usec;
                        break;
                case PENDING_OOM:
                        why_apply_victim(s, &q->victim);
                        break;
                default:
                        break;
                }
                pending_clear(q);
        }
        return s;
}

void why_untrack(Why *w, WhyState *s) {
        if (!w || !s)
                return;
        if (find_pidns(w, s->pidns) == s)
                (void) tdelete(s, &w->by_pidns, cmp_pidns);
        if (find_pid(w, s->pid) == s)
                (void) tdelete(s, &w->by_pid, cmp_pid);
        why_state_free(s);
}

void why_drain(Why *w) {
        int r;

        if (!w || !w->probe)
                return;
        r = probe_drain(w->probe);
        if (r < 0)
                log_debug_errno(r, "probe: reading the ring buffer failed: %m");
}

void why_facts(const Why *w, const WhyState *s, const ExitStatus *status, bool oom_counter_rose,
               DeathFacts *ret, ExitStatus *ret_status) {
        ExitStatus st = status ? *status : EXIT_STATUS_UNKNOWN;
        bool probe = why_probe_attached(w) && s;

        if (probe && s->has_exit && (st.code == EXIT_CODE_UNKNOWN || st.source == EXIT_SOURCE_NONE))
                st = exit_status_from_wait(s->exit_wstatus, EXIT_SOURCE_PROBE);
        *ret_status = st;
        *ret = (DeathFacts) {
                .status = st,
                .exit_monotonic_usec = probe && s->has_exit ? s->exit_monotonic_usec : 0,
                .init_pid = s ? s->pid : 0,
                .probe = probe,
                .signals = probe ? s->signals : NULL,
                .oom_victim_init = probe && s->oom_victim_init,
                .oom_counter_rose = oom_counter_rose,
        };
}

const char *why_oom_scope(const WhyState *s, const ProbeOomVictim *v) {
        if (!v->oom_memcg_known)
                return NULL;
        if (v->oom_memcg_id == 0)
                return "host";
        if ((s && v->oom_memcg_id == s->memcg_ino) || v->oom_memcg_id == v->memcg_id)
                return "container";
        return "ancestor";
}

/* 536870912 -> "512.0M" (MiB, one decimal), or "512M" for a whole number when !decimal. */
static void format_mib(char *buf, size_t l, uint64_t bytes, bool decimal) {
        const uint64_t mib = UINT64_C(1024) * 1024;

        if (!decimal && bytes % mib == 0)
                (void) snprintf(buf, l, "%" PRIu64 "M", bytes / mib);
        else
                (void) snprintf(buf, l, "%.1fM", (double) bytes / (double) mib);
}

char *why_oom_detail(char *buf, size_t l, const WhyState *s, const ProbeOomVictim *v) {
        char used[32], limit[32], who[64];
        const char *scope = why_oom_scope(s, v);

        /* What the limit charged: anonymous and shared memory (file pages may be charged elsewhere). */
        format_mib(used, sizeof(used), v->anon_rss_bytes + v->shmem_rss_bytes, true);
        if (s && v->pid == s->pid)
                (void) snprintf(who, sizeof(who), "init %s", v->comm);
        else
                (void) snprintf(who, sizeof(who), "process %s[%d]", v->comm, (int) v->pid);
        if (s && s->mem_limit > 0 && (!scope || strcmp(scope, "container") == 0)) {
                format_mib(limit, sizeof(limit), s->mem_limit, false);
                (void) snprintf(buf, l, "%s used %s of its %s limit", who, used, limit);
        } else if (scope && strcmp(scope, "ancestor") == 0)
                (void) snprintf(buf, l, "%s used %s when a parent cgroup's limit was hit", who, used);
        else if (scope && strcmp(scope, "host") == 0)
                (void) snprintf(buf, l, "%s used %s when the host ran out of memory", who, used);
        else
                (void) snprintf(buf, l, "%s used %s", who, used);
        return buf;
}
