/* SPDX-License-Identifier: MIT */
/*
 * The manager (see manager.h): from "a state file is here" to "started", from "the init died" to
 * "exited", exactly once each.
 *
 * The container table is keyed by state-directory path and holds one incarnation per path: the one
 * whose (pid, start time) the state file names. An incarnation that has exited and been reported
 * stays as a tombstone until its directory is removed (or replaced by another incarnation), so that
 * a rescan that finds the same state file again does not report it again.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <search.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalog-ids.h"
#include "docker.h"
#include "journal.h"
#include "log.h"
#include "manager.h"
#include "metadata.h"
#include "notify.h"
#include "oomwatch.h"
#include "ownership.h"
#include "pidwatch.h"
#include "record.h"
#include "runtime-exit.h"
#include "runc-state.h"
#include "statedir.h"
#include "statefile.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strutil.h"
#include "util/time.h"

/* How long an OOM kill may precede the init's own death for the two to be taken as one: the
 * pidfd of an OOM-killed init turns readable within milliseconds of the kill. */
#define OOM_SETTLE_USEC (250 * USEC_PER_MSEC)

typedef struct Container Container;

struct Container {
        Manager *manager;
        char *path;                  /* key: the state directory */
        char *id;
        char *ns;
        char *root;
        Runtime runtime;
        Meta meta;
        pid_t pid;
        uint64_t start_ticks;
        uint64_t created_usec;
        uint64_t ns_ino[_NS_MAX];
        PidWatch *watch;
        OomWatch *oom;               /* the cgroup's OOM kills (oomwatch.h), or NULL */
        RuntimeExitWait *runtime_wait; /* waiting for a monitor's exit file (runtime-exit.h) */
        uint64_t exit_usec;          /* when the init died, while runtime_wait runs */
        bool oom_rose;               /* an OOM happened since discovery (read at the init's death) */
        bool exited;                 /* reported: a tombstone now */
        bool untracked;              /* alive but no pidfd (out of descriptors) */
        Container *untracked_prev, *untracked_next; /* the manager's list of untracked ones */
        unsigned n_fds;              /* descriptors this container holds (pidwatch, OOM watch) */
        bool refused;                /* names a process its writer does not own: never reported */
        bool in_table;
        bool seen;                   /* found by the current rescan */
        Container *detached_next;    /* superseded incarnations still being watched */
};

struct Manager {
        sd_event *event;
        sd_event_source *sig_term, *sig_int, *sig_hup, *status_defer, *compact_defer;
        sd_event_source *status_timer;    /* armed only while a STATUS= change waits */
        uint64_t status_sent_usec;        /* CLOCK_MONOTONIC of the last STATUS= */
        StateDir *statedir;
        Journal *journal;
        Config *config;
        ManagerOptions opts;
        void *containers;            /* tsearch tree of Container* by path */
        size_t n_containers;         /* in the table (live and tombstones) */
        Record *record;              /* NULL: running without one */
        Container *detached;
        unsigned n_tracked;          /* live, with a pidfd */
        unsigned n_untracked;
        Container *untracked;        /* the untracked containers, in a list: promotion is O(1) */
        uint64_t fds_in_use;         /* held by all containers together */
        bool rescanning;
        bool ready;
        bool warned_fd_limit;
        uint64_t nofile_limit;       /* RLIMIT_NOFILE soft limit, read after raising it */
};

/* Descriptors a container holds: its pidwatch (the pidfd and /proc/<pid>/stat) and its OOM watch
 * (the counter file and, on cgroup v1, an eventfd; at most OOMWATCH_FDS_MAX). */
#define PIDWATCH_FDS 2
#define OOMWATCH_FDS_MAX 2
/* kept free for state files, config.v2.json, the record, the journal, a reload */
#define FD_RESERVE 64

/* How long an exit with no status from the kernel waits for the monitor's exit file (conmon
 * writes it within milliseconds of the reap, FACTS.md 1.10). */
#define RUNTIME_EXIT_WAIT_USEC (500 * USEC_PER_MSEC)

/* STATUS= at most this often. */
#define STATUS_INTERVAL_USEC (1 * USEC_PER_SEC)

static int container_cmp(const void *a, const void *b) {
        return strcmp(((const Container *) a)->path, ((const Container *) b)->path);
}

static Container *container_find(Manager *m, const char *path) {
        Container key = { .path = (char *) path };
        void **p = tfind(&key, &m->containers, container_cmp);

        return p ? *(Container **) p : NULL;
}

static void container_set_untracked(Manager *m, Container *c) {
        if (c->untracked)
                return;
        c->untracked = true;
        c->untracked_prev = NULL;
        c->untracked_next = m->untracked;
        if (m->untracked)
                m->untracked->untracked_prev = c;
        m->untracked = c;
        m->n_untracked++;
}

static void container_clear_untracked(Manager *m, Container *c) {
        if (!c->untracked)
                return;
        if (c->untracked_prev)
                c->untracked_prev->untracked_next = c->untracked_next;
        else
                m->untracked = c->untracked_next;
        if (c->untracked_next)
                c->untracked_next->untracked_prev = c->untracked_prev;
        c->untracked_prev = c->untracked_next = NULL;
        c->untracked = false;
        m->n_untracked--;
}

/* Give back the pidfd and its /proc/<pid>/stat fd. */
static void container_release_watch(Container *c) {
        if (!c->watch)
                return;
        c->watch = pidwatch_free(c->watch);
        c->manager->n_tracked--;
        c->manager->fds_in_use -= PIDWATCH_FDS;
        c->n_fds -= PIDWATCH_FDS;
}

/* Give back the OOM watch's descriptors. */
static void container_release_oom(Container *c) {
        c->oom = oomwatch_free(c->oom);
        c->manager->fds_in_use -= c->n_fds;
        c->n_fds = c->watch ? PIDWATCH_FDS : 0;
        c->manager->fds_in_use += c->n_fds;
}

static Container *container_free(Container *c) {
        if (!c)
                return NULL;
        container_release_oom(c);
        container_release_watch(c);
        container_clear_untracked(c->manager, c);
        c->runtime_wait = runtime_exit_wait_free(c->runtime_wait);
        meta_done(&c->meta);
        free(c->path);
        free(c->id);
        free(c->ns);
        free(c->root);
        free(c);
        return NULL;
}

static int manager_on_status_defer(sd_event_source *s, void *userdata);

static int manager_on_status_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        (void) usec;
        return manager_on_status_defer(s, userdata);
}

/*
 * STATUS= is sent at the end of the loop iteration that changed it, but at most once per
 * STATUS_INTERVAL_USEC: a burst of 10,000 exits is then a handful of datagrams, not 10,000. The
 * timer for the deferred one is armed only while a change waits.
 */
static void manager_status_dirty(Manager *m) {
        uint64_t now;

        if (!m->ready || !m->status_defer)
                return;
        now = now_monotonic_usec();
        if (m->status_sent_usec == 0 || now >= m->status_sent_usec + STATUS_INTERVAL_USEC) {
                (void) sd_event_source_set_enabled(m->status_defer, SD_EVENT_ONESHOT);
                return;
        }
        if (m->status_timer) {
                if (sd_event_source_get_enabled(m->status_timer, NULL) > 0)
                        return;
                if (sd_event_source_set_time(m->status_timer, m->status_sent_usec + STATUS_INTERVAL_USEC) >= 0)
                        (void) sd_event_source_set_enabled(m->status_timer, SD_EVENT_ONESHOT);
        } else if (sd_event_add_time(m->event, &m->status_timer, CLOCK_MONOTONIC,
                                     m->status_sent_usec + STATUS_INTERVAL_USEC, 10 * USEC_PER_MSEC,
                                     manager_on_status_timer, m) >= 0)
                (void) sd_event_source_set_description(m->status_timer, "status-interval");
}

static void manager_on_journal_delivered(Journal *j, size_t n, void *userdata) {
        (void) j;
        (void) n;
        manager_status_dirty(userdata);
}

static void container_record(Manager *m, const Container *c, const char *op);

/* Out of the table, onto the list of incarnations still watched to their exit. */
static void container_detach(Manager *m, Container *c) {
        c->detached_next = m->detached;
        m->detached = c;
}

static void container_unlink(Manager *m, Container *c) {
        (void) tdelete(c, &m->containers, container_cmp);
        c->in_table = false;
        m->n_containers--;
}

static void container_remove(Manager *m, Container *c) {
        if (!c->refused)
                container_record(m, c, "forget");
        if (c->in_table)
                container_unlink(m, c);
        else {
                for (Container **p = &m->detached; *p; p = &(*p)->detached_next)
                        if (*p == c) {
                                *p = c->detached_next;
                                break;
                        }
        }
        container_free(c);
        manager_status_dirty(m);
}

/* ---------------------------------------------------------------- the persistent record */

static RecordEntry container_to_entry(const Container *c) {
        return (RecordEntry) {
                .path = c->path, .pid = c->pid, .start_ticks = c->start_ticks, .exited = c->exited,
                .id = c->id, .ns = c->ns, .name = c->meta.name, .image = c->meta.image,
                .manager = (char *) c->meta.manager, .runtime = (char *) runtime_to_string(c->runtime),
                .pod_name = c->meta.pod_name, .pod_namespace = c->meta.pod_namespace,
                .pod_uid = c->meta.pod_uid, .k8s_container_name = c->meta.k8s_container_name,
                .created_usec = c->created_usec,
        };
}

static void container_record(Manager *m, const Container *c, const char *op) {
        RecordEntry e;
        int r;

        /* During the start-up scan nothing is appended: the record is written whole right after it
         * (manager_finish_record), which spares one write per container found. */
        if (!m->record || !m->ready)
                return;
        e = container_to_entry(c);
        r = record_append(m->record, op, &e);
        if (r < 0)
                log_warning_errno(r, "Failed to append to the record of reported events: %m");
        /* Let the log grow to a few times what it describes, then write it anew. */
        if (record_n_lines(m->record) > 2 * m->n_containers + 1024 && m->compact_defer)
                (void) sd_event_source_set_enabled(m->compact_defer, SD_EVENT_ONESHOT);
}

/* ---------------------------------------------------------------- events */

static const char *short_id(const char *id, char buf[static 13]) {
        snprintf(buf, 13, "%.12s", id);
        return buf;
}

/* "2bcbf0957fbd (ws)" or "2bcbf0957fbd" */
static void container_label(const Container *c, char *buf, size_t l) {
        char sid[13];
        _cleanup_free_ char *name = c->meta.name ? cescape(c->meta.name) : NULL;

        if (name)
                snprintf(buf, l, "%s (%s)", short_id(c->id, sid), name);
        else
                snprintf(buf, l, "%s", short_id(c->id, sid));
}

static void event_add_identity(Event *ev, const Container *c) {
        char sid[13];

        (void) event_add(ev, "CONTAINER_ID", short_id(c->id, sid));
        (void) event_add(ev, "CONTAINER_ID_FULL", c->id);
        (void) event_add(ev, "CONTAINER_NAME", c->meta.name);
        (void) event_add(ev, "IMAGE_NAME", c->meta.image);
        (void) event_add(ev, "CONTAINER_MANAGER", c->meta.manager);
        (void) event_add(ev, "CONTAINER_RUNTIME", runtime_to_string(c->runtime));
        (void) event_add(ev, "CONTAINER_NAMESPACE", c->ns);
        (void) event_add(ev, "CONTAINER_STATE_DIR", c->path);
        (void) event_addf(ev, "CONTAINER_PID", "%d", (int) c->pid);
        if (c->created_usec > 0)
                (void) event_addf(ev, "CONTAINER_STARTED_USEC", "%" PRIu64, c->created_usec);
        (void) event_add(ev, "K8S_POD_NAME", c->meta.pod_name);
        (void) event_add(ev, "K8S_POD_NAMESPACE", c->meta.pod_namespace);
        (void) event_add(ev, "K8S_POD_UID", c->meta.pod_uid);
        (void) event_add(ev, "K8S_CONTAINER_NAME", c->meta.k8s_container_name);
        (void) event_add(ev, "K8S_CONTAINER_TYPE", c->meta.k8s_container_type);
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

static void emit(Manager *m, Event *ev) {
        (void) journal_emit(m->journal, ev);
        event_clear(ev);
}

static void container_emit_started(Container *c) {
        char label[128 + 1024];
        Event ev;

        container_label(c, label, sizeof(label));
        event_init(&ev, MESSAGE_ID_CONTAINER_STARTED, LOG_INFO);
        (void) event_addf(&ev, "MESSAGE", "Container %s started as pid %d.", label, (int) c->pid);
        (void) event_add(&ev, "CONTAINER_EVENT", "started");
        event_add_identity(&ev, c);
        for (NsKind k = 0; k < _NS_MAX; k++)
                if (c->ns_ino[k] > 0)
                        (void) event_addf(&ev, ns_field[k], "%" PRIu64, c->ns_ino[k]);
        emit(c->manager, &ev);
}

static void container_emit_exited(Container *c, const ExitStatus *st, uint64_t exit_usec, bool late) {
        char label[128 + 1024], clause[128], span[64], sig[32] = "";
        bool oom = c->oom_rose && st->code == EXIT_CODE_KILLED && st->status == SIGKILL;
        uint64_t lifetime = 0;
        int priority;
        Event ev;

        container_label(c, label, sizeof(label));
        if (st->code == EXIT_CODE_UNKNOWN)
                snprintf(clause, sizeof(clause), "status unknown");
        else
                exit_status_describe(clause, sizeof(clause), st);
        if (!late && exit_usec > 0 && c->created_usec > 0 && exit_usec >= c->created_usec)
                lifetime = exit_usec - c->created_usec;
        if (lifetime > 0) {
                snprintf(span, sizeof(span), " after ");
                format_timespan_short(span + 7, sizeof(span) - 7, lifetime);
        } else
                span[0] = 0;

        if (oom)
                priority = LOG_ERR;
        else if (st->code == EXIT_CODE_EXITED && st->status == 0)
                priority = LOG_NOTICE;
        else
                priority = LOG_WARNING;

        event_init(&ev, MESSAGE_ID_CONTAINER_EXITED, priority);
        (void) event_addf(&ev, "MESSAGE", "Container %s exited: %s%s%s%s.", label, clause,
                          oom ? " (out of memory)" : "", span, late ? " (noticed late)" : "");
        (void) event_add(&ev, "CONTAINER_EVENT", "exited");
        event_add_identity(&ev, c);
        (void) event_add(&ev, "EXIT_CODE", exit_code_to_string(st->code));
        if (st->code != EXIT_CODE_UNKNOWN)
                (void) event_addf(&ev, "EXIT_STATUS", "%d", st->status);
        if ((st->code == EXIT_CODE_KILLED || st->code == EXIT_CODE_DUMPED) && signal_to_name(st->status))
                snprintf(sig, sizeof(sig), "%s", signal_to_name(st->status));
        (void) event_add(&ev, "EXIT_SIGNAL", sig);
        (void) event_add(&ev, "EXIT_STATUS_SOURCE", exit_source_to_string(st->source));
        (void) event_add(&ev, "EXIT_OBSERVED", late ? "late" : "live");
        if (lifetime > 0)
                (void) event_addf(&ev, "CONTAINER_LIFETIME_USEC", "%" PRIu64, lifetime);
        (void) event_add(&ev, "OOM_KILLED", oom ? "1" : "0");
        emit(c->manager, &ev);
}

/* ---------------------------------------------------------------- OOM counters */

/* An OOM kill while the init lives on: its child was the victim (DESIGN.md §3, "oom"). */
static void container_emit_oom(Container *c, uint64_t kills) {
        char label[128 + 1024];
        Event ev;

        container_label(c, label, sizeof(label));
        event_init(&ev, MESSAGE_ID_CONTAINER_OOM, LOG_ERR);
        (void) event_addf(&ev, "MESSAGE", "Container %s: a process was killed for lack of memory (%" PRIu64
                          " OOM kill%s in its cgroup so far), the container keeps running.", label, kills,
                          kills == 1 ? "" : "s");
        (void) event_add(&ev, "CONTAINER_EVENT", "oom");
        event_add_identity(&ev, c);
        emit(c->manager, &ev);
}

/* The OOM kill counter rose OOM_SETTLE_USEC ago and the init's death has not been seen since. */
static void manager_on_container_oom(OomWatch *w, uint64_t oom_kill, void *userdata) {
        Container *c = userdata;

        (void) w;
        if (c->exited || !c->watch)
                return;
        if (pid_is_alive(c->pid, c->start_ticks) <= 0)
                return; /* the init itself is going: its exit entry says OOM_KILLED=1 */
        container_emit_oom(c, oom_kill);
}

/* Watch the cgroup's OOM kills and take the baseline now (FACTS.md §4: the cgroup vanishes right
 * after the exit, so its counter is followed from discovery on). */
static void container_oom_open(Container *c, const RuncState *s) {
        int r;

        r = oomwatch_new(c->manager->event, s->cgroup_v1_memory, s->cgroup_unified, OOM_SETTLE_USEC,
                         manager_on_container_oom, c, &c->oom);
        if (r < 0)
                return (void) log_debug_errno(r, "No OOM watch for container '%s': %m", c->path);
        c->n_fds += oomwatch_n_fds(c->oom);
        c->manager->fds_in_use += oomwatch_n_fds(c->oom);
}

/* At the init's death: one more read, before the cgroup goes. */
static void container_oom_check(Container *c) {
        if (!c->oom)
                return;
        (void) oomwatch_refresh(c->oom, NULL);
        if (oomwatch_oom_seen(c->oom))
                c->oom_rose = true;
}

/* ---------------------------------------------------------------- tracking */

static void manager_on_container_dead(PidWatch *w, void *userdata) {
        Container *c = userdata;

        (void) w;
        container_oom_check(c);
}

static void manager_promote_untracked(Manager *m);

/* For an exit found late with nothing from the kernel: what the manager wrote down, if anything. */
static ExitStatus container_late_status(const Container *c, const ExitStatus *st) {
        const char *dir = runtime_exit_dir(c->meta.manager);
        ExitStatus r;

        if (st->code != EXIT_CODE_UNKNOWN)
                return *st;
        if (dir && runtime_exit_read(dir, c->id, &r) >= 0)
                return r;
        if (streq_ptr(c->meta.manager, "docker") &&
            docker_exit_read(c->manager->config->docker_data_root, c->id, &r) >= 0)
                return r;
        return *st;
}

/* A container found ended without having been watched to its end: report it once, late, with the
 * best status knowable, and remember that it was reported. */
static void container_report_late_exit(Container *c, const ExitStatus *gone) {
        ExitStatus st = container_late_status(c, gone);

        c->exited = true;
        container_emit_exited(c, &st, 0, /* late= */ true);
        container_record(c->manager, c, "exited");
}

/* The end of an exit: report it, forget the pidfd, remember the tombstone. */
static void container_finish_exit(Container *c, const ExitStatus *st, uint64_t exit_usec) {
        Manager *m = c->manager;

        container_oom_check(c);
        container_emit_exited(c, st, exit_usec, /* late= */ false);
        c->runtime_wait = runtime_exit_wait_free(c->runtime_wait);
        container_release_watch(c);
        c->exited = true;
        container_record(m, c, "exited");
        container_release_oom(c);
        if (!c->in_table)
                container_remove(m, c); /* superseded or its directory is gone: nothing to remember */
        manager_status_dirty(m);
        if (m->n_untracked > 0)
                manager_promote_untracked(m);
}

static void manager_on_runtime_exit(RuntimeExitWait *w, const ExitStatus *st, void *userdata) {
        Container *c = userdata;

        (void) w;
        container_finish_exit(c, st ?: &EXIT_STATUS_UNKNOWN, c->exit_usec);
}

static void manager_on_container_exit(PidWatch *w, const ExitStatus *st, uint64_t exit_usec, void *userdata) {
        Container *c = userdata;
        const char *dir = runtime_exit_dir(c->meta.manager);

        (void) w;
        /* The kernel had nothing (before 6.15): the container's monitor may have written it down. */
        if (st->code == EXIT_CODE_UNKNOWN && dir) {
                ExitStatus now;
                int r = runtime_exit_wait(c->manager->event, dir, c->id, RUNTIME_EXIT_WAIT_USEC,
                                          manager_on_runtime_exit, c, &c->runtime_wait, &now);

                if (r == 1)
                        return container_finish_exit(c, &now, exit_usec);
                if (r == 0) {
                        c->exit_usec = exit_usec;
                        return;
                }
        }
        container_finish_exit(c, st, exit_usec);
}

/*
 * The inode numbers of the container's namespaces, as lsns shows them. For a /proc/PID/ns/KIND link
 * (runc's usual namespace_paths) readlink() gives "net:[4026531840]" without the nsfs dentry and
 * inode that stat() through the link sets up: stat() of seven such paths was a quarter of the
 * start-up time with 10,000 containers. Other paths (bind-mounted namespaces) are stat()ed.
 */
static void container_read_ns_inodes(Container *c, const RuncState *s) {
        for (NsKind k = 0; k < _NS_MAX; k++) {
                const char *p = s->ns_path[k];
                char target[64];
                struct stat st;
                ssize_t l;

                if (!p)
                        continue;
                if (strncmp(p, "/proc/", 6) == 0 && strstr(p, "/ns/") &&
                    (l = readlink(p, target, sizeof(target) - 1)) > 0) {
                        const char *b;
                        char *end;
                        unsigned long long ino;

                        target[l] = 0;
                        b = strstr(target, ":[");
                        if (b) {
                                errno = 0;
                                ino = strtoull(b + 2, &end, 10);
                                if (errno == 0 && end != b + 2 && *end == ']') {
                                        c->ns_ino[k] = ino;
                                        continue;
                                }
                        }
                }
                if (stat(p, &st) >= 0)
                        c->ns_ino[k] = (uint64_t) st.st_ino;
        }
}

static Container *container_new(Manager *m, const StateDirEntry *e, RuncState *s) {
        Container *c = calloc(1, sizeof(*c));

        if (!c)
                return NULL;
        *c = (Container) {
                .manager = m,
                .runtime = e->runtime,
                .pid = s->pid,
                .start_ticks = s->start_ticks,
                .created_usec = s->created_usec,
        };
        c->path = strdup(e->path);
        c->id = strdup(e->id);
        c->ns = e->ns ? strdup(e->ns) : NULL;
        c->root = strdup(e->root);
        if (!c->path || !c->id || (e->ns && !c->ns) || !c->root ||
            metadata_collect(e->id, e->ns, e->dir, s, m->config->docker_data_root, &c->meta) < 0) {
                free(c->path);
                free(c->id);
                free(c->ns);
                free(c->root);
                free(c);
                return NULL;
        }
        return c;
}

/*
 * Hold a pidfd on the container's init. Descriptors are budgeted: past the RLIMIT_NOFILE soft limit
 * less a reserve for reading state files, or when the kernel says EMFILE/ENFILE, the container is
 * left untracked (-EMFILE): its exit is then noticed when its state directory goes away or at a
 * rescan, and it is promoted to a pidfd as soon as descriptors free up.
 * Returns 0, -ESRCH (already gone; *gone says what is knowable), -EMFILE, or another -errno.
 */
/* Room for one more container: a pidwatch and the largest OOM watch, above the reserve. */
static bool manager_fds_available(const Manager *m) {
        return m->fds_in_use + PIDWATCH_FDS + OOMWATCH_FDS_MAX + FD_RESERVE <= m->nofile_limit;
}

static int container_track(Manager *m, Container *c, ExitStatus *gone) {
        int r;

        if (!manager_fds_available(m))
                r = -EMFILE;
        else
                r = pidwatch_new(m->event, c->pid, c->start_ticks, m->config->reap_timeout_usec,
                                 manager_on_container_dead, manager_on_container_exit, c, &c->watch, gone);
        if (r == -EMFILE || r == -ENFILE) {
                if (!m->warned_fd_limit) {
                        log_id(LOG_ERR, MESSAGE_ID_RESOURCE_LIMIT,
                               "Out of file descriptors (limit %" PRIu64 ") at %u tracked containers: '%s' and "
                               "further ones are followed through their state directories until descriptors free up.",
                               m->nofile_limit, m->n_tracked, c->path);
                        m->warned_fd_limit = true;
                }
                return -EMFILE;
        }
        if (r >= 0) {
                m->n_tracked++;
                m->fds_in_use += PIDWATCH_FDS;
                c->n_fds += PIDWATCH_FDS;
        }
        return r;
}

/* A tracked container ended: if some are waiting for a descriptor, give them pidfds. */
static void manager_promote_untracked(Manager *m) {
        while (m->untracked && manager_fds_available(m)) {
                ExitStatus gone = EXIT_STATUS_UNKNOWN;
                Container *c = m->untracked;
                int r;

                container_clear_untracked(m, c);
                r = container_track(m, c, &gone);
                if (r == -ESRCH) {
                        /* it ended while we could not watch it */
                        container_report_late_exit(c, &gone);
                        if (!c->in_table)
                                container_remove(m, c);
                } else if (r < 0) {
                        container_set_untracked(m, c);
                        return;
                }
        }
        if (m->n_untracked == 0 && m->warned_fd_limit) {
                log_id(LOG_NOTICE, MESSAGE_ID_RESOURCE_LIMIT, "All containers are tracked through pidfds again.");
                m->warned_fd_limit = false;
        }
}

static void manager_on_found(const StateDirEntry *e, void *userdata) {
        Manager *m = userdata;
        _cleanup_(runc_state_freep) RuncState *s = NULL;
        ExitStatus gone = EXIT_STATUS_UNKNOWN;
        RecordEntry *rec = NULL;
        Container *c, *old;
        uid_t owner = 0;
        int r;

        if (statefile_read(e->dirfd, e->path, e->runtime, &s) < 0)
                return;

        old = container_find(m, e->path);
        if (old && old->pid == s->pid && old->start_ticks == s->start_ticks) {
                old->seen = true;       /* the same incarnation again (runc update, a rescan) */
                if (old->untracked && pid_is_alive(old->pid, old->start_ticks) == 0) {
                        /* no pidfd: a rescan is how its end is noticed */
                        container_clear_untracked(m, old);
                        container_report_late_exit(old, &EXIT_STATUS_UNKNOWN);
                        manager_status_dirty(m);
                }
                return;
        }
        if (old) {
                /* Another incarnation at this path (docker restart keeps the path): forget a reported
                 * one; keep watching a live one until it is reported. */
                container_unlink(m, old);
                if (old->exited || !old->watch)
                        container_remove(m, old);
                else
                        container_detach(m, old);
        }

        if (s->pid == 1 || s->pid == getpid()) {
                log_id(LOG_WARNING, MESSAGE_ID_STATE_REFUSED,
                       "Refusing state file of '%s': it names pid %d, %s.", e->path, (int) s->pid,
                       s->pid == 1 ? "the host's init" : "this daemon");
                return;
        }
        r = state_dir_owner(e->dir, e->dirfd, &owner);
        if (r < 0)
                return (void) log_warning_errno(r, "Failed to check the owner of '%s', ignoring: %m", e->path);

        c = container_new(m, e, s);
        if (!c)
                return (void) log_error("Out of memory.");
        c->seen = true;

        /* What an earlier run of the daemon reported about this very incarnation. */
        if (m->record)
                rec = record_take(m->record, e->path, s->pid, s->start_ticks);

        if (rec && rec->exited) {
                c->exited = true; /* reported before the restart: remember, say nothing */
                goto insert;
        }

        r = container_track(m, c, &gone);
        if (owner != 0 && r != -ESRCH && r != -EMFILE && r >= 0) {
                /* A root an ordinary user writes: the pid is pinned by our pidfd now, check that it
                 * is that user's (ownership.h). */
                int k = pid_belongs_to(s->pid, owner);

                if (k <= 0) {
                        log_id(LOG_WARNING, MESSAGE_ID_STATE_REFUSED,
                               "Refusing container '%s': its state file names pid %d, which does not belong to "
                               "uid %u, the owner of the state directory.", e->path, (int) s->pid, (unsigned) owner);
                        container_release_watch(c);
                        c->refused = c->exited = true;
                        goto insert;
                }
        }
        if (r == -ESRCH && owner != 0) {
                /* gone: whose it was cannot be checked any more, so say nothing */
                log_debug("Container '%s' in a directory of uid %u is gone already, not reported.", e->path,
                          (unsigned) owner);
                c->refused = c->exited = true;
                goto insert;
        }
        if (r == -ESRCH) {
                /* Gone before we looked: one late exit, never tracked (DESIGN.md §1, Identity). */
                if (!rec)
                        container_record(m, c, "started");
                container_report_late_exit(c, &gone);
        } else if (r == -EMFILE) {
                container_set_untracked(m, c);
                if (!rec) {
                        container_emit_started(c);
                        container_record(m, c, "started");
                }
        } else if (r < 0) {
                log_warning_errno(r, "Failed to watch pid %d of container '%s', ignoring: %m", (int) s->pid, e->path);
                container_free(c);
                record_entry_free(rec);
                return;
        } else {
                container_read_ns_inodes(c, s);
                container_oom_open(c, s);
                if (!rec) { /* else: started was reported before the restart */
                        container_emit_started(c);
                        container_record(m, c, "started");
                }
        }

insert:
        record_entry_free(rec);
        if (!tsearch(c, &m->containers, container_cmp)) {
                log_error("Out of memory.");
                container_free(c);
                return;
        }
        c->in_table = true;
        m->n_containers++;
        manager_status_dirty(m);
}

static void container_dir_gone(Manager *m, Container *c) {
        if (c->exited)
                container_remove(m, c);
        else if (c->untracked && pid_is_alive(c->pid, c->start_ticks) == 0) {
                /* no pidfd: the directory's removal is how its end is noticed */
                container_report_late_exit(c, &EXIT_STATUS_UNKNOWN);
                container_remove(m, c);
        } else {
                /* still alive (or its exit is being processed): keep watching (an untracked one gets
                 * a pidfd when one frees up), forget at the exit */
                container_unlink(m, c);
                container_detach(m, c);
        }
}

static void manager_on_removed(const StateDirEntry *e, void *userdata) {
        Manager *m = userdata;
        Container *c = container_find(m, e->path);

        if (c)
                container_dir_gone(m, c);
}

static void unmark_action(const void *nodep, VISIT which, void *closure) {
        (void) closure;
        if (which == postorder || which == leaf)
                (*(Container *const *) nodep)->seen = false;
}

typedef struct Collect {
        Container **items;
        size_t n, cap;
        bool unseen_only;
} Collect;

static int collect_push(Collect *l, Container *c) {
        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 64;
                Container **n = realloc(l->items, cap * sizeof(Container *));

                if (!n)
                        return -ENOMEM;
                l->items = n;
                l->cap = cap;
        }
        l->items[l->n++] = c;
        return 0;
}

static void collect_action(const void *nodep, VISIT which, void *closure) {
        Collect *l = closure;
        Container *c = *(Container *const *) nodep;

        if (which != postorder && which != leaf)
                return;
        if (l->unseen_only && c->seen)
                return;
        (void) collect_push(l, c);
}

static void manager_on_rescan_begin(void *userdata) {
        Manager *m = userdata;

        m->rescanning = true;
        twalk_r(m->containers, unmark_action, NULL);
}

static void manager_on_rescan_end(void *userdata) {
        Manager *m = userdata;
        Collect l = { .unseen_only = true };

        m->rescanning = false;
        /* What the rescan did not find has lost its state directory. */
        twalk_r(m->containers, collect_action, &l);
        for (size_t i = 0; i < l.n; i++)
                container_dir_gone(m, l.items[i]);
        free(l.items);
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

/* ---------------------------------------------------------------- status, signals, reload */

static void manager_status_text(Manager *m, char *buf, size_t l) {
        unsigned roots = statedir_n_roots(m->statedir), watched = statedir_n_roots_watched(m->statedir);
        int k;

        k = snprintf(buf, l, "Tracking %u container%s under %u root%s", m->n_tracked + m->n_untracked,
                     m->n_tracked + m->n_untracked == 1 ? "" : "s", watched, watched == 1 ? "" : "s");
        if (k > 0 && (size_t) k < l && roots > watched)
                k += snprintf(buf + k, l - (size_t) k, " (%u not present yet)", roots - watched);
        if (k > 0 && (size_t) k < l && m->n_untracked > 0)
                snprintf(buf + k, l - (size_t) k, "; %u without pidfd", m->n_untracked);
}

static int manager_on_status_defer(sd_event_source *s, void *userdata) {
        Manager *m = userdata;
        char status[256];

        (void) s;
        manager_status_text(m, status, sizeof(status));
        notify_status(status);
        m->status_sent_usec = now_monotonic_usec();
        return 0;
}

static int manager_on_sigterm(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        (void) s;
        log_info("Received %s, stopping.", si->ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
        notify_stopping();
        return sd_event_exit(m->event, 0);
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

static int manager_reload(Manager *m) {
        _cleanup_(config_freep) Config *c = NULL;
        char status[256];
        int r;

        notify_reloading();
        r = config_load(m->opts.config_path, m->opts.config_allow_missing, stderr, &c);
        if (r < 0) {
                log_id_errno(LOG_ERR, r, MESSAGE_ID_RELOAD,
                             "Failed to reload configuration from '%s', keeping the current one: %m",
                             m->opts.config_path ?: "(none)");
        } else {
                if (m->opts.cmdline_roots) {
                        size_t n = 0;

                        while (m->opts.cmdline_roots[n])
                                n++;
                        r = config_set_roots(c, m->opts.cmdline_roots, n);
                        if (r < 0) {
                                log_error_errno(r, "Failed to apply the roots, keeping the current configuration: %m");
                                manager_status_text(m, status, sizeof(status));
                                notify_ready(status);
                                return 0;
                        }
                }
                config_free(m->config);
                m->config = TAKE_PTR(c);
                manager_apply_logging(m);
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

typedef struct CompactIter {
        Collect all;
        size_t i;
        RecordEntry cur;
} CompactIter;

static const RecordEntry *compact_next(void *userdata) {
        CompactIter *it = userdata;

        if (it->i >= it->all.n)
                return NULL;
        it->cur = container_to_entry(it->all.items[it->i++]);
        return &it->cur;
}

static void manager_compact_record(Manager *m) {
        CompactIter it = {};
        int r;

        if (!m->record)
                return;
        /* the table holds every incarnation the record must remember; superseded ones being
         * watched are in the detached list */
        twalk_r(m->containers, collect_action, &it.all);
        for (Container *c = m->detached; c; c = c->detached_next)
                if (collect_push(&it.all, c) < 0)
                        break;
        r = record_compact(m->record, compact_next, &it);
        if (r < 0)
                log_warning_errno(r, "Failed to compact the record of reported events: %m");
        free(it.all.items);
}

static int manager_on_compact_defer(sd_event_source *s, void *userdata) {
        (void) s;
        manager_compact_record(userdata);
        return 0;
}

/* A Container rebuilt from the record: what the daemon knew about it before a restart. */
static Container *container_from_entry(Manager *m, RecordEntry *e) {
        Container *c = calloc(1, sizeof(*c));

        if (!c)
                return NULL;
        *c = (Container) {
                .manager = m, .pid = e->pid, .start_ticks = e->start_ticks, .created_usec = e->created_usec,
                .runtime = streq_ptr(e->runtime, "crun") ? RUNTIME_CRUN : RUNTIME_RUNC,
                .meta.manager = meta_manager_static(e->manager),
        };
        /* take the strings over from the entry */
        c->path = TAKE_PTR(e->path);
        c->id = TAKE_PTR(e->id);
        c->ns = TAKE_PTR(e->ns);
        c->meta.name = TAKE_PTR(e->name);
        c->meta.image = TAKE_PTR(e->image);
        c->meta.pod_name = TAKE_PTR(e->pod_name);
        c->meta.pod_namespace = TAKE_PTR(e->pod_namespace);
        c->meta.pod_uid = TAKE_PTR(e->pod_uid);
        c->meta.k8s_container_name = TAKE_PTR(e->k8s_container_name);
        c->root = strdup("");
        if (!c->path || !c->id || !c->root) {
                container_free(c);
                return NULL;
        }
        return c;
}

/*
 * After the start-up scan: containers the record says were running but that no configured root
 * holds any more. Those whose init is gone ended while the daemon was not running: each is reported
 * once, late, with what the record remembers. Those still running (their root was dropped from the
 * configuration meanwhile) are tracked on, as a reload keeps them, and reported when they exit.
 */
static void manager_finish_record(Manager *m) {
        RecordEntry *e;

        if (!m->record)
                return;
        while ((e = record_take_any(m->record))) {
                ExitStatus gone = EXIT_STATUS_UNKNOWN;
                Container *c;
                int r;

                if (e->exited || !e->id) {
                        record_entry_free(e);
                        continue;
                }
                c = container_from_entry(m, e);
                record_entry_free(e);
                if (!c) {
                        log_error("Out of memory.");
                        continue;
                }
                r = container_track(m, c, &gone);
                if (r >= 0 || r == -EMFILE) {
                        if (r == -EMFILE)
                                container_set_untracked(m, c);
                        container_detach(m, c);
                        continue;
                }
                container_report_late_exit(c, &gone);
                container_free(c);
        }
        manager_compact_record(m);
}

/* ---------------------------------------------------------------- lifecycle */

LogTarget log_target_resolve(LogTarget t) {
        if (t == LOG_TARGET_AUTO)
                return journal_socket_accepts() ? LOG_TARGET_JOURNAL : LOG_TARGET_CONSOLE;
        return t;
}

int manager_new(const ManagerOptions *opts, Config *config, Manager **ret) {
        _cleanup_(manager_freep) Manager *m = NULL;
        sigset_t ss;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m) {
                config_free(config);
                return -ENOMEM;
        }
        m->opts = *opts;
        m->config = config;

        r = sd_event_default(&m->event);
        if (r < 0)
                return r;
        r = journal_new(m->event, manager_on_journal_delivered, m, &m->journal);
        if (r < 0)
                return r;
        manager_apply_logging(m);

        /* The inotify instance first, while descriptor numbers are small (FACTS.md 2.3). */
        r = statedir_new(m->event, &statedir_ops, m, &m->statedir);
        if (r < 0)
                return log_error_errno(r, "Failed to set up inotify: %m");

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
        r = sd_event_add_defer(m->event, &m->status_defer, manager_on_status_defer, m);
        if (r < 0)
                return r;
        r = sd_event_add_defer(m->event, &m->compact_defer, manager_on_compact_defer, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(m->compact_defer, SD_EVENT_OFF);
        (void) sd_event_source_set_description(m->compact_defer, "record-compact");
        (void) sd_event_source_set_enabled(m->status_defer, SD_EVENT_OFF);
        (void) sd_event_source_set_description(m->status_defer, "status");
        /* The watchdog is pinged from the loop: a wedged loop gets the service restarted. */
        r = sd_event_set_watchdog(m->event, true);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(m);
        return 0;
}

int manager_start(Manager *m) {
        KernelCaps caps;
        char status[256];
        int r;

        {
                struct rlimit rl;

                m->nofile_limit = getrlimit(RLIMIT_NOFILE, &rl) >= 0 && rl.rlim_cur != RLIM_INFINITY
                                          ? (uint64_t) rl.rlim_cur : UINT64_MAX / 2;
        }
        r = pidwatch_probe(&caps);
        if (r < 0)
                return log_error_errno(r, "Failed to probe the kernel's pidfd support: %m");
        if (!caps.pidfd)
                return log_error_errno(ENOSYS, "The kernel does not support pidfd_open() (Linux >= 5.3 needed).");
        log_debug("Kernel: pidfd %s, POLLHUP at reap %s, PIDFD_INFO_EXIT %s.", caps.pidfd ? "yes" : "no",
                  caps.hup_at_reap ? "yes" : "no", caps.info_exit ? "yes" : "no");

        {
                const char *dir = m->opts.record_dir ?: record_default_dir();
                unsigned other_boot = 0;

                r = record_open(dir, &m->record, &other_boot);
                if (r < 0)
                        log_warning_errno(r, "Failed to open the record of reported events in '%s', "
                                          "a restart may repeat or miss events: %m", dir);
                else if (other_boot > 0)
                        log_notice("%u containers were still running at the end of the previous boot; "
                                   "they ended with it and are not reported one by one.", other_boot);
        }

        manager_on_rescan_begin(m);
        r = manager_apply_roots(m);
        manager_on_rescan_end(m);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the state roots: %m");
        manager_finish_record(m);

        m->ready = true;
        manager_status_text(m, status, sizeof(status));
        log_id(LOG_INFO, MESSAGE_ID_DAEMON_READY, "%s.", status);
        notify_ready(status);
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
        sd_event_source_disable_unref(m->sig_term);
        sd_event_source_disable_unref(m->sig_int);
        sd_event_source_disable_unref(m->sig_hup);
        sd_event_source_disable_unref(m->status_defer);
        sd_event_source_disable_unref(m->compact_defer);
        sd_event_source_disable_unref(m->status_timer);
        m->journal = journal_free(m->journal);
        m->record = record_free(m->record);
        sd_event_unref(m->event);
        config_free(m->config);
        free(m);
        return NULL;
}

void manager_freep(Manager **m) {
        manager_free(*m);
}

/* ---------------------------------------------------------------- --list */

typedef struct ListCtx {
        const Config *config;
        bool json;
        unsigned n;
} ListCtx;

static void list_on_found(const StateDirEntry *e, void *userdata) {
        ListCtx *ctx = userdata;
        _cleanup_(runc_state_freep) RuncState *s = NULL;
        Meta meta = {};
        bool alive;
        char sid[13], started[64] = "-";

        if (statefile_read(e->dirfd, e->path, e->runtime, &s) < 0)
                return;
        /* alive = the pid is there, not a zombie, with the start time the state file names */
        alive = pid_is_alive(s->pid, s->start_ticks) > 0;
        if (metadata_collect(e->id, e->ns, e->dir, s, ctx->config->docker_data_root, &meta) < 0)
                return;
        if (s->created_usec > 0) {
                time_t t = (time_t) (s->created_usec / USEC_PER_SEC);
                struct tm tm;

                strftime(started, sizeof(started), "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
        }
        short_id(e->id, sid);
        if (ctx->json) {
                Event ev;

                event_init(&ev, MESSAGE_ID_CONTAINER_STARTED, LOG_INFO);
                (void) event_add(&ev, "CONTAINER_ID", sid);
                (void) event_add(&ev, "CONTAINER_ID_FULL", e->id);
                (void) event_add(&ev, "CONTAINER_NAME", meta.name);
                (void) event_add(&ev, "IMAGE_NAME", meta.image);
                (void) event_add(&ev, "CONTAINER_MANAGER", meta.manager);
                (void) event_add(&ev, "CONTAINER_RUNTIME", runtime_to_string(e->runtime));
                (void) event_add(&ev, "CONTAINER_NAMESPACE", e->ns);
                (void) event_add(&ev, "CONTAINER_STATE_DIR", e->path);
                (void) event_addf(&ev, "CONTAINER_PID", "%d", (int) s->pid);
                (void) event_add(&ev, "CONTAINER_ALIVE", alive ? "1" : "0");
                if (s->created_usec > 0)
                        (void) event_addf(&ev, "CONTAINER_STARTED_USEC", "%" PRIu64, s->created_usec);
                (void) event_add(&ev, "K8S_POD_NAME", meta.pod_name);
                (void) event_add(&ev, "K8S_POD_NAMESPACE", meta.pod_namespace);
                event_print_json(&ev, /* header= */ false);
                event_clear(&ev);
        } else {
                _cleanup_free_ char *name = cescape(meta.name ?: "-");

                if (ctx->n == 0)
                        printf("%-12s  %-24s  %-10s  %8s  %-5s  %s\n", "ID", "NAME", "MANAGER", "PID", "ALIVE",
                               "STARTED");
                printf("%-12s  %-24s  %-10s  %8d  %-5s  %s\n", sid, name ?: "?", meta.manager, (int) s->pid,
                       alive ? "yes" : "no", started);
        }
        ctx->n++;
        meta_done(&meta);
}

int manager_list(const Config *config, bool json) {
        ListCtx ctx = { .config = config, .json = json };
        int r;

        _cleanup_(strv_freep) char **roots = NULL;

        r = config_all_roots(config, stderr, &roots);
        if (r < 0)
                return r;
        r = statedir_scan_once(roots, list_on_found, &ctx);
        if (r < 0)
                return r;
        if (!json && ctx.n == 0)
                printf("No containers found.\n");
        (void) fflush(stdout);
        return 0;
}
