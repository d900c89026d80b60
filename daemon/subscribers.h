/* SPDX-License-Identifier: MIT */
/*
 * The subscriber socket: /run/container-watchd/events (SOCK_SEQPACKET), one JSON event per
 * message, the same objects as --json. Owns the listening socket (passed by systemd through
 * sd_listen_fds(), or made here), every subscriber's connection, its bounded queue and its filter.
 * Knows nothing of containers: the caller hands it each event's kind, manager and name with the
 * JSON line. A slow subscriber never delays the caller or the others: past its queue, events are
 * counted, and one {"gap":"N"} message says how many were missed once it reads again.
 *
 * A subscriber may send a filter at any time, one JSON object per message:
 *   {"manager": "docker", "name_prefix": "web", "events": ["exited", "oom"]}
 * (each key optional; a new filter replaces the old one). Anything else, a message larger than
 * SUBSCRIBERS_FILTER_MAX, or a queue left full for the timeout closes the connection with one line
 * in the log. Past the maximum number of subscribers, new connections are closed at once.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sd_event sd_event;
typedef struct Config Config;
typedef struct Event Event;
typedef struct EventSeq EventSeq;
typedef struct Subscribers Subscribers;

#define SUBSCRIBERS_FILTER_MAX 4096

typedef struct SubscribersLimits {
        unsigned max_subscribers;  /* connections at once */
        unsigned queue_size;       /* messages kept per subscriber beyond the socket's own buffer */
        uint64_t timeout_usec;     /* a full queue for this long closes the connection */
} SubscribersLimits;

/*
 * Listen on path: the SOCK_SEQPACKET socket systemd passed for it (sd_listen_fds), else a new one
 * (parent directory 0755, socket root:systemd-journal 0660, or 0600 without that group).
 * Returns 0 or a negative errno.
 */
int subscribers_new(sd_event *e, const char *path, const SubscribersLimits *limits, Subscribers **ret);

/* Close every connection and the socket (the path is unlinked when this module made it);
 * accepts NULL; returns NULL. */
Subscribers *subscribers_free(Subscribers *s);
static inline void subscribers_freep(Subscribers **s) {
        subscribers_free(*s);
}

/* New limits (reload); existing queues keep what they hold. */
void subscribers_set_limits(Subscribers *s, const SubscribersLimits *limits);

/*
 * Offer one event to every subscriber whose filter takes it: kind ("started", "exited", "oom"),
 * manager and name (NULL when unknown), json the object (no newline needed; len bytes).
 * Never blocks. Returns 0 or -ENOMEM (the event is then missed by those that needed a copy).
 */
int subscribers_publish(Subscribers *s, const char *kind, const char *manager, const char *name,
                        const char *json, size_t len);

/* The limits of a configuration ([Events]). */
SubscribersLimits subscribers_limits(const Config *c);

/*
 * subscribers_new() on c's Socket= with c's limits; seq (borrowed, may be NULL) gives each new
 * subscriber its hello, {"EVENT_SEQ_NEXT":"M","EVENT_SEQ_FIRST":"F"}: the EVENT_SEQ of the next
 * event and the first of this run, then the run before as the record names it
 * ("EVENT_SEQ_PREV_FIRST", "EVENT_SEQ_PREV_END", "EVENT_SEQ_PREV_STOP", DESIGN.md §5).
 */
int subscribers_new_from_config(sd_event *e, const Config *c, const EventSeq *seq, Subscribers **ret);

/* c's limits for s (reload); accepts NULL s. */
void subscribers_configure(Subscribers *s, const Config *c);

/*
 * Offer ev to every subscriber whose filter takes it, as the --json object (header included,
 * without the newline): json and len as event_to_json made them (the newline counted in len), or
 * NULL to have it made here. Accepts NULL s (no socket). Never blocks; an event that could not be
 * copied (ENOMEM) is missed by those that needed a copy, and they get their gap.
 */
void subscribers_publish_event(Subscribers *s, const Event *ev, const char *json, size_t len);
/* Whether anyone is connected (an event's line is worth making). Accepts NULL s. */
bool subscribers_listening(const Subscribers *s);
