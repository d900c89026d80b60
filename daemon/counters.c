/* SPDX-License-Identifier: MIT */
/*
 * The crash-loop table and the metrics counters wired to events, the record and reloads (see
 * counters.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "catalog-ids.h"
#include "counters.h"
#include "crashloop.h"
#include "log.h"
#include "metrics.h"
#include "util/cleanup.h"
#include "util/strutil.h"
#include "util/time.h"

/* The record's "state" kinds of crash loops (one per logical container) and of the counters. */
#define STATE_CRASHLOOP "crashloop"
#define STATE_METRICS   "metrics"

struct Counters {
        sd_event *event;
        const Config *config;        /* the active one */
        Keeper *keeper;              /* its record keeps the states */
        Journal *journal;
        const ContainerContext *cx;
        CrashLoop *crashloop;        /* deaths per logical container (issue 16) */
        Metrics *metrics;            /* NULL: no MetricsTextfile= */
};

void counters_sample(Counters *t) {
        if (!t || !t->metrics)
                return;
        metrics_set_tracked(t->metrics, t->cx->n_tracked + t->cx->n_untracked);
        metrics_set_queue_length(t->metrics, journal_queue_length(t->journal));
        metrics_set_events_dropped(t->metrics, journal_events_dropped(t->journal));
}

void counters_count(Counters *t, const Event *ev) {
        if (!t || !t->metrics)
                return;
        metrics_count_event(t->metrics, ev);
        counters_sample(t);
}

void counters_add_restart_count(Counters *t, Event *ev) {
        if (!t)
                return;
        (void) event_addf(ev, "RESTART_COUNT", "%u",
                          crashloop_restart_count(t->crashloop, ev, now_boottime_usec()));
}

int counters_judge_death(Counters *t, const Event *exited, Event *ret) {
        _cleanup_free_ char *key = NULL, *evicted = NULL;
        Record *record = keeper_record(t ? t->keeper : NULL);
        uint64_t now = now_boottime_usec();
        CrashLoopVerdict v;
        int r;

        if (!t)
                return 0;
        r = crashloop_record_death(t->crashloop, exited, now, &v, &key, &evicted);
        if (r == -ENOENT)
                return 0;
        if (r < 0) {
                log_error_errno(r, "Failed to count a death toward crash loops: %m");
                return 0;
        }
        if (record) {
                json_t *j = crashloop_key_to_json(t->crashloop, key);

                if (j)
                        (void) record_put_state(record, STATE_CRASHLOOP, key, j);
                json_decref(j);
                if (evicted)
                        (void) record_put_state(record, STATE_CRASHLOOP, evicted, NULL);
                keeper_grew(t->keeper);
        }
        if (r == 0)
                return 0;
        r = crashloop_event(exited, &v, t->config->crashloop_window_usec, now, now_realtime_usec(),
                            MESSAGE_ID_CONTAINER_CRASHLOOP, ret);
        if (r < 0) {
                log_error_errno(r, "Failed to build a crashloop entry: %m");
                return 0;
        }
        return 1;
}

/* The counters into the record, so that a restart goes on from them. */
static void counters_persist_metrics(Counters *t) {
        Record *record = keeper_record(t->keeper);
        json_t *j;

        if (!t->metrics || !record)
                return;
        j = metrics_to_json(t->metrics);
        if (!j)
                return;
        (void) record_put_state(record, STATE_METRICS, "counters", j);
        json_decref(j);
        keeper_grew(t->keeper);
}

static void counters_on_metrics_written(Metrics *mt, int error, bool first, void *userdata) {
        Counters *t = userdata;
        const char *path = t->config->metrics_textfile ?: "";

        (void) mt;
        if (error < 0) {
                /* once per run of failures: the file is tried again every few seconds */
                if (first)
                        log_id_errno(LOG_WARNING, error, MESSAGE_ID_METRICS_WRITE,
                                     "Failed to write the metrics textfile '%s', trying again every %u s; "
                                     "container events are not affected: %m",
                                     path, (unsigned) (METRICS_RETRY_USEC / USEC_PER_SEC));
                else
                        log_debug_errno(error, "Failed again to write the metrics textfile '%s': %m", path);
                return;
        }
        if (first)
                log_id(LOG_NOTICE, MESSAGE_ID_METRICS_WRITE, "The metrics textfile '%s' is written again.", path);
        counters_persist_metrics(t);
}

/* The counters of MetricsTextfile=, restored from the record. Without them the daemon goes on. */
static void counters_setup_metrics(Counters *t) {
        Record *record = keeper_record(t->keeper);
        json_t *saved;
        int r;

        if (!t->config->metrics_textfile)
                return;
        r = metrics_new(t->event, t->config->metrics_textfile, t->config->metrics_per_container,
                        t->config->metrics_names_max, &t->metrics);
        if (r < 0) {
                log_error_errno(r, "Failed to set up the metrics textfile '%s', going on without: %m",
                                t->config->metrics_textfile);
                return;
        }
        metrics_set_callback(t->metrics, counters_on_metrics_written, t);
        saved = record ? json_object_get(record_get_states(record, STATE_METRICS), "counters") : NULL;
        if (saved && metrics_restore_json(t->metrics, saved) == 0)
                log_debug("The saved counters are of another MetricsPerContainer=, starting from zero.");
        counters_sample(t);
}

/* At the end: the file says the daemon is down, the record keeps the counters. */
static void counters_stop_metrics(Counters *t) {
        if (!t->metrics)
                return;
        (void) metrics_flush(t->metrics, /* up= */ false);
        counters_persist_metrics(t);
        t->metrics = metrics_free(t->metrics);
}

/* The crash-loop table, restored from the record; what has left the window is forgotten. */
static int counters_setup_crashloop(Counters *t) {
        Record *record = keeper_record(t->keeper);
        json_t *states, *value;
        const char *key;
        void *tmp;
        uint64_t now = now_boottime_usec();
        int r;

        r = crashloop_new(t->config->crashloop_count, t->config->crashloop_window_usec, 0, &t->crashloop);
        if (r < 0)
                return r;
        states = record ? record_get_states(record, STATE_CRASHLOOP) : NULL;
        json_object_foreach_safe(states, tmp, key, value) {
                r = crashloop_restore_json(t->crashloop, value, now);
                if (r < 0)
                        return r;
                if (r == 0)
                        record_forget_state(record, STATE_CRASHLOOP, key);
        }
        return 0;
}

int counters_new(sd_event *e, const Config *config, Keeper *k, Journal *j, const ContainerContext *cx,
                 Counters **ret) {
        Counters *t;
        int r;

        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        *t = (Counters) { .event = e, .config = config, .keeper = k, .journal = j, .cx = cx };
        r = counters_setup_crashloop(t);
        if (r < 0) {
                counters_free(t);
                return r;
        }
        counters_setup_metrics(t);
        *ret = t;
        return 0;
}

Counters *counters_free(Counters *t) {
        if (!t)
                return NULL;
        counters_stop_metrics(t);
        t->crashloop = crashloop_free(t->crashloop);
        free(t);
        return NULL;
}

void counters_ready(Counters *t) {
        if (!t || !t->metrics)
                return;
        /* container_watchd_up 1 and the restored counters, at once */
        counters_sample(t);
        (void) metrics_flush(t->metrics, /* up= */ true);
}

bool counters_reload_begin(Counters *t, const Config *c) {
        bool changed;

        if (!t)
                return false;
        changed = !streq_ptr(c->metrics_textfile, t->config->metrics_textfile) ||
                  c->metrics_per_container != t->config->metrics_per_container ||
                  c->metrics_names_max != t->config->metrics_names_max;
        if (changed)
                counters_stop_metrics(t);
        return changed;
}

void counters_reload_end(Counters *t, const Config *c, bool metrics_changed) {
        if (!t)
                return;
        t->config = c;
        crashloop_set_limits(t->crashloop, c->crashloop_count, c->crashloop_window_usec);
        if (metrics_changed) {
                counters_setup_metrics(t);
                if (t->metrics)
                        (void) metrics_flush(t->metrics, /* up= */ true);
        }
}
