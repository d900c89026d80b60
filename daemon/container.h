/* SPDX-License-Identifier: MIT */
/*
 * One container incarnation (a state directory naming one (pid, start time)) and what the daemon
 * holds for it: its identity, its state (ONE enum: ContainerState), the pidfd on its init, the OOM
 * watch of its cgroup, a wait for its monitor's exit file. The one place where descriptors are
 * taken and given back (the budget in ContainerContext). Follows the init to its death and reports
 * started / exited / oom through the hooks its owner gave (ContainerHooks: the manager's single
 * emission point and its record). Knows nothing of the container table, the roots or inotify.
 *
 * Per-container state goes into struct Container, and the transitions into container.c.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "events.h"
#include "metadata.h"
#include "oomwatch.h"
#include "pidwatch.h"
#include "record.h"
#include "runc-state.h"
#include "runtime-exit.h"
#include "statedir.h"
#include "util/exit-status.h"
#include "why.h"

typedef struct Container Container;

typedef enum ContainerState {
        CONTAINER_NEW,           /* built, not tracked yet */
        CONTAINER_TRACKED,       /* alive, with a pidfd on its init */
        CONTAINER_UNTRACKED,     /* alive, but no descriptor was left for a pidfd: followed through
                                  * its state directory, promoted when descriptors free up */
        CONTAINER_EXITING,       /* the init died; waiting for the monitor's exit file */
        CONTAINER_EXITED,        /* its exit was reported: a tombstone */
        CONTAINER_REFUSED,       /* names a process its writer does not own: never reported */
        _CONTAINER_STATE_MAX,
        _CONTAINER_STATE_INVALID = -EINVAL,
} ContainerState;

/* Where the manager keeps an incarnation. */
typedef enum ContainerPlace {
        CONTAINER_LOOSE,         /* nowhere yet (being built) */
        CONTAINER_IN_TABLE,      /* the incarnation its state directory names now */
        CONTAINER_DETACHED,      /* superseded, or its directory is gone: watched to its exit */
} ContainerPlace;

/* What a container tells its owner. */
typedef struct ContainerHooks {
        /* An event about c is built: emit it (the owner's single emission point, which may add
         * fields of its own, e.g. RESTART_COUNT). ev is cleared by the caller afterwards. */
        void (*emit)(Container *c, Event *ev, void *userdata);
        /* Remember that op ("started", "exited") was reported for c. */
        void (*record)(Container *c, const char *op, void *userdata);
        /* c's init was watched to its death and its exit reported: c is CONTAINER_EXITED and holds
         * no descriptor any more. */
        void (*on_exited)(Container *c, void *userdata);
} ContainerHooks;

/* What all containers share: the loop, the configuration, the hooks, the descriptor budget. */
typedef struct ContainerContext {
        sd_event *event;
        const Config *config;        /* the active one: reap timeout, Docker's data root */
        const ContainerHooks *hooks;
        void *userdata;
        uint64_t nofile_limit;       /* RLIMIT_NOFILE soft limit */
        uint64_t fds_in_use;         /* held by all containers together */
        unsigned n_tracked;          /* with a pidfd */
        unsigned n_untracked;
        Container *untracked;        /* the CONTAINER_UNTRACKED ones, most recent first */
        bool warned_fd_limit;
        Why *why;                    /* the kernel probe's records per init (why.h); never NULL
                                      * once the manager runs, detached when the probe is off */
} ContainerContext;

struct Container {
        ContainerContext *ctx;
        ContainerState state;        /* changed by container.c only */
        ContainerPlace place;        /* the manager's */
        char *path;                  /* the state directory: the manager's key */
        char *id;                    /* in path's allocation (its last component, most often) */
        char *ns;
        Runtime runtime;
        Meta meta;
        pid_t pid;
        uid_t owner;                 /* the user who controls its state directory (ownership.h), 0: root */
        uint64_t start_ticks;
        uint64_t created_usec;
        uint64_t ns_ino[_NS_MAX];
        /* What its state file said that watching it needs, kept until it is used: the namespace
         * paths until their inodes are read, the cgroup until its OOM watch is open. Every path that
         * starts tracking uses them (container_track(): discovery, promotion, restore). */
        char *ns_path[_NS_MAX];
        char *cgroup_v1_memory, *cgroup_unified;
        bool ns_read;                /* ns_ino[] read (or it was gone by then) */
        bool started_reported;       /* an earlier run of the daemon reported its started entry, the
                                      * one user of ns_ino[] but NS_PID (the probe's): only that is
                                      * read */
        bool cgroup_from_proc;       /* rebuilt from the record: its init's /proc/PID/cgroup says */
        bool oom_seen;               /* an OOM in its cgroup since discovery (read at the init's death) */
        uint64_t oom_reported;       /* the oom_kill counter at its last "oom" entry (0: none) */
        WhyState *why;               /* what the kernel probe said about its init, or NULL */
        unsigned seen_scan;          /* the manager's: the rescan that last found it */
        Container *detached_next;    /* the manager's list of detached incarnations */

        /* held for it (container.c) */
        PidWatch *watch;
        OomWatch *oom;
        RuntimeExitWait *runtime_wait;
        uint64_t exit_usec;          /* when the init died, while runtime_wait runs */
        unsigned oom_fds;            /* descriptors of the OOM watch, counted when it was opened */
        unsigned n_fds;              /* descriptors charged to the budget for it */
        Container *untracked_prev, *untracked_next;
};

/*
 * A container for what the state directory e holds (state s): identity and metadata (Docker's
 * record, labels) collected now, as they vanish with the container. CONTAINER_NEW, nothing held.
 * Returns 0 and *ret, or -ENOMEM.
 */
int container_new(ContainerContext *ctx, const StateDirEntry *e, const RuncState *s, Container **ret);

/* A container rebuilt from what the record remembers (the strings of e are taken over).
 * CONTAINER_NEW. Returns 0 and *ret, or -ENOMEM. */
int container_new_from_record(ContainerContext *ctx, RecordEntry *e, Container **ret);

/* What the record remembers of c (pointing into c). */
RecordEntry container_to_record(const Container *c);

/* Give back everything; accepts NULL; returns NULL. The manager must have taken it out of its
 * table and lists first. */
Container *container_free(Container *c);

/* The fields events.c builds from. */
ContainerIdentity container_identity(const Container *c);

/* true when descriptors remain for one more container (a pidfd and the largest OOM watch) above
 * the reserve kept for state files, the record, the journal and a reload. */
bool container_fds_available(const ContainerContext *ctx);

/*
 * Hold a pidfd on the init, within the budget. Every path that starts tracking a container comes
 * here (discovery, the untracked ones' promotion, the record's restore), and so does the one check
 * of who may speak for the pid: with c->owner not 0 the init must be that user's (pid_belongs_to(),
 * checked while our pidfd pins it when there is one). And so does what watching it needs, the same
 * for each path: its namespaces' inodes are read (for the started entry, also when no descriptor
 * is left), and once tracked its OOM watch opens and the kernel probe follows its init.
 * Returns 0 (CONTAINER_TRACKED); -EMFILE when no descriptor is left (CONTAINER_UNTRACKED; said once
 * until all are tracked again); -ESRCH when the init is gone already (*ret_gone: what is knowable;
 * the state is unchanged); -EPERM when the pid is not the owner's (said once, nothing held, the
 * state unchanged); other -errno.
 */
int container_track(Container *c, ExitStatus *ret_gone);

/* Never to be reported: give back what it holds, CONTAINER_REFUSED. */
void container_refuse(Container *c);

/* Also a tombstone without a report: reported before a restart of the daemon (the record says). */
void container_mark_reported(Container *c);

/* Emit its "started" event. */
void container_report_started(Container *c);

/*
 * It ended without having been watched to its end (gone before it was tracked, untracked, or while
 * the daemon was not running): report its exit once, late, with the best status knowable (gone,
 * else what its monitor or Docker wrote down), and record it. CONTAINER_EXITED.
 */
void container_report_late_exit(Container *c, const ExitStatus *gone);

/* Exited or refused: nothing more will be said about it. */
static inline bool container_is_over(const Container *c) {
        return c->state == CONTAINER_EXITED || c->state == CONTAINER_REFUSED;
}
