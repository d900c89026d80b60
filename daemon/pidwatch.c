/* SPDX-License-Identifier: MIT */
/*
 * pidfd-based exit tracking of processes that are not our children (see pidwatch.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "pidwatch.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/time.h"
#include "util/proc-stat.h"
#include "util/strutil.h"

/* Debian 12's kernel headers (6.1) lack PIDFD_GET_INFO: the VER0 layout (FACTS.md 1.7). The kernel
 * matches only the ioctl number and copies min(user, kernel) bytes. */
struct pidfd_info_v0 {
        uint64_t mask;
        uint64_t cgroupid;
        uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
        int32_t exit_code;
};
#define CW_PIDFS_IOCTL_MAGIC 0xFF
#define CW_PIDFD_GET_INFO _IOWR(CW_PIDFS_IOCTL_MAGIC, 11, struct pidfd_info_v0)
#define CW_PIDFD_INFO_EXIT (UINT64_C(1) << 3)

typedef struct PidWatchSet PidWatchSet;

struct PidWatch {
        sd_event *event;
        PidWatchSet *set;       /* the epoll set its pidfd is in, NULL until it is added */
        sd_event_source *timer;
        int pidfd, statfd;
        pid_t pid;
        bool dead, done;
        bool proc_exit_code;    /* field 52 is ours to read (ptrace-read access) */
        uint64_t pid_ns_ino;    /* /proc/<pid>/ns/pid's inode, read after the pid was pinned; 0: not known */
        uint64_t exit_usec;
        uint64_t reap_timeout_usec;
        PidWatchDeadHandler on_dead;
        PidWatchExitHandler on_exit;
        void *userdata;
};

/* What one dispatch of a set takes from its epoll set at most. */
#define PIDWATCH_BATCH 64

/*
 * The pidfds of one loop are in one epoll set of their own, and the loop has one source on that
 * set: a source per pidfd cost sd-event about 330 bytes each (10,000 containers: 3.3 MB, a third
 * of the daemon's heap; issue 17), and a burst of exits is dispatched PIDWATCH_BATCH at a time
 * instead of one per loop iteration. Made with the first watch of a loop, freed with its last.
 */
struct PidWatchSet {
        PidWatchSet *next;
        sd_event *event;
        sd_event_source *io;
        int epfd;
        unsigned n_watches;
        bool dispatching;                  /* in set_on_io: the set outlives its last watch until the end */
        size_t batch_n;                    /* what the dispatch under way took, a freed watch cleared */
        PidWatch *batch[PIDWATCH_BATCH];
        uint32_t batch_events[PIDWATCH_BATCH];
};

static PidWatchSet *sets;

static KernelCaps caps;
/* CW_TEST_NO_KERNEL_STATUS=1 (see pidwatch.h): behave as a kernel before 6.15 whose reaper won. */
static bool no_kernel_status;

static int cw_pidfd_open(pid_t pid) {
        int fd = (int) syscall(SYS_pidfd_open, pid, 0);

        return fd < 0 ? -errno : fd;
}

/* 0 and *ret_wstatus when the kernel has the exit status; -ENODATA when not (yet); -errno. */
static int pidfd_get_exit(int pidfd, int *ret_wstatus) {
        struct pidfd_info_v0 info = { .mask = CW_PIDFD_INFO_EXIT };

        if (ioctl(pidfd, CW_PIDFD_GET_INFO, &info) < 0)
                return errno == ESRCH ? -ENODATA : -errno;
        if (!(info.mask & CW_PIDFD_INFO_EXIT))
                return -ENODATA;
        *ret_wstatus = info.exit_code;
        return 0;
}

/* Whether we may read another process's ptrace-guarded /proc fields (PTRACE_MODE_READ_FSCREDS):
 * readlink on /proc/<pid>/ns/pid is subject to exactly that check. What it says ("pid:[INODE]") is
 * kept in *ret_ino (0: not that form), so that the container need not read the link again. */
static bool proc_may_read(pid_t pid, uint64_t *ret_ino) {
        char path[64], target[64];
        ssize_t l;

        *ret_ino = 0;
        snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int) pid);
        l = readlink(path, target, sizeof(target) - 1);
        if (l < 0)
                return false;
        target[l] = 0;
        (void) ns_link_inode(target, ret_ino);
        return true;
}

int ns_link_inode(const char *target, uint64_t *ret) {
        const char *b = strstr(target, ":[");
        unsigned long long ino;
        char *end;

        if (!b)
                return -EINVAL;
        errno = 0;
        ino = strtoull(b + 2, &end, 10);
        if (errno != 0 || end == b + 2 || *end != ']')
                return -EINVAL;
        *ret = ino;
        return 0;
}

uint64_t pidwatch_pid_ns_inode(const PidWatch *w) {
        return w ? w->pid_ns_ino : 0;
}

int pidwatch_probe(KernelCaps *ret) {
        _cleanup_close_ int pidfd = -1;
        struct pollfd p;
        pid_t pid;
        int ws;

        caps = (KernelCaps) {};
        no_kernel_status = streq_ptr(getenv("CW_TEST_NO_KERNEL_STATUS"), "1");
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0)
                _exit(7);

        pidfd = cw_pidfd_open(pid);
        if (waitpid(pid, &ws, 0) < 0 && errno != ECHILD) {
                /* cannot happen for our own child; keep going with what we know */
        }
        if (pidfd >= 0) {
                caps.pidfd = true;
                p = (struct pollfd) { .fd = pidfd, .events = POLLIN };
                if (poll(&p, 1, 0) > 0 && (p.revents & POLLHUP))
                        caps.hup_at_reap = true;
                if (pidfd_get_exit(pidfd, &ws) >= 0 && WIFEXITED(ws) && WEXITSTATUS(ws) == 7)
                        caps.info_exit = true;
        }
        if (no_kernel_status) {
                caps.info_exit = false;
                log_notice("CW_TEST_NO_KERNEL_STATUS=1: ignoring the exit statuses the kernel gives (a test knob).");
        }
        if (ret)
                *ret = caps;
        return 0;
}

static PidWatchSet *set_free(PidWatchSet *set) {
        for (PidWatchSet **p = &sets; *p; p = &(*p)->next)
                if (*p == set) {
                        *p = set->next;
                        break;
                }
        set->io = sd_event_source_disable_unref(set->io);
        set->epfd = safe_close(set->epfd);
        sd_event_unref(set->event);
        free(set);
        return NULL;
}

/* w leaves its set: out of the epoll set and of a dispatch under way; the set goes with its last. */
static void set_remove(PidWatch *w) {
        PidWatchSet *set = w->set;

        if (!set)
                return;
        w->set = NULL;
        (void) epoll_ctl(set->epfd, EPOLL_CTL_DEL, w->pidfd, NULL);
        for (size_t i = 0; i < set->batch_n; i++)
                if (set->batch[i] == w)
                        set->batch[i] = NULL;
        if (--set->n_watches == 0 && !set->dispatching)
                set_free(set);
}

PidWatch *pidwatch_free(PidWatch *w) {
        if (!w)
                return NULL;
        set_remove(w);
        w->timer = sd_event_source_disable_unref(w->timer);
        w->pidfd = safe_close(w->pidfd);
        w->statfd = safe_close(w->statfd);
        sd_event_unref(w->event);
        free(w);
        return NULL;
}

void pidwatch_freep(PidWatch **w) {
        pidwatch_free(*w);
}

static int pid_check(pid_t pid, uint64_t start_ticks, bool exiting_is_dead) {
        _cleanup_close_ int fd = proc_stat_open(pid);
        ProcStat ps;
        int r;

        if (fd == -ENOENT || fd == -ESRCH)
                return 0;
        if (fd < 0)
                return fd;
        r = proc_stat_read_fd(fd, &ps);
        if (r == -ESRCH)
                return 0;
        if (r < 0)
                return r;
        if (exiting_is_dead && proc_stat_dying(&ps))
                return 0;
        return ps.starttime == start_ticks && ps.state != 'Z' && ps.state != 'X';
}

int pid_is_alive(pid_t pid, uint64_t start_ticks) {
        return pid_check(pid, start_ticks, false);
}

int pid_is_living(pid_t pid, uint64_t start_ticks) {
        return pid_check(pid, start_ticks, true);
}

static void pidwatch_finish(PidWatch *w, ExitStatus st) {
        if (w->done)
                return;
        w->done = true;
        set_remove(w);
        (void) sd_event_source_set_enabled(w->timer, SD_EVENT_OFF);
        w->on_exit(w, &st, w->exit_usec, w->userdata); /* may free w */
}

static int pidwatch_on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        PidWatch *w = userdata;
        int ws = 0;

        (void) s;
        (void) usec;
        /* One last look: the reap may have happened without us seeing the HUP yet. */
        if (caps.info_exit && pidfd_get_exit(w->pidfd, &ws) >= 0)
                pidwatch_finish(w, exit_status_from_wait(ws, EXIT_SOURCE_PIDFD));
        else
                pidwatch_finish(w, EXIT_STATUS_UNKNOWN);
        return 0;
}

static void pidwatch_on_io(PidWatch *w, uint32_t revents) {
        ProcStat ps;
        bool reaped;
        int r, ws = 0;

        if (!w->dead) {
                w->dead = true;
                w->exit_usec = now_realtime_usec();
                if (w->on_dead)
                        w->on_dead(w, w->userdata);
        }

        /* 1. The zombie's own record: no waiting for a reaper that may be slow or absent. */
        r = proc_stat_read_fd(w->statfd, &ps);
        if (r >= 0 && (ps.state == 'Z' || ps.state == 'X') && ps.has_exit_code && w->proc_exit_code &&
            !no_kernel_status) {
                pidwatch_finish(w, exit_status_from_wait(ps.exit_code, EXIT_SOURCE_PROC));
                return;
        }
        reaped = r == -ESRCH || (revents & EPOLLHUP);

        /* 2. After the reap, the kernel keeps the status for pidfd holders (6.15). */
        if (reaped && caps.info_exit && pidfd_get_exit(w->pidfd, &ws) >= 0) {
                pidwatch_finish(w, exit_status_from_wait(ws, EXIT_SOURCE_PIDFD));
                return;
        }

        /* 3. Not reaped yet (or the status not yet stored): wait for the HUP of the reap, bounded. */
        if (caps.info_exit && caps.hup_at_reap && !(revents & EPOLLHUP)) {
                struct epoll_event ev = { .events = EPOLLET, .data.ptr = w }; /* EPOLLHUP is always reported */

                r = epoll_ctl(w->set->epfd, EPOLL_CTL_MOD, w->pidfd, &ev) < 0 ? -errno : 0;
                if (r >= 0 && !w->timer)
                        r = sd_event_add_time_relative(w->event, &w->timer, CLOCK_MONOTONIC,
                                                       w->reap_timeout_usec, USEC_PER_MSEC,
                                                       pidwatch_on_timer, w);
                if (r >= 0) {
                        (void) sd_event_source_set_description(w->timer, "pidwatch-reap-timeout");
                        return;
                }
        }

        pidwatch_finish(w, EXIT_STATUS_UNKNOWN);
}

static int set_on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        PidWatchSet *set = userdata;
        struct epoll_event ev[PIDWATCH_BATCH];
        int n;

        (void) s;
        (void) revents;
        n = epoll_wait(fd, ev, PIDWATCH_BATCH, 0);
        if (n < 0) {
                if (errno != EINTR)
                        log_debug_errno(-errno, "epoll_wait on the pidfd set failed: %m");
                return 0;
        }
        for (int i = 0; i < n; i++) {
                set->batch[i] = ev[i].data.ptr;
                set->batch_events[i] = ev[i].events;
        }
        set->batch_n = (size_t) n;
        set->dispatching = true;
        for (size_t i = 0; i < set->batch_n; i++) {
                PidWatch *w = set->batch[i];

                if (!w)
                        continue; /* freed by an earlier one's handler */
                set->batch[i] = NULL;
                pidwatch_on_io(w, set->batch_events[i]); /* may free w, and others */
        }
        set->batch_n = 0;
        set->dispatching = false;
        if (set->n_watches == 0)
                set_free(set);
        return 0;
}

/* The set of loop e, or NULL before its first watch. */
static PidWatchSet *set_find(const sd_event *e) {
        for (PidWatchSet *set = sets; set; set = set->next)
                if (set->event == e)
                        return set;
        return NULL;
}

/* A set for loop e (its first watch), or NULL with *ret_error. */
static PidWatchSet *set_new(sd_event *e, int *ret_error) {
        _cleanup_close_ int epfd = -1;
        PidWatchSet *set;
        int r;

        epfd = epoll_create1(EPOLL_CLOEXEC);
        if (epfd < 0) {
                *ret_error = -errno;
                return NULL;
        }
        set = calloc(1, sizeof(*set));
        if (!set) {
                *ret_error = -ENOMEM;
                return NULL;
        }
        set->epfd = TAKE_FD(epfd);
        /* Level-triggered: what one dispatch leaves in the set brings the next. */
        r = sd_event_add_io(e, &set->io, set->epfd, EPOLLIN, set_on_io, set);
        if (r < 0) {
                set->epfd = safe_close(set->epfd);
                free(set);
                *ret_error = r;
                return NULL;
        }
        (void) sd_event_source_set_description(set->io, "pidwatch");
        set->event = sd_event_ref(e);
        set->next = sets;
        sets = set;
        return set;
}

int pidwatch_new(sd_event *e, pid_t pid, uint64_t start_ticks, uint64_t reap_timeout_usec,
                 PidWatchDeadHandler on_dead, PidWatchExitHandler on_exit, void *userdata,
                 PidWatch **ret, ExitStatus *ret_gone) {
        _cleanup_(pidwatch_freep) PidWatch *w = NULL;
        ProcStat ps;
        int r;

        if (pid <= 0)
                return -EINVAL;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        *w = (PidWatch) {
                .event = sd_event_ref(e),
                .pidfd = -1,
                .statfd = -1,
                .pid = pid,
                .reap_timeout_usec = reap_timeout_usec,
                .on_dead = on_dead,
                .on_exit = on_exit,
                .userdata = userdata,
        };

        /* Order matters (FACTS.md 1.11): the pidfd first, then the start time. If the start time
         * matches, the pidfd refers to the container's init and cannot be recycled under us. */
        w->pidfd = cw_pidfd_open(pid);
        if (w->pidfd == -ESRCH || w->pidfd == -ENOENT || w->pidfd == -EINVAL) {
                *ret_gone = EXIT_STATUS_UNKNOWN;
                return -ESRCH;
        }
        if (w->pidfd < 0)
                return w->pidfd;
        w->statfd = proc_stat_open(pid);
        if (w->statfd == -ENOENT || w->statfd == -ESRCH) {
                *ret_gone = EXIT_STATUS_UNKNOWN;
                return -ESRCH;
        }
        if (w->statfd < 0)
                return w->statfd;
        r = proc_stat_read_fd(w->statfd, &ps);
        if (r == -ESRCH || (r >= 0 && ps.starttime != start_ticks)) {
                *ret_gone = EXIT_STATUS_UNKNOWN;
                return -ESRCH;
        }
        if (r < 0)
                return r;
        /* Without ptrace-read access to the process the kernel prints 0 for field 52, which would
         * read as "exited 0". The same check guards the /proc/<pid>/ns links: probe one. */
        w->proc_exit_code = proc_may_read(pid, &w->pid_ns_ino);
        if (ps.state == 'Z' || ps.state == 'X') {
                *ret_gone = ps.has_exit_code && w->proc_exit_code && !no_kernel_status
                                    ? exit_status_from_wait(ps.exit_code, EXIT_SOURCE_PROC)
                                    : EXIT_STATUS_UNKNOWN;
                return -ESRCH;
        }

        /* Edge-triggered in the set: a pidfd stays readable for ever after the exit, so
         * level-triggered pidfds made a burst of N exits cost N epoll_wait()s each re-polling every
         * exited pidfd (O(N^2): 6.35 s for 5,000 kills at once, 0.64 s edge-triggered;
         * docs/BENCHMARKS.md). A pidfd is woken at the exit and again at the reap, so each edge is
         * one state change we want. */
        struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.ptr = w };
        PidWatchSet *set = set_find(e) ?: set_new(e, &r);

        if (!set)
                return r;
        set->n_watches++;
        w->set = set;
        if (epoll_ctl(set->epfd, EPOLL_CTL_ADD, w->pidfd, &ev) < 0)
                return -errno; /* pidwatch_freep takes it out of the set again */
        *ret = TAKE_PTR(w);
        return 0;
}
