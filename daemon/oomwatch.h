/* SPDX-License-Identifier: MIT */
/*
 * OOM kills inside one container's cgroup, as they happen (FACTS.md §4, DESIGN.md §3 "oom"):
 *   cgroup v1: an eventfd registered through cgroup.event_control for memory.oom_control, in the
 *              sd-event loop; it fires when an OOM begins (and once more when the cgroup is removed),
 *              after which the oom_kill counter of memory.oom_control is read;
 *   cgroup v2: an IN_MODIFY watch (sd-event's inotify) on memory.events, whose oom_kill it reads.
 *   cgroup v1 with a read-only cgroup tree (the shipped unit's ProtectControlGroups=yes): no
 *              notification can be registered; the counter is kept and read at discovery, at
 *              each oomwatch_refresh() (the caller's exit handling) and after each
 *              oomwatch_poke() (the kernel probe saw an OOM victim in the container).
 * Owns the counter file's fd, the eventfd and their event sources. Knows nothing about containers,
 * PIDs or the journal: it reports "the oom_kill counter of this cgroup is now N" and leaves it to the
 * caller to decide whether that was the init's death or a child's.
 * Also holds the pure parsers of the two counter files, for the tests and for one-off reads.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

typedef struct OomWatch OomWatch;

/* The counters of v1 memory.oom_control or v2 memory.events. A counter the file lacks is 0 and its
 * has_* flag is false. */
typedef struct OomCounters {
        uint64_t oom;            /* v2 "oom": times the limit was hit and the OOM killer ran (v2 only) */
        uint64_t oom_kill;       /* processes killed by the OOM killer (v1 ≥ 4.13, v2 ≥ 4.13) */
        uint64_t oom_group_kill; /* v2 ≥ 5.18 */
        bool under_oom;          /* v1: an OOM is in progress (only with oom_kill_disable) */
        bool oom_kill_disable;   /* v1 */
        bool has_oom_kill;
} OomCounters;

/*
 * Called when the oom_kill counter has risen above the last value seen, with the new value, at most
 * once per loop iteration; delivered settle_usec after the rise was first seen (see oomwatch_new).
 * The handler may free the watch.
 */
typedef void (*OomWatchHandler)(OomWatch *w, uint64_t oom_kill, void *userdata);

/*
 * Parse cgroup v1 memory.oom_control ("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n") or cgroup v2
 * memory.events ("low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\noom_group_kill 0\n"): "key value" lines,
 * unknown keys ignored. text need not be NUL-terminated. Returns 0 and *ret; -EBADMSG when a line
 * is not "key <unsigned decimal>" or a known key repeats; -ENOENT when oom_kill is absent (kernels
 * before 4.13: the caller cannot count OOM kills there).
 */
int oomwatch_parse_counters(const char *text, size_t len, OomCounters *ret);

/*
 * Watch one container's memory cgroup. cgroup_v1_memory_dir is the v1 memory controller directory
 * (state.json cgroup_paths.memory) and wins when given and present; else cgroup_unified_dir is the
 * v2 directory (cgroup_paths[""]), which on hybrid hosts has no memory.events and is then not
 * watchable. Either may be NULL.
 * The baseline (the counter now) is read before returning; see oomwatch_count().
 * settle_usec delays the handler after a rise is first seen, so that a caller can first learn
 * whether the process it cares about was the victim (an OOM-killed init's pidfd turns readable
 * within milliseconds of the kill); 0 delivers at once.
 * Returns 0 and *ret; -ENOENT when neither directory has a counter file (no memory controller, or
 * the cgroup is gone already), -ENODEV when the cgroup was removed meanwhile, -ENOMEM, other -errno.
 */
int oomwatch_new(sd_event *e, const char *cgroup_v1_memory_dir, const char *cgroup_unified_dir,
                 uint64_t settle_usec, OomWatchHandler on_oom, void *userdata, OomWatch **ret);

/* Descriptors the watch holds now (the counter file; the eventfd on cgroup v1): 0 to 2. */
unsigned oomwatch_n_fds(const OomWatch *w);

/* The oom_kill counter as last read (at oomwatch_new, at each notification, at oomwatch_refresh). */
uint64_t oomwatch_count(const OomWatch *w);

/*
 * Read the counter again now (the init has died: the cgroup is about to vanish, FACTS.md 4.4) and
 * return it in *ret (the last known value when the cgroup is already gone). Does not call the
 * handler, and cancels a rise whose delivery is pending: the caller has now seen it.
 * Returns 0, or -ENODEV when the cgroup is gone (then *ret is the last known value).
 */
int oomwatch_refresh(OomWatch *w, uint64_t *ret);

/*
 * Another source says that an OOM kill happened in this cgroup (the kernel probe's OOM victim
 * record): read the counter as after a notification, from a timer (never from inside this call,
 * so the handler does not run in the caller's stack). A rise is then delivered after the settle
 * time as any other. This is how a v1 watch without a notification (a read-only cgroup tree)
 * still reports a child's OOM kill while the init lives on. Accepts NULL.
 */
void oomwatch_poke(OomWatch *w);

/*
 * true when an OOM happened in the cgroup since oomwatch_new: the counter rose, or (v1) an OOM
 * notification came. The test for OOM_KILLED when the init died by SIGKILL (FACTS.md 4.5). Call
 * oomwatch_refresh() first.
 */
bool oomwatch_oom_seen(const OomWatch *w);

/* Stop watching, release everything; accepts NULL; returns NULL. A pending delivery is dropped. */
OomWatch *oomwatch_free(OomWatch *w);
void oomwatch_freep(OomWatch **w);
