/* SPDX-License-Identifier: MIT */
/*
 * OOM kills inside a container's memory cgroup (see oomwatch.h).
 *
 * Why a re-check timer: on v1 the eventfd fires when the OOM *begins*, while oom_kill still reads 0
 * (FACTS.md 4.2); the killer increments the counter a moment later, without another notification
 * (the next one comes only with the next OOM, or at the cgroup's removal). So after a wake-up that
 * shows no rise, the counter is read again a few times over about a second (backing off from 5 ms),
 * and never otherwise: there is no polling while nothing happens.
 *
 * Why a watch without notifications: inside the shipped unit (ProtectControlGroups=yes), a container
 * image or a DaemonSet, the cgroup tree is read-only, so cgroup.event_control cannot be written
 * (EROFS; EACCES/EPERM without the right capabilities). v2's memory.events needs no write (inotify
 * only reads), but v1 has no other notification. The counter file and its baseline are then kept
 * anyway and read at discovery and at every exit (oomwatch_refresh): an init killed by its own limit
 * still gets OOM_KILLED=1. The `oom` entries for a child's kill while the init lives need a trigger:
 * the kernel probe's OOM victim record, where the probe is loaded (oomwatch_poke); without it they
 * are missing there.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "oomwatch-test.h" /* oomwatch.h and what only its tests call */
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strutil.h"
#include "util/time.h"

#define RECHECK_FIRST_USEC (5 * USEC_PER_MSEC)
#define RECHECK_TRIES      8        /* 5, 10, 20, ... 640 ms: about 1.3 s in all */

typedef enum OomKind {
        OOM_KIND_V1,
        OOM_KIND_V2,
} OomKind;

struct OomWatch {
        sd_event *event;
        OomKind kind;
        int counter_fd;              /* memory.oom_control (v1) / memory.events (v2) */
        int event_fd;                /* v1: the eventfd; v2: -1 */
        sd_event_source *io_source;  /* v1: the eventfd; v2: the inotify watch */
        sd_event_source *timer;      /* re-checks and delayed delivery */
        uint64_t settle_usec;
        uint64_t baseline, count, delivered;
        uint64_t notifications;      /* v1: eventfd signals that were OOMs (not the cgroup's removal) */
        uint64_t rise_seen_usec;     /* CLOCK_MONOTONIC when count > delivered was first seen; 0 */
        unsigned recheck_left;
        uint64_t recheck_next_usec;  /* the next re-check interval */
        bool gone;                   /* the cgroup was removed: nothing more to learn */
        int notify_error;            /* v1: why there is no eventfd (-errno), else 0 */
        OomWatchHandler on_oom;
        void *userdata;
};

/* ---------------------------------------------------------------- parsing */

static int parse_u64(const char *p, const char *end, uint64_t *ret) {
        uint64_t v = 0;

        if (p == end)
                return -EBADMSG;
        for (; p < end; p++) {
                if (*p < '0' || *p > '9')
                        return -EBADMSG;
                if (v > (UINT64_MAX - (uint64_t) (*p - '0')) / 10)
                        return -EBADMSG;
                v = v * 10 + (uint64_t) (*p - '0');
        }
        *ret = v;
        return 0;
}

static bool key_is(const char *k, size_t kl, const char *name) {
        return kl == strlen(name) && memcmp(k, name, kl) == 0;
}

int oomwatch_parse_counters(const char *text, size_t len, OomCounters *ret) {
        OomCounters c = {};
        bool seen_oom = false, seen_group = false, seen_under = false, seen_disable = false;
        const char *p = text, *end = text + len;

        while (p < end) {
                const char *eol = memchr(p, '\n', (size_t) (end - p)), *sp;
                uint64_t v;
                size_t kl;
                bool *seen = NULL;
                int r;

                if (!eol)
                        eol = end;
                if (eol == p) {
                        /* an empty line: tolerated only as the very last thing in the text */
                        if (eol + 1 < end)
                                return -EBADMSG;
                        break;
                }
                sp = memchr(p, ' ', (size_t) (eol - p));
                if (!sp || sp == p)
                        return -EBADMSG;
                kl = (size_t) (sp - p);
                r = parse_u64(sp + 1, eol, &v);
                if (r < 0)
                        return r;
                if (key_is(p, kl, "oom_kill")) {
                        if (c.has_oom_kill)
                                return -EBADMSG;
                        c.has_oom_kill = true;
                        c.oom_kill = v;
                } else if (key_is(p, kl, "oom")) {
                        seen = &seen_oom;
                        c.oom = v;
                } else if (key_is(p, kl, "oom_group_kill")) {
                        seen = &seen_group;
                        c.oom_group_kill = v;
                } else if (key_is(p, kl, "under_oom")) {
                        seen = &seen_under;
                        c.under_oom = v != 0;
                } else if (key_is(p, kl, "oom_kill_disable")) {
                        seen = &seen_disable;
                        c.oom_kill_disable = v != 0;
                }
                if (seen) {
                        if (*seen)
                                return -EBADMSG;
                        *seen = true;
                }
                p = eol + 1;
        }
        if (!c.has_oom_kill)
                return -ENOENT;
        *ret = c;
        return 0;
}

/* pread the counter file and return its oom_kill. -ENODEV once the cgroup is gone. */
static int counter_read(int fd, uint64_t *ret) {
        char buf[4096];
        OomCounters c;
        ssize_t n;
        int r;

        n = pread(fd, buf, sizeof(buf), 0);
        if (n < 0)
                return -errno;
        if ((size_t) n == sizeof(buf))
                return -EBADMSG; /* these files are a few lines long */
        r = oomwatch_parse_counters(buf, (size_t) n, &c);
        if (r < 0)
                return r;
        *ret = c.oom_kill;
        return 0;
}

/* ---------------------------------------------------------------- the watch */

static void oomwatch_stop_sources(OomWatch *w) {
        w->io_source = sd_event_source_disable_unref(w->io_source);
        w->event_fd = safe_close(w->event_fd);
}

/*
 * Take the eventfd's signals (v1) and read the counter; on ENODEV the cgroup is gone and the sources
 * are stopped. The eventfd counts signals: one per OOM, plus one at the cgroup's removal. Signals
 * taken while the counter file still reads were OOMs; when it reads ENODEV one of them may be the
 * removal, so only the others count (a lone signal then is ambiguous and not counted).
 */
static void oomwatch_update(OomWatch *w) {
        uint64_t v = 0, k = 0;
        int r;

        if (w->gone)
                return;
        if (w->event_fd >= 0) {
                uint64_t signals;

                /* EAGAIN: no signal since the last read */
                k = read(w->event_fd, &signals, sizeof(signals)) == (ssize_t) sizeof(signals) ? signals : 0;
        }
        r = counter_read(w->counter_fd, &v);
        if (r == -ENODEV || r == -ENOENT) {
                if (k > 1)
                        w->notifications += k - 1;
                w->gone = true;
                oomwatch_stop_sources(w);
                return;
        }
        w->notifications += k;
        if (r >= 0 && v > w->count)
                w->count = v;
}

static int oomwatch_arm(OomWatch *w, uint64_t usec) {
        int r;

        r = sd_event_source_set_time(w->timer, now_monotonic_usec() + usec);
        if (r >= 0)
                r = sd_event_source_set_enabled(w->timer, SD_EVENT_ONESHOT);
        return r;
}

/* After a read: deliver a rise (now or after the settle time), or schedule a re-check. Returns
 * true when the handler was called (the watch may be gone: touch nothing afterwards). */
static bool oomwatch_process(OomWatch *w, bool notified) {
        uint64_t now = now_monotonic_usec();

        if (w->count > w->delivered) {
                if (w->rise_seen_usec == 0)
                        w->rise_seen_usec = now;
                w->recheck_left = 0;
                if (now >= w->rise_seen_usec + w->settle_usec) {
                        uint64_t v = w->count;

                        w->delivered = v;
                        w->rise_seen_usec = 0;
                        (void) sd_event_source_set_enabled(w->timer, SD_EVENT_OFF);
                        w->on_oom(w, v, w->userdata);
                        return true;
                }
                (void) oomwatch_arm(w, w->rise_seen_usec + w->settle_usec - now);
                return false;
        }
        if (notified && !w->gone) {
                /* an OOM has begun; its kill is counted a moment later */
                w->recheck_left = RECHECK_TRIES;
                w->recheck_next_usec = RECHECK_FIRST_USEC;
        }
        if (w->recheck_left > 0 && !w->gone) {
                w->recheck_left--;
                (void) oomwatch_arm(w, w->recheck_next_usec);
                w->recheck_next_usec *= 2;
        }
        return false;
}

static int oomwatch_on_eventfd(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        OomWatch *w = userdata;

        (void) s;
        (void) fd;
        (void) revents;
        oomwatch_update(w); /* reads (and so resets) the eventfd */
        (void) oomwatch_process(w, /* notified= */ true);
        return 0;
}

static int oomwatch_on_inotify(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        OomWatch *w = userdata;

        (void) s;
        if (ev->mask & (IN_IGNORED | IN_DELETE_SELF)) {
                w->gone = true;
                oomwatch_stop_sources(w);
                return 0;
        }
        oomwatch_update(w);
        (void) oomwatch_process(w, /* notified= */ true);
        return 0;
}

static int oomwatch_on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        OomWatch *w = userdata;

        (void) s;
        (void) usec;
        oomwatch_update(w);
        (void) oomwatch_process(w, /* notified= */ false);
        return 0;
}

/* v1: register the eventfd through cgroup.event_control. */
static int oomwatch_register_v1(OomWatch *w, const char *evc) {
        _cleanup_close_ int evc_fd = -1;
        char line[64];
        int k, r;

        evc_fd = open(evc, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        if (evc_fd < 0)
                return -errno;
        w->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (w->event_fd < 0)
                return -errno;
        k = snprintf(line, sizeof(line), "%d %d", w->event_fd, w->counter_fd);
        if (write(evc_fd, line, (size_t) k) != k)
                return errno > 0 ? -errno : -EIO;
        r = sd_event_add_io(w->event, &w->io_source, w->event_fd, EPOLLIN, oomwatch_on_eventfd, w);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(w->io_source, "oomwatch-v1");
        /* Before the pidfds: the counter must be read before the cgroup goes (FACTS.md 4.4). */
        (void) sd_event_source_set_priority(w->io_source, SD_EVENT_PRIORITY_IMPORTANT);
        return 0;
}

/* v1: eventfd + cgroup.event_control (Documentation/admin-guide/cgroup-v1/memory.rst §9); when that
 * cannot be written, the counter alone (see the top of this file). */
static int oomwatch_setup_v1(OomWatch *w, const char *dir) {
        _cleanup_free_ char *ctl = path_join(dir, "memory.oom_control"), *evc = path_join(dir, "cgroup.event_control");
        int r;

        if (!ctl || !evc)
                return -ENOMEM;
        w->counter_fd = open(ctl, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (w->counter_fd < 0)
                return -errno;
        r = counter_read(w->counter_fd, &w->baseline);
        if (r < 0)
                return r;
        w->kind = OOM_KIND_V1;
        r = oomwatch_register_v1(w, evc);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                static bool logged = false;

                oomwatch_stop_sources(w);
                w->notify_error = r;
                if (!logged) {
                        /* once per daemon: the same holds for every container on this host */
                        log_full_errno(LOG_INFO, r,
                                       "Cannot register for cgroup v1 OOM notifications (%s: %m): OOM kills are "
                                       "counted at discovery, at each exit and when the kernel probe names a "
                                       "victim; without the probe there are no oom entries for processes other "
                                       "than a container's init.", evc);
                        logged = true;
                }
        }
        return 0;
}

/* v2: memory.events changes are "file modified" events (cgroup-v2.rst); containerd does the same. */
static int oomwatch_setup_v2(OomWatch *w, const char *dir) {
        _cleanup_free_ char *evp = path_join(dir, "memory.events");
        int r;

        if (!evp)
                return -ENOMEM;
        w->counter_fd = open(evp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (w->counter_fd < 0)
                return -errno;
        r = counter_read(w->counter_fd, &w->baseline);
        if (r < 0)
                return r;
        r = sd_event_add_inotify(w->event, &w->io_source, evp, IN_MODIFY, oomwatch_on_inotify, w);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(w->io_source, "oomwatch-v2");
        (void) sd_event_source_set_priority(w->io_source, SD_EVENT_PRIORITY_IMPORTANT);
        w->kind = OOM_KIND_V2;
        return 0;
}

int oomwatch_new(sd_event *e, const char *cgroup_v1_memory_dir, const char *cgroup_unified_dir,
                 uint64_t settle_usec, OomWatchHandler on_oom, void *userdata, OomWatch **ret) {
        _cleanup_(oomwatch_freep) OomWatch *w = NULL;
        int r = -ENOENT;

        if (!e || !on_oom || !ret)
                return -EINVAL;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        *w = (OomWatch) {
                .event = sd_event_ref(e),
                .counter_fd = -1,
                .event_fd = -1,
                .settle_usec = settle_usec,
                .on_oom = on_oom,
                .userdata = userdata,
        };

        if (!isempty(cgroup_v1_memory_dir))
                r = oomwatch_setup_v1(w, cgroup_v1_memory_dir);
        if (r < 0 && r != -ENOMEM && !isempty(cgroup_unified_dir)) {
                oomwatch_stop_sources(w);
                w->counter_fd = safe_close(w->counter_fd);
                r = oomwatch_setup_v2(w, cgroup_unified_dir);
        } else if (r >= 0 && w->notify_error < 0 && !isempty(cgroup_unified_dir)) {
                /* v1 without notifications: v2's memory.events, if this layout has one, does better */
                int v1_fd = w->counter_fd, v1_error = w->notify_error;
                uint64_t v1_baseline = w->baseline;

                w->counter_fd = -1;
                w->notify_error = 0;
                if (oomwatch_setup_v2(w, cgroup_unified_dir) >= 0)
                        safe_close(v1_fd);
                else {
                        oomwatch_stop_sources(w);
                        w->counter_fd = safe_close(w->counter_fd);
                        w->counter_fd = v1_fd;
                        w->baseline = v1_baseline;
                        w->notify_error = v1_error;
                        w->kind = OOM_KIND_V1;
                }
        }
        if (r < 0)
                return r;

        r = sd_event_add_time(e, &w->timer, CLOCK_MONOTONIC, 0, 0, oomwatch_on_timer, w);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(w->timer, SD_EVENT_OFF);
        (void) sd_event_source_set_description(w->timer, "oomwatch-timer");
        (void) sd_event_source_set_priority(w->timer, SD_EVENT_PRIORITY_IMPORTANT);

        w->count = w->delivered = w->baseline;
        *ret = TAKE_PTR(w);
        return 0;
}

unsigned oomwatch_n_fds(const OomWatch *w) {
        return w ? (w->counter_fd >= 0) + (w->event_fd >= 0) : 0;
}

uint64_t oomwatch_count(const OomWatch *w) {
        return w->count;
}

uint64_t oomwatch_baseline(const OomWatch *w) {
        return w->baseline;
}

int oomwatch_refresh(OomWatch *w, uint64_t *ret) {
        oomwatch_update(w);
        /* the caller has seen the value now: no late handler call for it */
        w->delivered = w->count;
        w->rise_seen_usec = 0;
        w->recheck_left = 0;
        (void) sd_event_source_set_enabled(w->timer, SD_EVENT_OFF);
        if (ret)
                *ret = w->count;
        return w->gone ? -ENODEV : 0;
}

void oomwatch_poke(OomWatch *w) {
        if (!w || w->gone)
                return;
        /* The probe's record comes after the kill was counted (the kernel counts it before it
         * marks the victim); the re-checks cover a counter that lags all the same. */
        w->recheck_left = RECHECK_TRIES;
        w->recheck_next_usec = RECHECK_FIRST_USEC;
        if (w->rise_seen_usec == 0)
                (void) oomwatch_arm(w, 0);
}

uint64_t oomwatch_notifications(const OomWatch *w) {
        return w->notifications;
}

bool oomwatch_oom_seen(const OomWatch *w) {
        return w->count > w->baseline || w->notifications > 0;
}

int oomwatch_notify_error(const OomWatch *w) {
        return w->notify_error;
}

const char *oomwatch_kind(const OomWatch *w) {
        return w->kind == OOM_KIND_V1 ? "v1" : "v2";
}

OomWatch *oomwatch_free(OomWatch *w) {
        if (!w)
                return NULL;
        w->timer = sd_event_source_disable_unref(w->timer);
        oomwatch_stop_sources(w);
        w->counter_fd = safe_close(w->counter_fd);
        sd_event_unref(w->event);
        free(w);
        return NULL;
}

void oomwatch_freep(OomWatch **w) {
        oomwatch_free(*w);
}
