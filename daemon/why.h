/* SPDX-License-Identifier: MIT */
/*
 * Why each tracked container's init dies (issue 13): owns the kernel probe (probe.h) and, per
 * tracked init, what its records said: the recent signals with their senders (exe and systemd
 * unit read from /proc as each record arrives), the exit status the probe saw, and OOM victims
 * (the init itself, or the latest child not yet reported). Records for a PID not tracked yet (an
 * init that dies milliseconds after it starts, before its state file is read) wait in a small
 * buffer and are handed over by why_track(). Turns that into DeathFacts for death.c.
 * Knows containers only as (pid, PID-namespace inode, memory cgroup, id); logs only at debug.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "death.h"
#include "probe.h"
#include "util/exit-status.h"

typedef struct Why Why;
typedef struct WhyState WhyState;

struct WhyState {
        pid_t pid;
        uint64_t pidns;                  /* inode of the init's PID namespace, 0 unknown */
        uint64_t memcg_ino;              /* inode of its memory cgroup directory, 0 unknown */
        uint64_t mem_limit;              /* its memory limit in bytes, 0 none or unknown */
        const char *container_id;        /* the tracker's (why_track), NULL unknown */
        SignalHistory *signals;          /* allocated at its first signal record (a kilobyte: most
                                          * inits never get one), NULL: none */
        bool has_exit;                   /* the probe saw the group exit */
        int exit_wstatus;
        uint64_t exit_monotonic_usec;
        /* The victims are allocated at their first record, as the signal history is: ~150 bytes
         * each that almost every init would carry unused. */
        bool oom_victim_init;            /* the OOM killer chose the init (*init_victim) */
        ProbeOomVictim *init_victim;
        bool has_child_victim;           /* a child OOM victim not yet reported (*child_victim) */
        ProbeOomVictim *child_victim;
        /* Called when a record names a child OOM victim (the tracker's hook: its OOM counter may
         * have no notification of its own, oomwatch_poke); NULL for none. */
        void (*on_child_victim)(WhyState *s, void *userdata);
        void *userdata;
};

/*
 * Load the probe (when load is true) into loop e. Never fails for lack of the probe: *ret is
 * always set on success, with why_probe_attached() false and why_probe_off_reason() (and
 * why_log_probe()) saying why (-EOPNOTSUPP "built without ..." etc., or -ECANCELED
 * "disabled (KernelProbe=no)"). Returns 0 or -ENOMEM.
 */
int why_new(sd_event *e, bool load, Why **ret);
Why *why_free(Why *w);
static inline void why_freep(Why **w) {
        why_free(*w);
}
bool why_probe_attached(const Why *w);
/* Why the probe is not attached, in words ("disabled (KernelProbe=no)", "built without ..."); NULL when attached. */
const char *why_probe_off_reason(const Why *w);
/*
 * Say once, at start-up, what the probe gives: at info when KernelProbe=no turned it off, a warning
 * with the reason when it could not be loaded (signal senders and OOM victims are then not
 * reported; the other sources serve as before), at debug when it is attached.
 */
void why_log_probe(const Why *w);
/* Whether the probe can say which memory cgroup hit its limit (OOM_SCOPE). */
bool why_has_oom_scope(const Why *w);

/*
 * Follow the init pid of container id (borrowed, not copied: it must outlive the state; may be NULL);
 * memcg_dir is its memory cgroup directory (v1 memory or v2 unified; NULL when unknown), read for
 * its inode and limit. Takes over the records already
 * waiting for pid. Returns the state (owned by w until why_untrack; one caller per pid) or NULL (no
 * probe, out of memory, or pid already tracked by another caller).
 */
WhyState *why_track(Why *w, pid_t pid, uint64_t pidns, const char *memcg_dir, const char *container_id);
/* Forget a state (accepts NULL). */
void why_untrack(Why *w, WhyState *s);
/* Read every record queued now: call when an init's pidfd turns readable, so that its exit and
 * signal records are in before the exit is reported. */
void why_drain(Why *w);

/*
 * The facts of s's death for death_judge(). status is what the other sources said; when it is
 * unknown (or absent) and the probe saw the exit, *ret_status is the probe's with
 * EXIT_SOURCE_PROBE, else a copy of *status. ret->status is *ret_status. s may be NULL (no
 * probe): the facts are the status and oom_counter_rose alone.
 */
void why_facts(const Why *w, const WhyState *s, const ExitStatus *status, bool oom_counter_rose,
               DeathFacts *ret, ExitStatus *ret_status);

/* "container", "ancestor", "host" for victim v of s, or NULL when the kernel cannot say. */
const char *why_oom_scope(const WhyState *s, const ProbeOomVictim *v);
/* "init postgres used 512.0M of its 512M limit", "process dd[42] used 16.1M" into buf. */
char *why_oom_detail(char *buf, size_t l, const WhyState *s, const ProbeOomVictim *v);
