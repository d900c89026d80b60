/* SPDX-License-Identifier: MIT */
/*
 * One container incarnation, its state and its descriptors (see container.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "catalog-ids.h"
#include "container.h"
#include "docker.h"
#include "log.h"
#include "ownership.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strutil.h"
#include "util/time.h"

/* Descriptors a container holds: its pidwatch (the pidfd and /proc/<pid>/stat) and its OOM watch
 * (the counter file and, on cgroup v1, an eventfd; at most OOMWATCH_FDS_MAX). */
#define PIDWATCH_FDS 2
#define OOMWATCH_FDS_MAX 2
/* kept free for state files, config.v2.json, the record, the journal, a reload */
#define FD_RESERVE 64

/* How long an OOM kill may precede the init's own death for the two to be taken as one: the
 * pidfd of an OOM-killed init turns readable within milliseconds of the kill. */
#define OOM_SETTLE_USEC (250 * USEC_PER_MSEC)

/* How long an exit with no status from the kernel waits for what the manager writes down, both
 * from ReapTimeoutSec= (one setting scales every wait for a status; a host that needs a longer
 * one, such as an emulated guest, needs it for all of them). Docker's config.v2.json and the CRI
 * plugin's checkpoint: ReapTimeoutSec= itself (2 s by default): the exit travels from the shim
 * through containerd to dockerd (or the CRI plugin) before it is written down, tens of
 * milliseconds on an idle host, more under load, seconds under qemu's TCG (tests/vm/README.md).
 * The monitor's exit file: a quarter of it (0.5 s by default; conmon writes it within
 * milliseconds of the reap, FACTS.md 1.10). */
static uint64_t manager_exit_wait_usec(const ContainerContext *x) {
        return x->config->reap_timeout_usec;
}

static uint64_t runtime_exit_wait_usec(const ContainerContext *x) {
        return x->config->reap_timeout_usec / 4;
}

#define CGROUP_ROOT "/sys/fs/cgroup"
/* /proc/PID/cgroup: one line per hierarchy */
#define PROC_CGROUP_SIZE_MAX ((size_t) 64 * 1024)
#ifndef F_TYPE_EQUAL
#define F_TYPE_EQUAL(a, b) ((a) == (__typeof__(a)) (b))
#endif

/* ---------------------------------------------------------------- state and descriptors */

/* The one place where the state changes: keeps the list of untracked containers in step. */
static void container_set_state(Container *c, ContainerState state) {
        ContainerContext *x = c->ctx;

        if (c->state == state)
                return;
        if (c->state == CONTAINER_UNTRACKED) {
                if (c->untracked_prev)
                        c->untracked_prev->untracked_next = c->untracked_next;
                else
                        x->untracked = c->untracked_next;
                if (c->untracked_next)
                        c->untracked_next->untracked_prev = c->untracked_prev;
                c->untracked_prev = c->untracked_next = NULL;
                x->n_untracked--;
        }
        if (state == CONTAINER_UNTRACKED) {
                c->untracked_prev = NULL;
                c->untracked_next = x->untracked;
                if (x->untracked)
                        x->untracked->untracked_prev = c;
                x->untracked = c;
                x->n_untracked++;
        }
        c->state = state;
}

/* The one place where descriptors are charged to the budget and given back: after the pidwatch or
 * the OOM watch came or went, charge what the container holds now. */
static void container_account(Container *c) {
        ContainerContext *x = c->ctx;
        unsigned n = (c->watch ? PIDWATCH_FDS : 0) + (c->oom ? c->oom_fds : 0);

        x->fds_in_use = x->fds_in_use - c->n_fds + n;
        c->n_fds = n;
}

static void container_release_watch(Container *c) {
        if (!c->watch)
                return;
        c->watch = pidwatch_free(c->watch);
        c->ctx->n_tracked--;
        container_account(c);
}

static void container_release_oom(Container *c) {
        c->oom = oomwatch_free(c->oom);
        c->oom_fds = 0;
        container_account(c);
}

bool container_fds_available(const ContainerContext *x) {
        return x->fds_in_use + PIDWATCH_FDS + OOMWATCH_FDS_MAX + FD_RESERVE <= x->nofile_limit;
}

/* ---------------------------------------------------------------- building and freeing */

/* The names of /proc/PID/ns/ entries, by NsKind. */
static const char *const proc_ns_name[_NS_MAX] = {
        [NS_PID] = "pid", [NS_NET] = "net", [NS_MNT] = "mnt", [NS_IPC] = "ipc",
        [NS_UTS] = "uts", [NS_USER] = "user", [NS_CGROUP] = "cgroup",
};

static int strdup_or_null(const char *s, char **ret) {
        *ret = s ? strdup(s) : NULL;
        return s && !*ret ? -ENOMEM : 0;
}

static void container_forget_ns_paths(Container *c) {
        for (NsKind k = 0; k < _NS_MAX; k++) {
                free(c->ns_path[k]);
                c->ns_path[k] = NULL;
        }
}

/* What the state file said for watching it: not needed any more (watched, or never to be). */
static void container_forget_paths(Container *c) {
        container_forget_ns_paths(c);
        free(c->cgroup_v1_memory);
        free(c->cgroup_unified);
        c->cgroup_v1_memory = c->cgroup_unified = NULL;
}

/* The state directory and the id in one allocation, the id sharing the path's last component when
 * it is that (".../<id>", as from every state root): c->id is never freed on its own. */
static int container_set_names(Container *c, const char *path, const char *id) {
        size_t lp = strlen(path), li = strlen(id);
        bool tail = li < lp && path[lp - li - 1] == '/' && memcmp(path + lp - li, id, li) == 0;
        char *p = malloc(lp + 1 + (tail ? 0 : li + 1));

        if (!p)
                return -ENOMEM;
        c->path = memcpy(p, path, lp + 1);
        c->id = tail ? p + lp - li : memcpy(p + lp + 1, id, li + 1);
        return 0;
}

int container_new(ContainerContext *ctx, const StateDirEntry *e, const RuncState *s, Container **ret) {
        Container *c = calloc(1, sizeof(*c));

        if (!c)
                return -ENOMEM;
        *c = (Container) {
                .ctx = ctx,
                .runtime = e->runtime,
                .pid = s->pid,
                .start_ticks = s->start_ticks,
                .created_usec = s->created_usec,
        };
        c->ns = e->ns ? strdup(e->ns) : NULL;
        if (container_set_names(c, e->path, e->id) < 0 || (e->ns && !c->ns) ||
            strdup_or_null(s->cgroup_v1_memory, &c->cgroup_v1_memory) < 0 ||
            strdup_or_null(s->cgroup_unified, &c->cgroup_unified) < 0 ||
            metadata_collect(e->id, e->ns, e->dir, s, ctx->config->docker_data_root, &c->meta) < 0) {
                container_free(c);
                return -ENOMEM;
        }
        for (NsKind k = 0; k < _NS_MAX; k++)
                if (strdup_or_null(s->ns_path[k], &c->ns_path[k]) < 0) {
                        container_free(c);
                        return -ENOMEM;
                }
        *ret = c;
        return 0;
}

int container_new_from_record(ContainerContext *ctx, RecordEntry *e, Container **ret) {
        Container *c = calloc(1, sizeof(*c));
        int r;

        if (!c)
                return -ENOMEM;
        *c = (Container) {
                .ctx = ctx, .pid = e->pid, .start_ticks = e->start_ticks, .created_usec = e->created_usec,
                .runtime = streq_ptr(e->runtime, "crun") ? RUNTIME_CRUN : RUNTIME_RUNC,
                .meta.manager = meta_manager_static(e->manager),
        };
        /* take the strings over from the entry (the path and the id are copied into one) */
        c->ns = TAKE_PTR(e->ns);
        c->meta.name = TAKE_PTR(e->name);
        c->meta.image = TAKE_PTR(e->image);
        c->meta.pod_name = TAKE_PTR(e->pod_name);
        c->meta.pod_namespace = TAKE_PTR(e->pod_namespace);
        c->meta.pod_uid = TAKE_PTR(e->pod_uid);
        c->meta.k8s_container_name = TAKE_PTR(e->k8s_container_name);
        c->meta.k8s_container_type = TAKE_PTR(e->k8s_container_type);
        r = e->path && e->id ? container_set_names(c, e->path, e->id) : -ENOMEM;
        free(e->path);
        free(e->id);
        e->path = e->id = NULL;
        if (r < 0) {
                container_free(c);
                return -ENOMEM;
        }
        /* Its state file is not at hand (its root is no longer configured): what watching it needs
         * comes from its init, read once our pidfd pins it (container_track). */
        for (NsKind k = 0; k < _NS_MAX; k++)
                if (asprintf(&c->ns_path[k], "/proc/%d/ns/%s", (int) c->pid, proc_ns_name[k]) < 0) {
                        c->ns_path[k] = NULL;
                        container_free(c);
                        return -ENOMEM;
                }
        c->cgroup_from_proc = true;
        *ret = c;
        return 0;
}

RecordEntry container_to_record(const Container *c) {
        return (RecordEntry) {
                .path = c->path, .pid = c->pid, .start_ticks = c->start_ticks, .exited = container_is_over(c),
                .id = c->id, .ns = c->ns, .name = c->meta.name, .image = c->meta.image,
                .manager = (char *) c->meta.manager, .runtime = (char *) runtime_to_string(c->runtime),
                .pod_name = c->meta.pod_name, .pod_namespace = c->meta.pod_namespace,
                .pod_uid = c->meta.pod_uid, .k8s_container_name = c->meta.k8s_container_name,
                .k8s_container_type = c->meta.k8s_container_type, .created_usec = c->created_usec,
        };
}

Container *container_free(Container *c) {
        if (!c)
                return NULL;
        why_untrack(c->ctx->why, c->why);
        c->why = NULL;
        container_release_oom(c);
        container_release_watch(c);
        if (c->state == CONTAINER_UNTRACKED)
                container_set_state(c, CONTAINER_NEW); /* off the untracked list */
        c->runtime_wait = runtime_exit_wait_free(c->runtime_wait);
        meta_done(&c->meta);
        container_forget_paths(c);
        free(c->path); /* and c->id with it */
        free(c->ns);
        free(c);
        return NULL;
}

ContainerIdentity container_identity(const Container *c) {
        return (ContainerIdentity) {
                .id = c->id, .ns = c->ns, .state_dir = c->path, .runtime = c->runtime, .pid = c->pid,
                .created_usec = c->created_usec, .owner = c->owner, .meta = &c->meta,
        };
}

/* ---------------------------------------------------------------- what it says */

static void container_emit(Container *c, Event *ev) {
        c->ctx->hooks->emit(c, ev, c->ctx->userdata);
        event_clear(ev);
}

static void container_record(Container *c, const char *op) {
        c->ctx->hooks->record(c, op, c->ctx->userdata);
}

void container_report_started(Container *c) {
        ContainerIdentity id = container_identity(c);
        Event ev;

        event_build_started(&ev, &id, c->ns_ino);
        container_emit(c, &ev);
}

/* An OOM kill not already reported as a child's ("oom" entries): the counter rose beyond its value
 * at the last one. Without a counter (a v1 notification only), any OOM since discovery. */
static bool container_oom_unattributed(const Container *c) {
        if (!c->oom_seen)
                return false;
        if (!c->oom || c->oom_reported == 0)
                return true;
        return oomwatch_count(c->oom) > c->oom_reported;
}

static void container_report_exit(Container *c, const ExitStatus *given, uint64_t exit_usec, bool late) {
        ContainerIdentity id = container_identity(c);
        ExitStatus st;
        DeathFacts facts;
        DeathVerdict v;
        Event ev;

        /* The verdict (issue 13): the probe's records when it is attached, else the status and the
         * OOM counter; the probe's status only where the other sources had none. */
        why_facts(c->ctx->why, c->why, given, container_oom_unattributed(c), &facts, &st);
        death_judge(&facts, &v);
        event_build_exited(&ev, &id, &st, &facts, &v, c->why, exit_usec, late);
        container_emit(c, &ev);
        why_untrack(c->ctx->why, c->why);
        c->why = NULL;
}

/*
 * Where the container's manager writes its exit down, for a status the kernel did not give: the
 * system's stores (conmon's exit files, Docker's data root, the CRI plugin's checkpoints) only for a
 * root-owned state root. For a root an ordinary user controls, the id is that user's word: only
 * that user's own store (a rootless dockerd's data root), read with no more than that user's access
 * (issue 14, item 3). *ret_docker_root: Docker's data root to use (free it), or NULL.
 */
static void container_exit_stores(const Container *c, const char **ret_dir, bool *ret_cri, char **ret_docker_root) {
        bool system = c->owner == 0;

        *ret_dir = system ? runtime_exit_dir(c->meta.manager) : NULL;
        *ret_cri = system && streq_ptr(c->meta.manager, "kubernetes");
        if (!streq_ptr(c->meta.manager, "docker"))
                *ret_docker_root = NULL;
        else if (system)
                *ret_docker_root = c->ctx->config->docker_data_root ? strdup(c->ctx->config->docker_data_root) : NULL;
        else
                *ret_docker_root = docker_user_data_root(c->owner);
}

/* For an exit found late with nothing from the kernel: what the manager wrote down, if anything. */
static ExitStatus container_late_status(const Container *c, const ExitStatus *st) {
        _cleanup_free_ char *docker_root = NULL;
        const char *dir;
        ExitStatus r;
        bool cri;

        if (st->code != EXIT_CODE_UNKNOWN)
                return *st;
        container_exit_stores(c, &dir, &cri, &docker_root);
        if (dir && runtime_exit_read(dir, c->id, &r) >= 0)
                return r;
        if (docker_root && docker_exit_read(docker_root, c->id, c->owner, &r) >= 0)
                return r;
        if (cri && runtime_exit_read_cri(RUNTIME_EXIT_CRI_ROOT, c->id, &r) >= 0)
                return r;
        return *st;
}

void container_report_late_exit(Container *c, const ExitStatus *gone) {
        ExitStatus st = container_late_status(c, gone);

        /* The probe may have seen it live all the same: an init that died at once, before its state
         * file was read, left its records waiting (why.h). */
        why_drain(c->ctx->why);
        if (!c->why)
                c->why = why_track(c->ctx->why, c->pid, 0, NULL, c->id);

        container_set_state(c, CONTAINER_EXITED);
        container_report_exit(c, &st, 0, /* late= */ true);
        container_record(c, "exited");
}

void container_refuse(Container *c) {
        const char *manager = c->meta.manager; /* static */

        container_release_watch(c);
        container_forget_paths(c);
        /* Kept only so that its state file is not read again: nothing it said is needed, and names,
         * images and labels are the writer's, of any size. */
        meta_done(&c->meta);
        c->meta.manager = manager;
        container_set_state(c, CONTAINER_REFUSED);
}

void container_mark_reported(Container *c) {
        container_set_state(c, CONTAINER_EXITED);
}

/* ---------------------------------------------------------------- OOM kills */

/* The OOM kill counter rose OOM_SETTLE_USEC ago and the init's death has not been seen since: an
 * OOM kill while the init lives on, its child was the victim (DESIGN.md §3, "oom"). */
static void container_on_oom(OomWatch *w, uint64_t oom_kill, void *userdata) {
        Container *c = userdata;
        ContainerIdentity id;
        Event ev;

        (void) w;
        if (container_is_over(c) || !c->watch)
                return;
        if (pid_is_living(c->pid, c->start_ticks) <= 0)
                return; /* the init itself is going (or gone): its exit entry says OOM_KILLED=1 */
        id = container_identity(c);
        why_drain(c->ctx->why);
        event_build_oom(&ev, &id, oom_kill, c->why);
        container_emit(c, &ev);
        c->oom_reported = oom_kill;
        if (c->why)
                c->why->has_child_victim = false; /* reported; the next OOM brings its own */
}

/* Watch the cgroup's OOM kills and take the baseline now (FACTS.md §4: the cgroup vanishes right
 * after the exit, so its counter is followed from the start of tracking on). */
static void container_oom_open(Container *c) {
        int r;

        r = oomwatch_new(c->ctx->event, c->cgroup_v1_memory, c->cgroup_unified, OOM_SETTLE_USEC,
                         container_on_oom, c, &c->oom);
        if (r < 0)
                return (void) log_debug_errno(r, "No OOM watch for container '%s': %m", c->path);
        c->oom_fds = oomwatch_n_fds(c->oom);
        container_account(c);
}

/* At the init's death: one more read, before the cgroup goes. */
static void container_oom_check(Container *c) {
        if (!c->oom)
                return;
        (void) oomwatch_refresh(c->oom, NULL);
        if (oomwatch_oom_seen(c->oom))
                c->oom_seen = true;
}

/* ---------------------------------------------------------------- the init's death */

static void container_on_dead(PidWatch *w, void *userdata) {
        Container *c = userdata;

        (void) w;
        /* The probe's exit and signal records are committed before the pidfd wakes up, but its ring
         * buffer's wake-up may come later: read them now. */
        why_drain(c->ctx->why);
        container_oom_check(c);
}

/* The end of an exit: report it, give back the descriptors, a tombstone now. */
static void container_finish_exit(Container *c, const ExitStatus *st, uint64_t exit_usec) {
        container_oom_check(c);
        container_report_exit(c, st, exit_usec, /* late= */ false);
        c->runtime_wait = runtime_exit_wait_free(c->runtime_wait);
        container_release_watch(c);
        container_set_state(c, CONTAINER_EXITED);
        container_record(c, "exited");
        container_release_oom(c);
        c->ctx->hooks->on_exited(c, c->ctx->userdata); /* may free c */
}

static void container_on_runtime_exit(RuntimeExitWait *w, const ExitStatus *st, void *userdata) {
        Container *c = userdata;

        (void) w;
        container_finish_exit(c, st ?: &EXIT_STATUS_UNKNOWN, c->exit_usec);
}

/*
 * The kernel had nothing (before 6.15: the reaper won the race for /proc/PID/stat): wait, bounded,
 * for what the container's manager writes down. Returns as runtime_exit_wait(); -ENOENT when the
 * manager keeps no such record (plain runc, containerd without CRI) or it is gone (docker --rm).
 */
static int container_wait_runtime_status(Container *c, ExitStatus *ret_now) {
        _cleanup_free_ char *docker_root = NULL;
        const char *dir;
        bool cri;

        container_exit_stores(c, &dir, &cri, &docker_root);
        if (dir)
                return runtime_exit_wait(c->ctx->event, dir, c->id, runtime_exit_wait_usec(c->ctx),
                                         container_on_runtime_exit, c, &c->runtime_wait, ret_now);
        if (docker_root)
                return runtime_exit_wait_docker(c->ctx->event, docker_root, c->owner, c->id,
                                                manager_exit_wait_usec(c->ctx), container_on_runtime_exit, c,
                                                &c->runtime_wait, ret_now);
        if (cri)
                return runtime_exit_wait_cri(c->ctx->event, RUNTIME_EXIT_CRI_ROOT, c->id, manager_exit_wait_usec(c->ctx),
                                             container_on_runtime_exit, c, &c->runtime_wait, ret_now);
        return -ENOENT;
}

static void container_on_exit(PidWatch *w, const ExitStatus *st, uint64_t exit_usec, void *userdata) {
        Container *c = userdata;

        (void) w;
        if (st->code == EXIT_CODE_UNKNOWN) {
                ExitStatus now;
                int r = container_wait_runtime_status(c, &now);

                if (r == 1)
                        return container_finish_exit(c, &now, exit_usec);
                if (r == 0) {
                        c->exit_usec = exit_usec;
                        container_set_state(c, CONTAINER_EXITING);
                        return;
                }
        }
        container_finish_exit(c, st, exit_usec);
}

/* ---------------------------------------------------------------- tracking */

/* p is /proc/<the init's pid>/ns/<kind's name>: runc's namespace_paths for a namespace of the init's
 * own (not one it joined through another process's path or a bind mount) */
static bool ns_path_is_own(const Container *c, NsKind k, const char *p) {
        char own[64];

        snprintf(own, sizeof(own), "/proc/%d/ns/%s", (int) c->pid, proc_ns_name[k]);
        return streq(p, own);
}

/*
 * The inode numbers of the container's namespaces, as lsns shows them. For a /proc/PID/ns/KIND link
 * (runc's usual namespace_paths) readlink() gives "net:[4026531840]" without the nsfs dentry and
 * inode that stat() through the link sets up: stat() of seven such paths was a quarter of the
 * start-up time with 10,000 containers. The init's own PID namespace link was read by the pidwatch
 * already (its ptrace-read probe), after the pid was pinned: not again. Other paths (bind-mounted
 * namespaces) are stat()ed. The init's own links are read relative to one O_PATH descriptor of its
 * /proc/PID/ns, so that /proc and the pid are looked up once, not once a link. A container whose
 * started entry an earlier run reported (a restart of the daemon) needs only its PID namespace, for
 * the probe: six lookups fewer each.
 */
static void container_read_ns_inodes(Container *c) {
        _cleanup_close_ int nsdir = -1;
        bool nsdir_tried = false;

        if (c->ns_read)
                return;
        for (NsKind k = 0; k < _NS_MAX; k++) {
                const char *p = c->ns_path[k];
                char target[64];
                struct stat st;
                ssize_t l = -1;
                bool own;

                if (!p || (c->started_reported && k != NS_PID))
                        continue;
                own = ns_path_is_own(c, k, p);
                if (k == NS_PID && pidwatch_pid_ns_inode(c->watch) != 0 && own) {
                        c->ns_ino[k] = pidwatch_pid_ns_inode(c->watch);
                        continue;
                }
                if (own && !nsdir_tried) {
                        char dir[32];

                        nsdir_tried = true;
                        snprintf(dir, sizeof(dir), "/proc/%d/ns", (int) c->pid);
                        nsdir = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
                }
                if (own && nsdir >= 0)
                        l = readlinkat(nsdir, proc_ns_name[k], target, sizeof(target) - 1);
                else if (strncmp(p, "/proc/", 6) == 0 && strstr(p, "/ns/"))
                        l = readlink(p, target, sizeof(target) - 1);
                if (l > 0) {
                        target[l] = 0;
                        if (ns_link_inode(target, &c->ns_ino[k]) >= 0)
                                continue;
                }
                if (stat(p, &st) >= 0)
                        c->ns_ino[k] = (uint64_t) st.st_ino;
        }
        /* read after the pid was pinned (or checked): a reused pid would have failed that */
        c->ns_read = true;
        container_forget_ns_paths(c);
}
/*
 * A container rebuilt from the record: its cgroup as its init's /proc/PID/cgroup names it (read once
 * our pidfd pins the pid), in the form of state.json's cgroup_paths: the v1 memory controller's
 * directory, and the unified one (/sys/fs/cgroup on v2, /sys/fs/cgroup/unified on hybrid hosts).
 */
static void container_read_proc_cgroup(Container *c) {
        _cleanup_free_ char *buf = NULL;
        char path[64];
        struct statfs sfs;
        bool v2;

        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int) c->pid);
        if (read_file_path(path, PROC_CGROUP_SIZE_MAX, &buf, NULL) < 0)
                return;
        v2 = statfs(CGROUP_ROOT, &sfs) >= 0 && F_TYPE_EQUAL(sfs.f_type, CGROUP2_SUPER_MAGIC);
        for (char *line = buf, *next; line && *line; line = next) {
                char *controllers, *dir;

                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                /* "hierarchy-ID:controller-list:cgroup-path" */
                controllers = strchr(line, ':');
                dir = controllers ? strchr(controllers + 1, ':') : NULL;
                if (!dir || dir[1] != '/')
                        continue;
                *dir++ = 0;
                controllers++;
                if (*controllers == 0 && !c->cgroup_unified) {
                        if (asprintf(&c->cgroup_unified, "%s%s", v2 ? CGROUP_ROOT : CGROUP_ROOT "/unified",
                                     streq(dir, "/") ? "" : dir) < 0)
                                c->cgroup_unified = NULL;
                } else if (!v2 && !c->cgroup_v1_memory) {
                        for (const char *w = controllers; w; w = strchr(w, ',') ? strchr(w, ',') + 1 : NULL)
                                if (strncmp(w, "memory", 6) == 0 && (w[6] == ',' || w[6] == 0)) {
                                        if (asprintf(&c->cgroup_v1_memory, CGROUP_ROOT "/memory%s",
                                                     streq(dir, "/") ? "" : dir) < 0)
                                                c->cgroup_v1_memory = NULL;
                                        break;
                                }
                }
        }
}

/* The probe named a child of this container as an OOM victim: have the OOM counter read (on a
 * read-only v1 cgroup tree nothing else would tell of the kill while the init lives on). */
static void container_on_child_victim(WhyState *s, void *userdata) {
        Container *c = userdata;

        (void) s;
        oomwatch_poke(c->oom);
}

/*
 * Tracked from now on, whichever way it came (discovery, promotion, restore): what watching it
 * needs, once. Its namespaces (if not read while it waited for a descriptor), the OOM watch of its
 * cgroup (baseline now) and the kernel probe's records of its init.
 */
static void container_observe(Container *c) {
        container_read_ns_inodes(c);
        if (c->cgroup_from_proc) {
                container_read_proc_cgroup(c);
                c->cgroup_from_proc = false;
        }
        if (!c->oom)
                container_oom_open(c);
        if (!c->why) {
                c->why = why_track(c->ctx->why, c->pid, c->ns_ino[NS_PID], c->cgroup_v1_memory ?: c->cgroup_unified,
                                   c->id);
                if (c->why) {
                        c->why->on_child_victim = container_on_child_victim;
                        c->why->userdata = c;
                }
        }
        /* the cgroup's paths served the watch and the probe: they are not needed again */
        free(c->cgroup_v1_memory);
        free(c->cgroup_unified);
        c->cgroup_v1_memory = c->cgroup_unified = NULL;
}

/* In a root an ordinary user writes: may that user speak for the pid? (ownership.h) */
static int container_check_owner(Container *c) {
        int k;

        if (c->owner == 0)
                return 0;
        k = pid_belongs_to(c->pid, c->owner);
        if (k > 0)
                return 0;
        if (k == -ESRCH)
                return -ESRCH;
        log_id(LOG_WARNING, MESSAGE_ID_STATE_REFUSED,
               "Refusing container '%s': its state file names pid %d, which does not belong to "
               "uid %u, the owner of the state directory.", c->path, (int) c->pid, (unsigned) c->owner);
        return -EPERM;
}

int container_track(Container *c, ExitStatus *ret_gone) {
        ContainerContext *x = c->ctx;
        int r, k;

        if (!container_fds_available(x))
                r = -EMFILE;
        else
                r = pidwatch_new(x->event, c->pid, c->start_ticks, x->config->reap_timeout_usec,
                                 container_on_dead, container_on_exit, c, &c->watch, ret_gone);
        if (r >= 0 || r == -EMFILE || r == -ENFILE) {
                /* pinned by the pidfd when there is one; without one the check is all there is */
                k = container_check_owner(c);
                if (k < 0) {
                        c->watch = pidwatch_free(c->watch);
                        return k;
                }
        }
        if (r == -EMFILE || r == -ENFILE) {
                /* Past the RLIMIT_NOFILE soft limit less a reserve, or the kernel says so: its exit is
                 * then noticed when its state directory goes away or at a rescan. Its namespaces
                 * cost no descriptor: its started entry names them all the same. */
                container_read_ns_inodes(c);
                if (!x->warned_fd_limit) {
                        log_id(LOG_ERR, MESSAGE_ID_RESOURCE_LIMIT,
                               "Out of file descriptors (limit %" PRIu64 ") at %u tracked containers: '%s' and "
                               "further ones are followed through their state directories until descriptors free up.",
                               x->nofile_limit, x->n_tracked, c->path);
                        x->warned_fd_limit = true;
                }
                container_set_state(c, CONTAINER_UNTRACKED);
                return -EMFILE;
        }
        if (r < 0)
                return r;
        x->n_tracked++;
        container_account(c);
        container_set_state(c, CONTAINER_TRACKED);
        container_observe(c);
        return 0;
}

