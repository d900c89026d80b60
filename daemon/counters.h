/* SPDX-License-Identifier: MIT */
/*
 * What the daemon counts of the events it emits, wired to the rest: the crash-loop table
 * (crashloop.c: RESTART_COUNT, crashloop entries) and the Prometheus counters (metrics.c:
 * MetricsTextfile=), both kept in the record across restarts (their "crashloop" and "metrics"
 * states), sampled gauges, and what a reload changes of them. The manager hands every emitted event
 * here; it decides nothing else.
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "container.h"
#include "events.h"
#include "journal.h"
#include "keeper.h"

typedef struct Counters Counters;

/*
 * The crash-loop table restored from k's record (what has left the window is forgotten), and the
 * counters of MetricsTextfile= when config names one, restored likewise (a textfile that cannot be
 * set up is said and the daemon goes on without). config must stay valid until
 * counters_reload_end() names another; cx (container counts) and j (queue length, drops) are
 * sampled for the gauges. Returns 0 and *ret, or -ENOMEM.
 */
int counters_new(sd_event *e, const Config *config, Keeper *k, Journal *j, const ContainerContext *cx,
                 Counters **ret);
/* Close the textfile (container_watchd_up 0), keep the counters in the record, free everything.
 * Accepts NULL, returns NULL. */
Counters *counters_free(Counters *t);

/* A "started" entry gets its RESTART_COUNT field. No-op for t NULL. */
void counters_add_restart_count(Counters *t, Event *ev);

/* Count an event that was emitted, and sample the gauges. No-op for t NULL. */
void counters_count(Counters *t, const Event *ev);

/*
 * An "exited" entry is a death for the crash-loop table; its state goes to the record. Returns 1
 * and *ret, the crashloop entry to emit right after the exited one (event_clear() it), when the
 * death reaches a threshold (DESIGN.md §3, "Crash loops"); 0 otherwise, failures said.
 */
int counters_judge_death(Counters *t, const Event *exited, Event *ret);

/* Sample the gauges (tracked containers, journal queue, drops) now. No-op for t NULL. */
void counters_sample(Counters *t);

/* The start-up scan is done: the gauges and the restored counters written at once, with
 * container_watchd_up 1. */
void counters_ready(Counters *t);

/*
 * A reload, in two steps around the swap of the configuration. Begin, while the old one is still
 * valid: when the new one changes the metrics (MetricsTextfile=, MetricsPerContainer=,
 * MetricsNamesMax=), the current textfile is closed as at the end; returns whether it does. End,
 * once the new one is active: the crash-loop table takes its limits, and changed metrics are set up
 * anew and written at once.
 */
bool counters_reload_begin(Counters *t, const Config *new_config);
void counters_reload_end(Counters *t, const Config *new_config, bool metrics_changed);
