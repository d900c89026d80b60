/* SPDX-License-Identifier: MIT */
/*
 * Crash loops: the deaths of each logical container within a sliding window, the verdict when
 * they reach CrashLoopCount= and each time the count doubles after that, and RESTART_COUNT for a
 * "started" entry. Pure logic: times are passed in (microseconds of CLOCK_BOOTTIME, which counts
 * suspend and is the same for a restarted daemon within one boot), nothing is written or logged
 * here. The manager feeds it the events it emits and writes what it says; the persistent record
 * keeps its state through record_put_state() (crashloop_key_to_json / crashloop_restore_json).
 *
 * A logical container outlives its incarnations: a Docker or Podman name ("web"), a Kubernetes
 * namespace/pod/container ("default/web-0/app"), else the container id. The key is that name
 * together with the manager, so that Docker's "web" and Podman's "web" are counted apart.
 *
 * Bounds (documented in container-watchd.conf(5)): at most CRASHLOOP_KEYS_MAX logical containers
 * (when a new one needs room, the one that died longest ago is forgotten) and at most
 * CRASHLOOP_DEATHS_MAX deaths each within the window (beyond that the oldest go, so the count and
 * RESTART_COUNT saturate there).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "journal.h"

#define CRASHLOOP_KEYS_MAX 1024
#define CRASHLOOP_DEATHS_MAX 256
#define CRASHLOOP_REASONS_MAX 5          /* reasons named in a crashloop entry, newest last */

typedef struct CrashLoop CrashLoop;

/* The verdict at a threshold: what the crashloop entry says. */
typedef struct CrashLoopVerdict {
        unsigned count;                  /* unexpected deaths within the window, this one included */
        unsigned threshold;              /* the threshold it reached: CrashLoopCount=, 2x, 4x, ... */
        uint64_t first_usec;             /* (CLOCK_BOOTTIME) the oldest of them */
        char reasons[CRASHLOOP_REASONS_MAX * 32]; /* "failed(1) killed(SIGKILL) ...", newest last */
} CrashLoopVerdict;

/*
 * A table with the thresholds of CrashLoopCount= (>= 1) and CrashLoopWindowSec= (in µs, > 0).
 * max_keys bounds the table (0 means CRASHLOOP_KEYS_MAX). Returns 0 and *ret, or -ENOMEM/-EINVAL.
 */
int crashloop_new(unsigned count, uint64_t window_usec, size_t max_keys, CrashLoop **ret);
/* Free the table. Accepts NULL, returns NULL. */
CrashLoop *crashloop_free(CrashLoop *c);

/* New thresholds (a reload); what is known so far is kept and judged by them from now on. */
void crashloop_set_limits(CrashLoop *c, unsigned count, uint64_t window_usec);

/*
 * The logical name of the container an event is about (see above), as a new string in *ret, and
 * its manager (borrowed from ev, "runc" when the event has none) in *ret_manager.
 * Returns 0, -ENOENT when ev names no container at all, or -ENOMEM.
 */
int crashloop_name_from_event(const Event *ev, const char **ret_manager, char **ret);

/*
 * The one-word verdict on an "exited" event: its DEATH_REASON when it has one (issue 13), else
 * derived from EXIT_CODE/EXIT_STATUS/EXIT_SIGNAL/OOM_KILLED: "exited" (status 0), "failed"
 * (another status), "oom-killed" (OOM_KILLED=1), "crashed" (a core dump, or SIGSEGV, SIGBUS,
 * SIGILL, SIGFPE, SIGABRT, SIGSYS, SIGTRAP), "stopped" (a stop signal: SIGTERM, SIGINT, SIGQUIT,
 * SIGHUP, SIGPWR, as death.c judges without the probe), "killed" (another signal), "unknown".
 * A static string.
 */
const char *crashloop_reason_of(const Event *ev);

/*
 * Record the death an "exited" event reports at time now. Deaths that are not unexpected are kept
 * for RESTART_COUNT but count toward no crash loop. When the unexpected deaths within the window
 * reach the current threshold (CrashLoopCount= at first), *ret_verdict is filled, the threshold
 * doubles and 1 is returned; 0 otherwise. The threshold goes back to CrashLoopCount= once the
 * window holds no unexpected death. Returns -ENOMEM (nothing recorded) or -ENOENT (ev names no
 * container). *ret_key, when not NULL, gets the key's name for record_put_state() (caller frees);
 * *ret_evicted, when not NULL, the key forgotten to make room (or NULL; caller frees).
 */
int crashloop_record_death(CrashLoop *c, const Event *ev, uint64_t now, CrashLoopVerdict *ret_verdict,
                           char **ret_key, char **ret_evicted);

/*
 * Build the crashloop entry for verdict v on the exited event it follows: the identity fields of
 * that incarnation, MESSAGE, CONTAINER_EVENT=crashloop, RESTART_COUNT, CRASHLOOP_THRESHOLD,
 * CRASHLOOP_WINDOW_USEC, CRASHLOOP_FIRST_USEC (CLOCK_REALTIME: now_realtime minus the age of the
 * first death, now_boottime - v->first_usec) and CRASHLOOP_REASONS, with message_id and priority
 * err. *ret is initialised here; free it with event_clear(). Returns 0 or -ENOMEM.
 */
int crashloop_event(const Event *exited, const CrashLoopVerdict *v, uint64_t window_usec, uint64_t now_boottime,
                    uint64_t now_realtime, const char *message_id, Event *ret);

/*
 * RESTART_COUNT for a "started" event at time now: the deaths (expected or not) of the same
 * logical container within the window. 0 for a container the table does not know.
 */
unsigned crashloop_restart_count(CrashLoop *c, const Event *ev, uint64_t now);

/*
 * The persistent form of one key (as crashloop_record_death() named it): a new JSON object, or
 * NULL when the key is not in the table (it was forgotten: the record drops its state).
 */
json_t *crashloop_key_to_json(const CrashLoop *c, const char *key);

/*
 * Restore one key from its persistent form at time now (the start of the daemon). Deaths that have
 * left the window meanwhile are dropped. Returns 1 when the key was restored, 0 when nothing of it
 * is left (or the JSON is not ours: ignored), -ENOMEM.
 */
int crashloop_restore_json(CrashLoop *c, json_t *o, uint64_t now);
