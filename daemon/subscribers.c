/* SPDX-License-Identifier: MIT */
/*
 * The subscriber socket (see subscribers.h). Messages are shared between the queues of all
 * subscribers that wait for them (reference-counted), so a burst costs one copy per event, not one
 * per subscriber.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "events.h"
#include "eventseq.h"
#include "journal.h"
#include "log.h"
#include "subscribers-test.h" /* subscribers.h and what only its tests call */
#include "util/cleanup.h"
#include "util/strutil.h"
#include "util/time.h"

typedef struct Message {
        unsigned ref;
        size_t len;
        char data[];
} Message;

typedef struct Subscriber {
        Subscribers *owner;
        struct Subscriber *next, *prev;
        int fd;
        unsigned id;               /* for the log */
        sd_event_source *io;
        sd_event_source *timeout;  /* armed while the queue is full */
        Message **queue;           /* ring of queue_size */
        size_t head, len, cap;
        uint64_t missed;           /* events dropped since the queue filled; a gap follows */
        /* the filter */
        char *manager;
        char *name_prefix;
        unsigned kinds;            /* bit per kind; 0: all */
} Subscriber;

struct Subscribers {
        sd_event *event;
        int fd;
        bool made_here;
        ino_t ino;                 /* of the socket made here, so that only it is removed */
        char *path;
        sd_event_source *listen;
        SubscribersLimits limits;
        Subscriber *list;
        unsigned n, next_id;
        uint64_t refused;          /* connections closed at once for the maximum */
        const EventSeq *seq;       /* for the hello; NULL: none */
};

static const char *const kind_names[] = { "started", "exited", "oom", "crashloop" };

static unsigned kind_bit(const char *kind) {
        for (size_t i = 0; kind && i < ELEMENTSOF(kind_names); i++)
                if (streq(kind, kind_names[i]))
                        return 1U << i;
        return 0;
}

static Message *message_unref(Message *m) {
        if (m && --m->ref == 0)
                free(m);
        return NULL;
}

static Message *message_new(const char *data, size_t len) {
        Message *m = malloc(sizeof(Message) + len);

        if (!m)
                return NULL;
        m->ref = 1;
        m->len = len;
        memcpy(m->data, data, len);
        return m;
}

static void subscriber_free(Subscriber *c) {
        Subscribers *s;

        if (!c)
                return;
        s = c->owner;
        if (c->prev)
                c->prev->next = c->next;
        else if (s->list == c)
                s->list = c->next;
        if (c->next)
                c->next->prev = c->prev;
        s->n--;
        sd_event_source_disable_unref(c->io);
        sd_event_source_disable_unref(c->timeout);
        for (size_t i = 0; i < c->len; i++)
                message_unref(c->queue[(c->head + i) % c->cap]);
        free(c->queue);
        free(c->manager);
        free(c->name_prefix);
        (void) safe_close(c->fd);
        free(c);
}

static int subscriber_update_io(Subscriber *c) {
        return sd_event_source_set_io_events(c->io, EPOLLIN | (c->len > 0 || c->missed > 0 ? EPOLLOUT : 0));
}

static int on_timeout(sd_event_source *src, uint64_t usec, void *userdata) {
        Subscriber *c = userdata;
        char span[32];

        (void) src;
        (void) usec;
        log_warning("Subscriber %u has not read its events for %s (%" PRIu64 " missed), closing the connection.",
                    c->id, format_timespan_short(span, sizeof(span), c->owner->limits.timeout_usec), c->missed);
        subscriber_free(c);
        return 0;
}

/* The queue is full: from now on events are counted, and a timer closes a subscriber that stays
 * stuck. */
static void subscriber_stall(Subscriber *c) {
        char span[32];
        int r;

        /* one line per stall: the first event it misses since it last read */
        if (c->missed++ == 0)
                log_warning("Subscriber %u does not keep up: its queue of %zu events is full; it misses events until it "
                            "reads again, then gets one gap message, and is closed if its queue stays full for %s.",
                            c->id, c->cap, format_timespan_short(span, sizeof(span), c->owner->limits.timeout_usec));
        if (c->timeout)
                return;
        r = sd_event_add_time_relative(c->owner->event, &c->timeout, CLOCK_MONOTONIC, c->owner->limits.timeout_usec,
                                       0, on_timeout, c);
        if (r < 0)
                log_debug_errno(r, "Failed to arm the timeout of subscriber %u: %m", c->id);
        else
                (void) sd_event_source_set_description(c->timeout, "subscriber-timeout");
}

/* Send what is queued, then the gap. 0 when done or blocked, <0 when the connection is to go. */
static int subscriber_flush(Subscriber *c) {
        bool progress = false;

        while (c->len > 0) {
                Message *m = c->queue[c->head];

                if (send(c->fd, m->data, m->len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
                        if (errno != EAGAIN)
                                return -errno;
                        /* it reads, if slowly: the timeout counts from its last progress */
                        if (progress && c->timeout)
                                (void) sd_event_source_set_time_relative(c->timeout, c->owner->limits.timeout_usec);
                        return 0;
                }
                progress = true;
                message_unref(m);
                c->head = (c->head + 1) % c->cap;
                c->len--;
        }
        if (c->missed > 0) {
                char gap[64];
                int n = snprintf(gap, sizeof(gap), "{\"gap\":\"%" PRIu64 "\"}", c->missed);

                if (send(c->fd, gap, (size_t) n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
                        return errno == EAGAIN ? 0 : -errno;
                log_debug("Subscriber %u missed %" PRIu64 " events.", c->id, c->missed);
                c->missed = 0;
                c->timeout = sd_event_source_disable_unref(c->timeout);
        }
        return 0;
}

static bool subscriber_wants(const Subscriber *c, const char *kind, const char *manager, const char *name) {
        if (c->kinds && !(c->kinds & kind_bit(kind)))
                return false;
        if (c->manager && !streq_ptr(c->manager, manager))
                return false;
        if (c->name_prefix && (!name || strncmp(name, c->name_prefix, strlen(c->name_prefix)) != 0))
                return false;
        return true;
}

/* A filter message. 0, or -EBADMSG with *ret_why saying what is wrong. */
static int subscriber_set_filter(Subscriber *c, const char *buf, size_t len, const char **ret_why) {
        json_auto_t *j = NULL;
        json_t *v;
        const char *key;
        char *manager = NULL, *prefix = NULL;
        unsigned kinds = 0;

        j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(j)) {
                *ret_why = "not a JSON object";
                return -EBADMSG;
        }
        json_object_foreach(j, key, v) {
                if (streq(key, "manager") || streq(key, "name_prefix")) {
                        if (!json_is_string(v)) {
                                *ret_why = "a filter value is not a string";
                                goto bad;
                        }
                        char **dst = streq(key, "manager") ? &manager : &prefix;

                        free(*dst);
                        *dst = strdup(json_string_value(v));
                        if (!*dst) {
                                *ret_why = "out of memory";
                                goto bad;
                        }
                } else if (streq(key, "events")) {
                        size_t i;
                        json_t *k;

                        if (!json_is_array(v)) {
                                *ret_why = "\"events\" is not an array";
                                goto bad;
                        }
                        json_array_foreach(v, i, k) {
                                unsigned b = kind_bit(json_string_value(k));

                                if (b == 0) {
                                        *ret_why = "an unknown event kind";
                                        goto bad;
                                }
                                kinds |= b;
                        }
                } else {
                        *ret_why = "an unknown filter key";
                        goto bad;
                }
        }
        free(c->manager);
        free(c->name_prefix);
        c->manager = manager;
        c->name_prefix = prefix;
        c->kinds = kinds;
        return 0;
bad:
        free(manager);
        free(prefix);
        return -EBADMSG;
}

static int on_subscriber_io(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        Subscriber *c = userdata;
        int r;

        (void) src;
        if (revents & EPOLLIN) {
                char buf[SUBSCRIBERS_FILTER_MAX + 1];
                ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
                const char *why = NULL;

                if (n < 0 && errno != EAGAIN && errno != EINTR) {
                        log_debug_errno(errno, "Subscriber %u: %m, closing.", c->id);
                        subscriber_free(c);
                        return 0;
                }
                if (n == 0) {
                        /* the subscriber hung up */
                        subscriber_free(c);
                        return 0;
                }
                if (n > SUBSCRIBERS_FILTER_MAX) {
                        log_warning("Subscriber %u sent a message of %zd bytes (at most %d), closing the connection.",
                                    c->id, n, SUBSCRIBERS_FILTER_MAX);
                        subscriber_free(c);
                        return 0;
                }
                if (n > 0 && subscriber_set_filter(c, buf, (size_t) n, &why) < 0) {
                        log_warning("Subscriber %u sent a bad filter (%s), closing the connection.", c->id, why);
                        subscriber_free(c);
                        return 0;
                }
        }
        if (revents & (EPOLLHUP | EPOLLERR)) {
                subscriber_free(c);
                return 0;
        }
        if (revents & EPOLLOUT) {
                r = subscriber_flush(c);
                if (r < 0) {
                        subscriber_free(c);
                        return 0;
                }
        }
        (void) subscriber_update_io(c);
        return 0;
}

static int on_accept(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        Subscribers *s = userdata;

        (void) src;
        (void) revents;
        for (;;) {
                _cleanup_close_ int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                Subscriber *c;
                int r;

                if (cfd < 0) {
                        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                                log_debug_errno(errno, "Failed to accept a subscriber: %m");
                        return 0;
                }
                if (s->n >= s->limits.max_subscribers) {
                        /* one line per power of two, so that thousands of clients are not
                         * thousands of lines */
                        s->refused++;
                        if ((s->refused & (s->refused - 1)) == 0)
                                log_warning("Too many subscribers (at most %u): %" PRIu64 " connection%s closed at once so far.",
                                            s->limits.max_subscribers, s->refused, s->refused == 1 ? "" : "s");
                        continue;
                }
                c = calloc(1, sizeof(*c));
                if (!c)
                        return 0;
                c->cap = s->limits.queue_size > 0 ? s->limits.queue_size : 1;
                c->queue = calloc(c->cap, sizeof(Message *));
                if (!c->queue) {
                        free(c);
                        return 0;
                }
                c->owner = s;
                c->fd = TAKE_FD(cfd);
                c->id = ++s->next_id;
                c->next = s->list;
                if (s->list)
                        s->list->prev = c;
                s->list = c;
                s->n++;
                r = sd_event_add_io(s->event, &c->io, c->fd, EPOLLIN, on_subscriber_io, c);
                if (r < 0) {
                        log_debug_errno(r, "Failed to watch subscriber %u: %m", c->id);
                        subscriber_free(c);
                        continue;
                }
                (void) sd_event_source_set_description(c->io, "subscriber");
                if (s->seq) {
                        /* the hello: where the live stream starts (a fresh socket's buffer is empty),
                         * and where the run before ended, when the record says */
                        const EventSeqRun *prev = eventseq_prev(s->seq);
                        char hello[256];
                        int n = snprintf(hello, sizeof(hello),
                                         "{\"EVENT_SEQ_NEXT\":\"%" PRIu64 "\",\"EVENT_SEQ_FIRST\":\"%" PRIu64 "\"",
                                         eventseq_next(s->seq), eventseq_first(s->seq));

                        if (prev)
                                n += snprintf(hello + n, sizeof(hello) - (size_t) n,
                                              ",\"EVENT_SEQ_PREV_FIRST\":\"%" PRIu64 "\",\"EVENT_SEQ_PREV_END\":\"%" PRIu64
                                              "\",\"EVENT_SEQ_PREV_STOP\":\"%s\"",
                                              prev->first, prev->end, prev->clean ? "clean" : "crash");
                        n += snprintf(hello + n, sizeof(hello) - (size_t) n, "}");

                        if (send(c->fd, hello, (size_t) n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
                                log_debug_errno(errno, "Subscriber %u: %m, closing.", c->id);
                                subscriber_free(c);
                                continue;
                        }
                }
                log_debug("Subscriber %u connected.", c->id);
        }
}

/* A listening SOCK_SEQPACKET socket on path passed by systemd, or -ENOENT. */
static int listen_fd_passed(const char *path) {
        int n = sd_listen_fds(/* unset_environment= */ 0);

        for (int fd = SD_LISTEN_FDS_START; n > 0 && fd < SD_LISTEN_FDS_START + n; fd++)
                if (sd_is_socket_unix(fd, SOCK_SEQPACKET, 1, path, 0) > 0)
                        return fd;
        return -ENOENT;
}

static int listen_fd_make(const char *path, ino_t *ret_ino) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *dir = NULL;
        struct group *g;
        struct stat st;
        char *slash;
        mode_t old;
        int r;

        if (strlen(path) >= sizeof(sa.sun_path) || path[0] != '/')
                return -EINVAL;
        memcpy(sa.sun_path, path, strlen(path) + 1);
        dir = strdup(path);
        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = 0;
                if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                        return -errno;
        }
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        /* A socket left by an earlier run is replaced; one that a running daemon listens on, or
         * anything that is not a socket, is not ours to remove. */
        if (lstat(path, &st) == 0) {
                _cleanup_close_ int probe = -1;

                if (!S_ISSOCK(st.st_mode))
                        return -EEXIST;
                probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
                if (probe < 0)
                        return -errno;
                if (connect(probe, (struct sockaddr *) &sa, sizeof(sa)) == 0 || errno == EAGAIN)
                        return -EADDRINUSE;
                (void) unlink(path);
        }
        old = umask(0077);
        r = bind(fd, (struct sockaddr *) &sa, sizeof(sa));
        umask(old);
        if (r < 0)
                return -errno;
        /* the system journal's access: root and the group systemd-journal */
        g = getgrnam("systemd-journal");
        if (g && chown(path, 0, g->gr_gid) >= 0)
                (void) chmod(path, 0660);
        if (listen(fd, SOMAXCONN) < 0)
                return -errno;
        if (ret_ino) {
                if (lstat(path, &st) < 0)
                        return -errno;
                *ret_ino = st.st_ino;
        }
        return TAKE_FD(fd);
}

int subscribers_new(sd_event *e, const char *path, const SubscribersLimits *limits, Subscribers **ret) {
        _cleanup_(subscribers_freep) Subscribers *s = NULL;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->fd = -1;
        s->event = sd_event_ref(e);
        s->limits = *limits;
        s->path = strdup(path);
        if (!s->path)
                return -ENOMEM;
        s->fd = listen_fd_passed(path);
        if (s->fd < 0) {
                s->fd = listen_fd_make(path, &s->ino);
                if (s->fd < 0)
                        return s->fd;
                s->made_here = true;
        } else {
                int fl = fcntl(s->fd, F_GETFL);

                if (fl < 0 || fcntl(s->fd, F_SETFL, fl | O_NONBLOCK) < 0)
                        return -errno;
        }
        r = sd_event_add_io(e, &s->listen, s->fd, EPOLLIN, on_accept, s);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(s->listen, "subscribers-listen");
        *ret = TAKE_PTR(s);
        return 0;
}

Subscribers *subscribers_free(Subscribers *s) {
        if (!s)
                return NULL;
        while (s->list)
                subscriber_free(s->list);
        sd_event_source_disable_unref(s->listen);
        if (s->made_here && s->path) {
                struct stat st;

                if (lstat(s->path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_ino == s->ino)
                        (void) unlink(s->path);
        }
        (void) safe_close(s->fd);
        free(s->path);
        sd_event_unref(s->event);
        free(s);
        return NULL;
}

void subscribers_set_limits(Subscribers *s, const SubscribersLimits *limits) {
        s->limits = *limits;
}

unsigned subscribers_count(const Subscribers *s) {
        return s ? s->n : 0;
}

int subscribers_publish(Subscribers *s, const char *kind, const char *manager, const char *name,
                        const char *json, size_t len) {
        Message *m = NULL;
        int ret = 0;

        if (!s)
                return 0;
        for (Subscriber *c = s->list, *next; c; c = next) {
                next = c->next;
                if (!subscriber_wants(c, kind, manager, name))
                        continue;
                /* what waits goes first, here too: in a burst the loop may not get to the
                 * subscriber's EPOLLOUT before its queue fills, though it reads */
                if ((c->len > 0 || c->missed > 0) && subscriber_flush(c) < 0) {
                        subscriber_free(c);
                        continue;
                }
                if (c->len == 0 && c->missed == 0) {
                        if (send(c->fd, json, len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
                                continue;
                        if (errno != EAGAIN) {
                                log_debug_errno(errno, "Subscriber %u: %m, closing.", c->id);
                                subscriber_free(c);
                                continue;
                        }
                }
                if (c->missed > 0 || c->len >= c->cap) {
                        subscriber_stall(c);
                        continue;
                }
                if (!m) {
                        m = message_new(json, len); /* this loop's reference, dropped below */
                        if (!m) {
                                ret = -ENOMEM;
                                subscriber_stall(c);
                                continue;
                        }
                }
                m->ref++;
                c->queue[(c->head + c->len) % c->cap] = m;
                c->len++;
                (void) subscriber_update_io(c);
        }
        if (m)
                message_unref(m);
        return ret;
}

SubscribersLimits subscribers_limits(const Config *c) {
        return (SubscribersLimits) {
                .max_subscribers = c->max_subscribers,
                .queue_size = c->subscriber_queue_size,
                .timeout_usec = c->subscriber_timeout_usec,
        };
}

int subscribers_new_from_config(sd_event *e, const Config *c, const EventSeq *seq, Subscribers **ret) {
        SubscribersLimits l = subscribers_limits(c);
        int r;

        r = subscribers_new(e, c->events_socket, &l, ret);
        if (r >= 0)
                (*ret)->seq = seq;
        return r;
}

void subscribers_configure(Subscribers *s, const Config *c) {
        SubscribersLimits l;

        if (!s)
                return;
        l = subscribers_limits(c);
        subscribers_set_limits(s, &l);
}

bool subscribers_listening(const Subscribers *s) {
        return s && s->list;
}

void subscribers_publish_event(Subscribers *s, const Event *ev, const char *json, size_t len) {
        _cleanup_free_ char *own = NULL;

        if (!s || !s->list)
                return;
        if (!json) {
                own = event_to_json(ev, /* header= */ true, &len);
                if (!own)
                        return;
                json = own;
        }
        /* the same object as the --json line, without its newline */
        (void) subscribers_publish(s, event_get(ev, "CONTAINER_EVENT"), event_get(ev, "CONTAINER_MANAGER"),
                                   event_get(ev, "CONTAINER_NAME"), json, len - 1);
}
