/* SPDX-License-Identifier: MIT */
/*
 * The manager (see manager.h): the loop and its sources, the container table, reload and status.
 * From "a state file is here" it decides whether this is a new incarnation to track and report
 * (container.c does the tracking and the reporting), and it is the single emission point every
 * event passes (manager_emit).
 *
 * The container table is keyed by state-directory path and holds one incarnation per path: the one
 * whose (pid, start time) the state file names. An incarnation that has exited and been reported
 * stays as a tombstone until its directory is removed (or replaced by another incarnation), so that
 * a rescan that finds the same state file again does not report it again.
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <search.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "catalog-ids.h"
#include "container.h"
#include "counters.h"
#include "journal.h"
#include "keeper.h"
#include "log.h"
#include "manager.h"
#include "notify.h"
#include "ownership.h"
#include "pidwatch.h"
#include "statedir.h"
#include "eventseq.h"
#include "subscribers.h"
#include "statefile.h"
#include "util/cleanup.h"
#include "util/strutil.h"
#include "util/time.h"
#include "util/tree.h"

struct Manager {
        sd_event *event;
        sd_event_source *sig_term, *sig_int, *sig_hup;
        NotifyStatus *status;             /* throttled STATUS= updates */
        StateDir *statedir;
        Journal *journal;
        Config *config;
        ManagerOptions opts;
        ContainerContext cx;         /* what the containers share: hooks, descriptor budget */
        void *containers;            /* tsearch tree of Container* by path */
        size_t n_containers;         /* in the table (live and tombstones) */
        Container *detached;         /* superseded incarnations still being watched */
        Keeper *keeper;              /* the record of what was reported (keeper.h) */
        Counters *counters;          /* crash loops and metrics (counters.h) */
        Why *why;                    /* the kernel probe and what it said per init (why.h) */
        Subscribers *subscribers;    /* the event socket; NULL: none could be opened */
        EventSeq seq;                /* EVENT_SEQ (eventseq.h) */
        unsigned scan;               /* the current (or last) rescan; Container.seen_scan */
        pid_t self;                  /* getpid(), once (glibc does not cache it: a call per state file) */
        bool rescanning;
        bool ready;
};

/* ---------------------------------------------------------------- the single emission point */

/*
 * One event, numbered (EVENT_SEQ), to the subscribers, the journal writer (--json, the journal, the
 * console), the counters. The live readers go first: the subscribers and the --json line share one
 * formatting of the event, and neither waits behind the journal write (a sendmsg that wakes
 * journald, which then competes for the CPU with the readers). The order of the numbers is
 * the same on every path, and a reader joining history and live events waits for the journal's by
 * number (DESIGN.md §3), so an event seen live before journald stored it is nothing new.
 */
static void manager_send(Manager *m, Event *ev) {
        _cleanup_free_ char *json = NULL;
        size_t len = 0;

        (void) eventseq_stamp(&m->seq, keeper_record(m->keeper), ev);
        keeper_grew(m->keeper);
        if (subscribers_listening(m->subscribers) || journal_wants_json(m->journal))
                json = event_to_json(ev, /* header= */ true, &len);
        subscribers_publish_event(m->subscribers, ev, json, len);
        (void) journal_emit(m->journal, ev, json, len);
        counters_count(m->counters, ev);
}

/*
 * Every event the daemon emits about a container passes here, once, in order: a "started" gets its
 * RESTART_COUNT, the event goes to the journal writer and the counters, and an "exited" is a death
 * for the crash-loop table, which may add a crashloop entry right after it. This is where a
 * further consumer of events (a subscriber socket) hooks in.
 */
static void manager_emit(Manager *m, Container *c, Event *ev) {
        const char *kind = event_get(ev, "CONTAINER_EVENT");
        Event crashloop;

        (void) c;
        if (streq_ptr(kind, "started"))
                counters_add_restart_count(m->counters, ev);
        manager_send(m, ev);
        if (streq_ptr(kind, "exited") && counters_judge_death(m->counters, ev, &crashloop) > 0) {
                manager_send(m, &crashloop);
                event_clear(&crashloop);
        }
}

/* ---------------------------------------------------------------- status */

/* STATUS= soon (notify.c throttles it); nothing before READY=1. */
static void manager_status_dirty(Manager *m) {
        counters_sample(m->counters); /* what STATUS= says, the gauges say too */
        if (m->ready && m->status)
                notify_status_dirty(m->status);
}

static void manager_status_text(Manager *m, char *buf, size_t l) {
        unsigned roots = statedir_n_roots(m->statedir), watched = statedir_n_roots_watched(m->statedir);
        unsigned n = m->cx.n_tracked + m->cx.n_untracked;
        int k;

        k = snprintf(buf, l, "Tracking %u container%s under %u root%s", n, n == 1 ? "" : "s", watched,
                     watched == 1 ? "" : "s");
        if (k > 0 && (size_t) k < l && roots > watched)
                k += snprintf(buf + k, l - (size_t) k, " (%u not present yet)", roots - watched);
        if (k > 0 && (size_t) k < l && m->cx.n_untracked > 0)
                k += snprintf(buf + k, l - (size_t) k, "; %u without pidfd", m->cx.n_untracked);
        if (k > 0 && (size_t) k < l && !why_probe_attached(m->why))
                snprintf(buf + k, l - (size_t) k, "; kernel probe off: %s",
                         why_probe_off_reason(m->why) ?: "unknown");
}

static void manager_status_text_cb(char *buf, size_t l, void *userdata) {
        manager_status_text(userdata, buf, l);
}

/* A backlog larger than this, taken by the journal at last, has its memory given back. */
#define BACKLOG_TRIM_MIN 1024

static void manager_on_journal_delivered(Journal *j, size_t n, void *userdata) {
        (void) j;
        Manager *m = userdata;

        /* glibc keeps what a burst's queued entries held (10,000 exits: megabytes) in its heap */
        if (n >= BACKLOG_TRIM_MIN)
                (void) malloc_trim(0);
        manager_status_dirty(m);
        counters_sample(m->counters);
}

/* ---------------------------------------------------------------- the table */

static int container_cmp(const void *a, const void *b) {
        return strcmp(((const Container *) a)->path, ((const Container *) b)->path);
}

static Container *manager_find(Manager *m, const char *path) {
        Container key = { .path = (char *) path };
        void **p = tfind(&key, &m->containers, container_cmp);

        return p ? *(Container **) p : NULL;
}

static int manager_insert(Manager *m, Container *c) {
        if (!tsearch(c, &m->containers, container_cmp))
                return -ENOMEM;
        c->place = CONTAINER_IN_TABLE;
        m->n_containers++;
        return 0;
}

static void manager_unlink(Manager *m, Container *c) {
        (void) tdelete(c, &m->containers, container_cmp);
        c->place = CONTAINER_LOOSE;
        m->n_containers--;
}

/* Out of the table, onto the list of incarnations still watched to their exit. */
static void manager_detach(Manager *m, Container *c) {
        if (c->place == CONTAINER_IN_TABLE)
                manager_unlink(m, c);
        c->detached_next = m->detached;
        m->detached = c;
        c->place = CONTAINER_DETACHED;
}

/* Forget an incarnation altogether. */
static void manager_remove(Manager *m, Container *c) {
        if (c->state != CONTAINER_REFUSED)
                keeper_append(m->keeper, c, "forget");
        if (c->place == CONTAINER_IN_TABLE)
                manager_unlink(m, c);
        else
                for (Container **p = &m->detached; *p; p = &(*p)->detached_next)
                        if (*p == c) {
                                *p = c->detached_next;
                                break;
                        }
        container_free(c);
        manager_status_dirty(m);
}

/* Descriptors freed up: give pidfds to containers that are waiting for one. */
static void manager_promote_untracked(Manager *m) {
        while (m->cx.untracked && container_fds_available(&m->cx)) {
                ExitStatus gone = EXIT_STATUS_UNKNOWN;
                Container *c = m->cx.untracked;
                int r = container_track(c, &gone);

                if (r == -ESRCH || r == -EPERM) {
                        /* it ended while we could not watch it, or its pid is no longer its owner's:
                         * either way it is over for us, and its pair is closed */
                        container_report_late_exit(c, &gone);
                        if (c->place != CONTAINER_IN_TABLE)
                                manager_remove(m, c);
                } else if (r < 0)
                        return;
        }
        if (m->cx.n_untracked == 0 && m->cx.warned_fd_limit) {
                log_id(LOG_NOTICE, MESSAGE_ID_RESOURCE_LIMIT, "All containers are tracked through pidfds again.");
                m->cx.warned_fd_limit = false;
        }
}

/* ---------------------------------------------------------------- what containers tell us */

static void manager_on_container_event(Container *c, Event *ev, void *userdata) {
        manager_emit(userdata, c, ev);
}

static void manager_on_container_record(Container *c, const char *op, void *userdata) {
        keeper_append(((Manager *) userdata)->keeper, c, op);
}

static void manager_on_container_exited(Container *c, void *userdata) {
        Manager *m = userdata;

        if (c->place != CONTAINER_IN_TABLE)
                manager_remove(m, c); /* superseded or its directory is gone: nothing to remember */
        manager_status_dirty(m);
        if (m->cx.n_untracked > 0)
                manager_promote_untracked(m);
}

static const ContainerHooks container_hooks = {
        .emit = manager_on_container_event,
        .record = manager_on_container_record,
        .on_exited = manager_on_container_exited,
};

/* ---------------------------------------------------------------- what the state roots hold */

static void manager_dir_gone(Manager *m, Container *c);

/*
 * The state file names the incarnation already in the table at its path (runc update, a rescan):
 * true, and nothing else to do (but an untracked one's end is noticed here). Another incarnation
 * at that path (docker restart keeps the path): false, after forgetting a reported one, reporting
 * the late exit of an untracked one that is gone, and detaching a live one, which is watched on
 * until it is reported.
 */
static bool manager_found_again(Manager *m, const char *path, const RuncState *s) {
        Container *old = manager_find(m, path);

        if (!old)
                return false;
        if (old->pid == s->pid && old->start_ticks == s->start_ticks) {
                old->seen_scan = m->scan;
                if (old->state == CONTAINER_UNTRACKED && pid_is_alive(old->pid, old->start_ticks) == 0) {
                        /* no pidfd: a rescan is how its end is noticed */
                        container_report_late_exit(old, &EXIT_STATUS_UNKNOWN);
                        manager_status_dirty(m);
                }
                return true;
        }
        /* its directory now names another: for the old one, the directory is gone (an untracked
         * one's exit is reported now, as no pidfd will ever say it) */
        manager_dir_gone(m, old);
        return false;
}

/*
 * Track a new incarnation and say what there is to say: "started" (unless an earlier run of the
 * daemon did), or a late exit for one gone before we looked. In a root an ordinary user writes
 * (owner != 0) the pid must be that user's, checked once our pidfd pins it (ownership.h).
 * false: it cannot be watched at all, and is dropped.
 */
static bool manager_track_new(Manager *m, Container *c, uid_t owner, bool reported_before) {
        ExitStatus gone = EXIT_STATUS_UNKNOWN;
        int r;

        c->started_reported = reported_before; /* its namespaces are then not read for it */
        r = container_track(c, &gone);

        if (r == -EPERM) {
                container_refuse(c); /* container_track() said why */
                return true;
        }
        if (r == -ESRCH && owner != 0) {
                /* gone: whose it was cannot be checked any more, so say nothing */
                log_debug("Container '%s' in a directory of uid %u is gone already, not reported.", c->path,
                          (unsigned) owner);
                container_refuse(c);
                return true;
        }
        if (r == -ESRCH) {
                /* Gone before we looked (it lived and died while the daemon was not running): a
                 * started entry, late, and one late exit, never tracked (DESIGN.md §1, Identity). Its
                 * pair matches like any other's. */
                if (!reported_before) {
                        container_report_started(c);
                        keeper_append(m->keeper, c, "started");
                }
                container_report_late_exit(c, &gone);
                return true;
        }
        if (r < 0 && r != -EMFILE) {
                log_warning_errno(r, "Failed to watch pid %d of container '%s', ignoring: %m", (int) c->pid, c->path);
                return false;
        }
        if (!reported_before) {
                container_report_started(c);
                keeper_append(m->keeper, c, "started");
        }
        return true;
}

static void manager_on_found(const StateDirEntry *e, void *userdata) {
        Manager *m = userdata;
        _cleanup_(runc_state_freep) RuncState *s = NULL;
        RecordEntry *rec = NULL;
        Container *c;
        uid_t owner = 0;
        bool keep;
        int r;

        if (statefile_read(e->dirfd, e->path, e->runtime, &s) < 0)
                return;
        if (manager_found_again(m, e->path, s))
                return;
        if (s->pid == 1 || s->pid == m->self) {
                log_id(LOG_WARNING, MESSAGE_ID_STATE_REFUSED,
                       "Refusing state file of '%s': it names pid %d, %s.", e->path, (int) s->pid,
                       s->pid == 1 ? "the host's init" : "this daemon");
                return;
        }
        r = state_dir_owner(e->dir, e->dirfd, &owner);
        if (r < 0)
                return (void) log_warning_errno(r, "Failed to check the owner of '%s', ignoring: %m", e->path);
        if (container_new(&m->cx, e, s, &c) < 0)
                return (void) log_error("Out of memory.");
        c->owner = owner;
        c->seen_scan = m->scan;

        /* What an earlier run of the daemon reported about this very incarnation. */
        rec = keeper_take(m->keeper, e->path, s->pid, s->start_ticks);
        if (rec && rec->exited) {
                container_mark_reported(c); /* reported before the restart: remember, say nothing */
                keep = true;
        } else
                keep = manager_track_new(m, c, owner, /* reported_before= */ rec != NULL);
        record_entry_free(rec);
        if (!keep || manager_insert(m, c) < 0) {
                if (keep)
                        log_error("Out of memory.");
                container_free(c);
                return;
        }
        manager_status_dirty(m);
}

/* Its state directory is gone (removed, or not found by a rescan). */
static void manager_dir_gone(Manager *m, Container *c) {
        if (container_is_over(c))
                manager_remove(m, c);
        else if (c->state == CONTAINER_UNTRACKED && pid_is_alive(c->pid, c->start_ticks) == 0) {
                /* no pidfd: the directory's removal is how its end is noticed */
                container_report_late_exit(c, &EXIT_STATUS_UNKNOWN);
                manager_remove(m, c);
        } else
                /* still alive (or its exit is being processed): keep watching (an untracked one gets
                 * a pidfd when one frees up), forget at the exit */
                manager_detach(m, c);
}

static void manager_on_removed(const StateDirEntry *e, void *userdata) {
        Manager *m = userdata;
        Container *c = manager_find(m, e->path);

        if (c)
                manager_dir_gone(m, c);
}

static void manager_on_rescan_begin(void *userdata) {
        Manager *m = userdata;

        m->rescanning = true;
        m->scan++;
}

static bool container_unseen(const void *item, const void *arg) {
        return ((const Container *) item)->seen_scan != *(const unsigned *) arg;
}

static void manager_on_rescan_end(void *userdata) {
        Manager *m = userdata;
        PtrArray l;

        m->rescanning = false;
        /* What the rescan did not find has lost its state directory. */
        l = tree_collect(m->containers, container_unseen, &m->scan);
        for (size_t i = 0; i < l.n; i++)
                manager_dir_gone(m, l.items[i]);
        ptr_array_done(&l);
}

static void manager_on_roots_changed(void *userdata) {
        manager_status_dirty(userdata);
}

static const StateDirOps statedir_ops = {
        .on_roots_changed = manager_on_roots_changed,
        .on_found = manager_on_found,
        .on_removed = manager_on_removed,
        .on_rescan_begin = manager_on_rescan_begin,
        .on_rescan_end = manager_on_rescan_end,
};

/* What the keeper asks of the table (keeper.h). */
static PtrArray manager_collect_all(void *userdata) {
        Manager *m = userdata;
        PtrArray all = tree_collect(m->containers, NULL, NULL);

        /* the table holds every incarnation the record must remember; superseded ones being
         * watched are in the detached list */
        for (Container *c = m->detached; c; c = c->detached_next)
                if (ptr_array_push(&all, c) < 0)
                        break;
        return all;
}

static size_t manager_n_containers(void *userdata) {
        return ((Manager *) userdata)->n_containers;
}

static void manager_adopt(Container *c, void *userdata) {
        manager_detach(userdata, c);
}

static const KeeperOps keeper_ops = {
        .collect = manager_collect_all,
        .n_containers = manager_n_containers,
        .adopt = manager_adopt,
};

/* ---------------------------------------------------------------- signals, reload */

static int manager_on_sigterm(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        (void) s;
        log_info("Received %s, stopping.", si->ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
        notify_stopping();
        return sd_event_exit(m->event, 0);
}

/* LOG_TARGET_AUTO: the journal when its socket accepts, else the console. */
static LogTarget log_target_resolve(LogTarget t) {
        if (t == LOG_TARGET_AUTO)
                return journal_socket_accepts() ? LOG_TARGET_JOURNAL : LOG_TARGET_CONSOLE;
        return t;
}

static void manager_apply_logging(Manager *m) {
        LogTarget t = m->opts.log_target_override >= 0 ? (LogTarget) m->opts.log_target_override
                                                        : m->config->log_target;
        bool journal = log_target_resolve(t) == LOG_TARGET_JOURNAL;

        log_setup(journal, m->config->log_level);
        journal_setup(m->journal, journal, !journal, m->opts.json);
        journal_set_queue_size(m->journal, m->config->journal_queue_size);
}

/* Watch what the configuration names: its roots and its rootless users' roots. */
static int manager_apply_roots(Manager *m) {
        _cleanup_(strv_freep) char **roots = NULL;
        int r;

        r = config_all_roots(m->config, stderr, &roots);
        if (r < 0)
                return r;
        return statedir_set_roots(m->statedir, roots);
}

/* The configuration parsed anew, with the -r roots applied; NULL (said why) when it is not valid
 * and the current one stays. */
static Config *manager_load_config(Manager *m) {
        _cleanup_(config_freep) Config *c = NULL;
        int r;

        r = config_load(m->opts.config_path, m->opts.config_allow_missing, stderr, &c);
        if (r < 0) {
                log_id_errno(LOG_ERR, r, MESSAGE_ID_RELOAD,
                             "Failed to reload configuration from '%s', keeping the current one: %m",
                             m->opts.config_path ?: "(none)");
                return NULL;
        }
        if (m->opts.cmdline_roots) {
                size_t n = 0;

                while (m->opts.cmdline_roots[n])
                        n++;
                r = config_set_roots(c, m->opts.cmdline_roots, n);
                if (r < 0) {
                        log_error_errno(r, "Failed to apply the roots, keeping the current configuration: %m");
                        return NULL;
                }
        }
        return TAKE_PTR(c);
}

static int manager_reload(Manager *m) {
        Config *c;
        char status[256];
        int r;

        notify_reloading();
        c = manager_load_config(m);
        if (c) {
                bool metrics_changed = counters_reload_begin(m->counters, c);

                config_free(m->config);
                m->config = c;
                m->cx.config = c;
                manager_apply_logging(m);
                subscribers_configure(m->subscribers, c);
                counters_reload_end(m->counters, c, metrics_changed);
                r = manager_apply_roots(m);
                if (r < 0)
                        log_error_errno(r, "Failed to apply the new roots: %m");
                log_id(LOG_INFO, MESSAGE_ID_RELOAD, "Configuration reloaded, watching %u roots.",
                       statedir_n_roots(m->statedir));
        }
        manager_status_text(m, status, sizeof(status));
        notify_ready(status);
        return 0;
}

static int manager_on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        (void) s;
        (void) si;
        return manager_reload(userdata);
}

/* ---------------------------------------------------------------- lifecycle */

static int manager_add_sources(Manager *m) {
        sigset_t ss;
        int r;

        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigaddset(&ss, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0)
                return -errno;
        (void) signal(SIGPIPE, SIG_IGN); /* a --json reader that goes away must not kill us */
        r = sd_event_add_signal(m->event, &m->sig_term, SIGTERM, manager_on_sigterm, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, &m->sig_int, SIGINT, manager_on_sigterm, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, &m->sig_hup, SIGHUP, manager_on_sighup, m);
        if (r < 0)
                return r;
        r = notify_status_new(m->event, manager_status_text_cb, m, &m->status);
        if (r < 0)
                return r;
        /* The watchdog is pinged from the loop: a wedged loop gets the service restarted. */
        return sd_event_set_watchdog(m->event, true);
}

int manager_new(const ManagerOptions *opts, Config *config, Manager **ret) {
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m) {
                config_free(config);
                return -ENOMEM;
        }
        m->opts = *opts;
        m->config = config;
        m->self = getpid();

        r = sd_event_default(&m->event);
        if (r < 0)
                return r;
        r = journal_new(m->event, manager_on_journal_delivered, m, &m->journal);
        if (r < 0)
                return r;
        manager_apply_logging(m);
        m->cx = (ContainerContext) { .event = m->event, .config = m->config, .hooks = &container_hooks,
                                     .userdata = m };

        /* The inotify instance first, while descriptor numbers are small (FACTS.md 2.3). */
        r = statedir_new(m->event, &statedir_ops, m, &m->statedir);
        if (r < 0)
                return log_error_errno(r, "Failed to set up inotify: %m");

        /* The kernel probe (issue 13), one more source, now: main() drops CAP_BPF and CAP_PERFMON
         * right after manager_new(). Without it, every other source serves as before. */
        r = why_new(m->event, m->config->kernel_probe, &m->why);
        if (r < 0)
                return r;
        m->cx.why = m->why;
        why_log_probe(m->why);
        r = manager_add_sources(m);
        if (r < 0)
                return r;
        /* The subscriber socket is a convenience: without it the daemon goes on (a sandboxed
         * service without container-watchd.socket cannot make one under a read-only /run). */
        r = subscribers_new_from_config(m->event, m->config, &m->seq, &m->subscribers);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                log_full_errno(LOG_NOTICE, r, "No subscriber socket at '%s' (%m); events go to the journal only.",
                                 m->config->events_socket);

        *ret = TAKE_PTR(m);
        return 0;
}

int manager_start(Manager *m) {
        KernelCaps caps;
        struct rlimit rl;
        char status[256];
        int r;

        m->cx.nofile_limit = getrlimit(RLIMIT_NOFILE, &rl) >= 0 && rl.rlim_cur != RLIM_INFINITY
                                     ? (uint64_t) rl.rlim_cur : UINT64_MAX / 2;
        r = pidwatch_probe(&caps);
        if (r < 0)
                return log_error_errno(r, "Failed to probe the kernel's pidfd support: %m");
        if (!caps.pidfd)
                return log_error_errno(ENOSYS, "The kernel does not support pidfd_open() (Linux >= 5.3 needed).");
        log_debug("Kernel: pidfd %s, POLLHUP at reap %s, PIDFD_INFO_EXIT %s.", caps.pidfd ? "yes" : "no",
                  caps.hup_at_reap ? "yes" : "no", caps.info_exit ? "yes" : "no");

        /* the record, then what is kept in it: the crash-loop table and the counters */
        r = keeper_new(m->event, m->opts.record_dir, &keeper_ops, m, &m->keeper);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the record of reported events: %m");
        keeper_set_journal(m->keeper, m->journal); /* a line only once the journal took its event */
        eventseq_restore(&m->seq, keeper_record(m->keeper), now_boottime_usec());
        r = counters_new(m->event, m->config, m->keeper, m->journal, &m->cx, &m->counters);
        if (r < 0)
                return log_error_errno(r, "Failed to restore the crash-loop counts: %m");
        manager_on_rescan_begin(m);
        journal_hold_all(m->journal, true);
        r = manager_apply_roots(m);
        manager_on_rescan_end(m);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the state roots: %m");
        keeper_restore(m->keeper, &m->cx);

        m->ready = true;
        counters_ready(m->counters);
        manager_status_text(m, status, sizeof(status));
        log_id(LOG_INFO, MESSAGE_ID_DAEMON_READY, "%s.", status);
        notify_ready(status);
        journal_hold_all(m->journal, false);
        return 0;
}

int manager_run(Manager *m) {
        int r = sd_event_loop(m->event);

        if (r < 0) {
                notify_errno(r, "Event loop failed");
                return log_error_errno(r, "Event loop failed: %m");
        }
        return r;
}

static void free_action(void *p) {
        container_free(p);
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        tdestroy(m->containers, free_action);
        m->containers = NULL;
        while (m->detached) {
                Container *c = m->detached;

                m->detached = c->detached_next;
                container_free(c);
        }
        m->statedir = statedir_free(m->statedir);
        m->counters = counters_free(m->counters);
        m->why = why_free(m->why);
        m->cx.why = NULL;
        sd_event_source_disable_unref(m->sig_term);
        sd_event_source_disable_unref(m->sig_int);
        sd_event_source_disable_unref(m->sig_hup);
        m->status = notify_status_free(m->status);
        m->subscribers = subscribers_free(m->subscribers);
        m->journal = journal_free(m->journal);
        eventseq_save(&m->seq, keeper_record(m->keeper)); /* the exact next number for the next start */
        m->keeper = keeper_free(m->keeper);
        sd_event_unref(m->event);
        config_free(m->config);
        free(m);
        return NULL;
}

void manager_freep(Manager **m) {
        manager_free(*m);
}
