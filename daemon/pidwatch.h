/* SPDX-License-Identifier: MIT */
/*
 * Waiting for a container's init, which is not our child: a pidfd in the sd-event loop, a PID-reuse
 * guard by start time, and the exit status from wherever the kernel offers it (FACTS.md §1):
 *   1. at exit (pidfd readable), field 52 of the zombie's /proc/<pid>/stat, read through an fd
 *      opened at discovery (it can never describe a process that later reuses the PID);
 *   2. after the reap (EPOLLHUP, Linux >= 6.9), PIDFD_GET_INFO with PIDFD_INFO_EXIT (>= 6.15);
 *   3. nothing knowable: unknown, after at most reap_timeout.
 * Owns the pidfd, the stat fd and the reap timer; the pidfds of one loop share one epoll set and one
 * event source on it. Knows nothing about containers.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "util/exit-status.h"

typedef struct PidWatch PidWatch;

/* What the running kernel offers, probed once (pidwatch_probe). */
typedef struct KernelCaps {
        bool pidfd;              /* pidfd_open + poll (5.3) */
        bool hup_at_reap;        /* POLLHUP once the task is reaped (6.9) */
        bool info_exit;          /* PIDFD_GET_INFO with PIDFD_INFO_EXIT (6.15) */
} KernelCaps;

/* Called once, at the first readiness of the pidfd (the init has exited), before any status is
 * known: the moment to read counters that vanish with the cgroup. May be NULL. */
typedef void (*PidWatchDeadHandler)(PidWatch *w, void *userdata);
/* Called exactly once with the final status. exit_usec is CLOCK_REALTIME at the first readiness.
 * The handler may free the watch. */
typedef void (*PidWatchExitHandler)(PidWatch *w, const ExitStatus *st, uint64_t exit_usec, void *userdata);

/*
 * Probe the kernel by forking a child that exits with 7, reaping it, and looking at its pidfd.
 * Stores the result for pidwatch_new() and returns it in *ret. Returns 0 or -errno (fork failed);
 * caps.pidfd=false means containers cannot be watched at all.
 * A test knob: with CW_TEST_NO_KERNEL_STATUS=1 in the environment the kernel's exit statuses
 * (PIDFD_INFO_EXIT and /proc/<pid>/stat field 52) are ignored, as on a kernel before 6.15 whose
 * reaper always wins the race: what the runtime-record fallback then gives is measurable on any
 * kernel (tests/bench/runtime-status.sh). Logged at start-up.
 */
int pidwatch_probe(KernelCaps *ret);

/*
 * Start watching pid, whose field 22 must equal start_ticks.
 * Returns 0 and *ret on success. When the process is already gone (no such pid, a different process
 * with that pid, or a zombie) returns -ESRCH and fills *ret_gone with the best status knowable
 * (a zombie's field 52, source proc; else unknown). -EMFILE/-ENFILE when out of descriptors, other
 * -errno on failure.
 */
int pidwatch_new(sd_event *e, pid_t pid, uint64_t start_ticks, uint64_t reap_timeout_usec,
                 PidWatchDeadHandler on_dead, PidWatchExitHandler on_exit, void *userdata,
                 PidWatch **ret, ExitStatus *ret_gone);

/* 1 when pid exists, is not a zombie and has start time start_ticks; 0 when not; -errno. */
int pid_is_alive(pid_t pid, uint64_t start_ticks);
/* Like pid_is_alive(), but 0 also for a process that is dying (proc_stat_dying(): in do_exit(),
 * its memory being torn down, which under load can take longer than a settle time; or SIGKILLed
 * and not yet running to act on it). */
int pid_is_living(pid_t pid, uint64_t start_ticks);

/* The inode of the process's PID namespace, as /proc/<pid>/ns/pid named it once the pidfd pinned
 * the pid (the ptrace-read probe reads that link anyway); 0 when it is not known. */
uint64_t pidwatch_pid_ns_inode(const PidWatch *w);

/* The inode number in a /proc/<pid>/ns/<kind> link's target ("net:[4026531840]"): 0 and *ret, or
 * -EINVAL when it is not of that form. */
int ns_link_inode(const char *target, uint64_t *ret);

/* Stop watching and release everything; accepts NULL; returns NULL. */
PidWatch *pidwatch_free(PidWatch *w);
void pidwatch_freep(PidWatch **w);
