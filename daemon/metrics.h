/* SPDX-License-Identifier: MIT */
/*
 * Counters for Prometheus through node_exporter's textfile collector (MetricsTextfile=): what the
 * events said, kept as counters and gauges and written as one .prom file in the text exposition
 * format (HELP and TYPE lines, counters end in _total, base units, escaped label values).
 *
 * The file is rewritten atomically (a temporary ".NAME.tmp" in the same directory, which the
 * collector ignores, fsync'd, mode 0644, renamed over NAME), at most once a second and only when
 * something changed: one sd-event timer, enabled only while there is something to write. A write
 * that fails is tried again METRICS_RETRY_USEC later; the owner's callback hears of the first
 * failure of a run and of the first success after it, so that it can say so once.
 *
 * No label names a container unless per_container (MetricsPerContainer=yes): then the event,
 * exit, OOM and crash-loop counters get a "name" label (the logical name, crashloop.h), for at
 * most names_max names. When a new name needs room the series of the name seen longest ago are
 * dropped (Prometheus sees them end; sum(rate()) stays right).
 *
 * Owns the counters, the timer and the file; knows nothing of containers beyond the fields of the
 * events it is shown, and does not log.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <systemd/sd-event.h>

#include "journal.h"
#include "util/cleanup.h"
#include "util/time.h"

#define METRICS_INTERVAL_USEC (1 * USEC_PER_SEC)     /* at most one write per second */
#define METRICS_RETRY_USEC    (5 * USEC_PER_SEC)     /* after a failed write */
#define METRICS_NAMES_MAX_DEFAULT 100

typedef struct Metrics Metrics;

/*
 * Told after every write of the file: error is 0 or the negative errno of the failure; first is
 * true for the first failure after a success (or at the start) and for the first success after a
 * failure, so that one line can be logged for each change and none per write.
 */
typedef void (*MetricsWritten)(Metrics *m, int error, bool first, void *userdata);

/*
 * Counters written to path (absolute, ending in ".prom") from event e (a reference is taken).
 * Nothing is written before the first change. Returns 0 and *ret, or -ENOMEM / another -errno
 * from sd-event.
 */
int metrics_new(sd_event *e, const char *path, bool per_container, unsigned names_max, Metrics **ret);
/* Stop the timer and free everything. Accepts NULL, returns NULL. The file stays. */
Metrics *metrics_free(Metrics *m);
void metrics_freep(Metrics **m);

void metrics_set_callback(Metrics *m, MetricsWritten cb, void *userdata);

/* Count one emitted event: container_events_total, and for "exited" container_exits_total and
 * (OOM_KILLED=1) oom_kills_total{victim="init"}, for "oom" oom_kills_total (victim from
 * OOM_VICTIM_IS_INIT, else "child"), for "crashloop" crashloops_total. */
void metrics_count_event(Metrics *m, const Event *ev);

/* Gauges and the drop counter, sampled by the owner; a change is written like any other. */
void metrics_set_tracked(Metrics *m, uint64_t n);
void metrics_set_queue_length(Metrics *m, uint64_t n);
/* n: events dropped since this process started (journal.c); the counter adds what was restored. */
void metrics_set_events_dropped(Metrics *m, uint64_t n);

/*
 * The exposition text as it would be written now (up: the value of container_watchd_up).
 * Returns 0 and a new NUL-terminated string in *ret, or -ENOMEM.
 */
int metrics_format(Metrics *m, bool up, char **ret);

/*
 * The timer's work at monotonic time now: write the file when something changed and the last write
 * is at least METRICS_INTERVAL_USEC old, else (re)arm the timer for when it may. Returns 1 when
 * the file was written, 0 when there was nothing to do yet, or the negative errno of a failed write.
 * The timer calls it; tests call it with the times they choose.
 */
int metrics_tick(Metrics *m, uint64_t now);

/* Write the file now, whatever the rate; up=false on the way out (container_watchd_up 0). */
int metrics_flush(Metrics *m, bool up);

/* The counters (not the gauges) in a persistent form: a new JSON object, or NULL (-ENOMEM). */
json_t *metrics_to_json(const Metrics *m);
/*
 * Add counters saved by metrics_to_json() (a daemon restart). A form that is not ours, or one saved
 * with a different MetricsPerContainer=, is ignored: the counters then start from zero, a clean
 * reset. Returns 1 when restored, 0 when ignored, -ENOMEM.
 */
int metrics_restore_json(Metrics *m, json_t *o);
