/* SPDX-License-Identifier: MIT */
/*
 * Events and their fields, and the field contract of DESIGN.md §3 (see events.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog-ids.h"
#include "events.h"
#include "util/cleanup.h"
#include "util/strutil.h"
#include "util/time.h"

void event_init(Event *ev, const char *message_id, int priority) {
        *ev = (Event) { .message_id = message_id, .priority = priority };
}

int event_add(Event *ev, const char *key, const char *value) {
        size_t kl, vl;
        char *kv;

        if (isempty(value))
                return 0;
        if (ev->n_fields >= EVENT_FIELDS_MAX)
                return -E2BIG;
        /* Stored the way the journal takes it, so that sending needs no copy. */
        kl = strlen(key);
        vl = strlen(value);
        kv = malloc(kl + 1 + vl + 1);
        if (!kv)
                return -ENOMEM;
        memcpy(kv, key, kl);
        kv[kl] = '=';
        memcpy(kv + kl + 1, value, vl + 1);
        ev->fields[ev->n_fields++] = (EventField) { .key = key, .kv = kv, .key_len = kl };
        return 0;
}

int event_addf(Event *ev, const char *key, const char *format, ...) {
        _cleanup_free_ char *v = NULL;
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(&v, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return event_add(ev, key, v);
}

const char *event_get(const Event *ev, const char *key) {
        for (size_t i = 0; i < ev->n_fields; i++)
                if (streq(ev->fields[i].key, key))
                        return event_field_value(&ev->fields[i]);
        return NULL;
}

void event_clear(Event *ev) {
        for (size_t i = 0; i < ev->n_fields; i++)
                free(ev->fields[i].kv);
        ev->n_fields = 0;
}

/* ---------------------------------------------------------------- the field contract */

const char *event_short_id(const char *id, char buf[static 13]) {
        snprintf(buf, 13, "%.12s", id);
        return buf;
}

/* "2bcbf0957fbd (ws)" or "2bcbf0957fbd", for MESSAGE= */
static void event_label(const ContainerIdentity *c, char *buf, size_t l) {
        char sid[13];
        _cleanup_free_ char *name = c->meta->name ? cescape(c->meta->name) : NULL;

        if (name)
                snprintf(buf, l, "%s (%s)", event_short_id(c->id, sid), name);
        else
                snprintf(buf, l, "%s", event_short_id(c->id, sid));
}

void event_add_identity(Event *ev, const ContainerIdentity *c) {
        char sid[13];

        (void) event_add(ev, "CONTAINER_ID", event_short_id(c->id, sid));
        (void) event_add(ev, "CONTAINER_ID_FULL", c->id);
        (void) event_add(ev, "CONTAINER_NAME", c->meta->name);
        (void) event_add(ev, "IMAGE_NAME", c->meta->image);
        (void) event_add(ev, "CONTAINER_MANAGER", c->meta->manager);
        (void) event_add(ev, "CONTAINER_RUNTIME", runtime_to_string(c->runtime));
        (void) event_add(ev, "CONTAINER_NAMESPACE", c->ns);
        (void) event_add(ev, "CONTAINER_STATE_DIR", c->state_dir);
        (void) event_addf(ev, "CONTAINER_PID", "%d", (int) c->pid);
        if (c->created_usec > 0)
                (void) event_addf(ev, "CONTAINER_STARTED_USEC", "%" PRIu64, c->created_usec);
        (void) event_add(ev, "K8S_POD_NAME", c->meta->pod_name);
        (void) event_add(ev, "K8S_POD_NAMESPACE", c->meta->pod_namespace);
        (void) event_add(ev, "K8S_POD_UID", c->meta->pod_uid);
        (void) event_add(ev, "K8S_CONTAINER_NAME", c->meta->k8s_container_name);
        (void) event_add(ev, "K8S_CONTAINER_TYPE", c->meta->k8s_container_type);
        if (c->owner != 0)
                (void) event_addf(ev, "CONTAINER_OWNER_UID", "%u", (unsigned) c->owner);
}

static const char *const ns_field[_NS_MAX] = {
        [NS_PID] = "CONTAINER_NS_PID",
        [NS_NET] = "CONTAINER_NS_NET",
        [NS_MNT] = "CONTAINER_NS_MNT",
        [NS_IPC] = "CONTAINER_NS_IPC",
        [NS_UTS] = "CONTAINER_NS_UTS",
        [NS_USER] = "CONTAINER_NS_USER",
        [NS_CGROUP] = "CONTAINER_NS_CGROUP",
};

void event_build_started(Event *ev, const ContainerIdentity *c, const uint64_t ns_ino[_NS_MAX]) {
        char label[128 + 1024];

        event_label(c, label, sizeof(label));
        event_init(ev, MESSAGE_ID_CONTAINER_STARTED, LOG_INFO);
        (void) event_addf(ev, "MESSAGE", "Container %s started as pid %d.", label, (int) c->pid);
        (void) event_add(ev, "CONTAINER_EVENT", "started");
        event_add_identity(ev, c);
        for (NsKind k = 0; k < _NS_MAX; k++)
                if (ns_ino[k] > 0)
                        (void) event_addf(ev, ns_field[k], "%" PRIu64, ns_ino[k]);
}

/* The OOM_VICTIM_* and OOM_TRIGGER_COMM / OOM_SCOPE fields of a probe victim record. */
static void event_add_oom_victim(Event *ev, const WhyState *w, const ProbeOomVictim *v) {
        const char *scope = why_oom_scope(w, v);

        (void) event_addf(ev, "OOM_VICTIM_PID", "%d", (int) v->pid);
        (void) event_add(ev, "OOM_VICTIM_COMM", v->comm);
        (void) event_addf(ev, "OOM_VICTIM_RSS_BYTES", "%" PRIu64, v->rss_bytes);
        (void) event_add(ev, "OOM_VICTIM_IS_INIT", w && v->pid == w->pid ? "1" : "0");
        (void) event_add(ev, "OOM_TRIGGER_COMM", v->trigger_comm);
        if (scope)
                (void) event_add(ev, "OOM_SCOPE", scope);
}

/* SIGNAL_SENDER_*, SIGNAL_CODE of the signal the verdict names. */
static void event_add_signal(Event *ev, const SignalEntry *e) {
        char cb[16];

        (void) event_addf(ev, "SIGNAL_SENDER_PID", "%d", (int) e->sender_pid);
        (void) event_add(ev, "SIGNAL_SENDER_COMM", e->sender_comm);
        (void) event_addf(ev, "SIGNAL_SENDER_UID", "%u", (unsigned) e->sender_uid);
        if (e->sender_loginuid != (uid_t) -1)
                (void) event_addf(ev, "SIGNAL_SENDER_LOGINUID", "%u", (unsigned) e->sender_loginuid);
        (void) event_addf(ev, "SIGNAL_SENDER_PARENT_PID", "%d", (int) e->sender_parent_pid);
        (void) event_add(ev, "SIGNAL_SENDER_PARENT_COMM", e->sender_parent_comm);
        if (e->sender_exe)
                (void) event_add(ev, "SIGNAL_SENDER_EXE", e->sender_exe);
        if (e->sender_unit)
                (void) event_add(ev, "SIGNAL_SENDER_UNIT", e->sender_unit);
        if (e->sender_container_id)
                (void) event_addf(ev, "SIGNAL_SENDER_CONTAINER_ID", "%.12s", e->sender_container_id);
        (void) event_add(ev, "SIGNAL_CODE", signal_code_to_string(e->signo, e->code, cb, sizeof(cb)));
}

void event_build_exited(Event *ev, const ContainerIdentity *c, const ExitStatus *st, const DeathFacts *f,
                        const DeathVerdict *v, const WhyState *w, uint64_t exit_usec, bool late) {
        char label[128 + 1024], clause[128], span[64], ran[64], sig[32] = "", why[512], detail[160], signals[1024];
        const char *verdict = NULL;
        bool oom = v->oom_killed;
        uint64_t lifetime = 0;
        int priority;

        event_label(c, label, sizeof(label));
        if (st->code == EXIT_CODE_UNKNOWN)
                snprintf(clause, sizeof(clause), "status unknown");
        else
                exit_status_describe(clause, sizeof(clause), st);
        if (!late && exit_usec > 0 && c->created_usec > 0 && exit_usec >= c->created_usec)
                lifetime = exit_usec - c->created_usec;
        span[0] = ran[0] = 0;
        if (lifetime > 0) {
                snprintf(span, sizeof(span), " after ");
                format_timespan_short(span + 7, sizeof(span) - 7, lifetime);
                snprintf(ran, sizeof(ran), "; it ran ");
                format_timespan_short(ran + 9, sizeof(ran) - 9, lifetime);
        }
        /* In words, when the probe knows more than the status says: who sent what (issue 13). */
        if (f->probe && (v->signal || v->reason == DEATH_OOM_KILLED))
                verdict = death_describe(why, sizeof(why), f, v,
                                         v->reason == DEATH_OOM_KILLED && w && w->oom_victim_init
                                         ? why_oom_detail(detail, sizeof(detail), w, w->init_victim) : NULL);

        if (oom)
                priority = LOG_ERR;
        else if (st->code == EXIT_CODE_EXITED && st->status == 0)
                priority = LOG_NOTICE;
        else
                priority = LOG_WARNING;

        event_init(ev, MESSAGE_ID_CONTAINER_EXITED, priority);
        if (verdict)
                (void) event_addf(ev, "MESSAGE", "Container %s %s%s%s.", label, verdict, ran,
                                  late ? " (noticed late)" : "");
        else
                (void) event_addf(ev, "MESSAGE", "Container %s exited: %s%s%s%s.", label, clause,
                                  oom ? " (out of memory)" : "", span, late ? " (noticed late)" : "");
        (void) event_add(ev, "CONTAINER_EVENT", "exited");
        event_add_identity(ev, c);
        (void) event_add(ev, "EXIT_CODE", exit_code_to_string(st->code));
        if (st->code != EXIT_CODE_UNKNOWN)
                (void) event_addf(ev, "EXIT_STATUS", "%d", st->status);
        if ((st->code == EXIT_CODE_KILLED || st->code == EXIT_CODE_DUMPED) && signal_to_name(st->status))
                snprintf(sig, sizeof(sig), "%s", signal_to_name(st->status));
        (void) event_add(ev, "EXIT_SIGNAL", sig);
        (void) event_add(ev, "EXIT_STATUS_SOURCE", exit_source_to_string(st->source));
        (void) event_add(ev, "EXIT_OBSERVED", late ? "late" : "live");
        if (lifetime > 0)
                (void) event_addf(ev, "CONTAINER_LIFETIME_USEC", "%" PRIu64, lifetime);
        (void) event_add(ev, "OOM_KILLED", oom ? "1" : "0");
        (void) event_add(ev, "DEATH_REASON", death_reason_to_string(v->reason));
        (void) event_add(ev, "REASON_SOURCE", reason_source_to_string(v->source));
        if (f->probe && v->signal)
                event_add_signal(ev, v->signal);
        if (f->probe && w && w->signals && w->signals->n > 0)
                (void) event_add(ev, "SIGNALS", signal_history_format(w->signals, signals, sizeof(signals)));
        if (v->has_stop_grace)
                (void) event_addf(ev, "STOP_GRACE_USEC", "%" PRIu64, v->stop_grace_usec);
        if (oom && f->probe && w && w->oom_victim_init)
                event_add_oom_victim(ev, w, w->init_victim);
}

void event_build_oom(Event *ev, const ContainerIdentity *c, uint64_t kills, const WhyState *w) {
        char label[128 + 1024];

        event_label(c, label, sizeof(label));
        event_init(ev, MESSAGE_ID_CONTAINER_OOM, LOG_ERR);
        (void) event_addf(ev, "MESSAGE", "Container %s: a process was killed for lack of memory (%" PRIu64
                          " OOM kill%s in its cgroup so far), the container keeps running.", label, kills,
                          kills == 1 ? "" : "s");
        (void) event_add(ev, "CONTAINER_EVENT", "oom");
        event_add_identity(ev, c);
        if (w && w->has_child_victim)
                event_add_oom_victim(ev, w, w->child_victim); /* the probe's record (issue 13) */
}

void event_build_listed(Event *ev, const ContainerIdentity *c, bool alive) {
        event_init(ev, MESSAGE_ID_CONTAINER_STARTED, LOG_INFO);
        event_add_identity(ev, c);
        (void) event_add(ev, "CONTAINER_ALIVE", alive ? "1" : "0");
}
