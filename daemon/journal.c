/* SPDX-License-Identifier: MIT */
/*
 * Container events to the journal, the console and stdout (see journal.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>

#include "catalog-ids.h"
#include "journal-test.h" /* the two functions only the unit test calls */
#include "journal.h"
#include "log.h"
#include "util/cleanup.h"
#include "util/json-line.h"
#include "util/queue-mem.h"
#include "util/strutil.h"
#include "util/time.h"

/* What waits for the journal to take an entry (journal_when_taken). */
typedef struct Action {
        struct Action *next;
        JournalTakenHandler fn;
        void *data;
        void (*free_data)(void *data);
} Action;

/* An event the journal could not take yet: its fields copied into the one allocation (a burst of
 * 10,000 queued entries made 30 small allocations each, which left the heap in holes after the
 * queue drained), in queue memory (util/queue-mem.h) with its actions: not between the heap's
 * long-lived allocations. */
typedef struct Entry {
        struct Entry *next;
        Action *actions, *actions_tail;  /* to run, in order, once it left the queue */
        const char *message_id;  /* static, as in Event */
        int priority;
        size_t n;
        EventField fields[];
} Entry;

struct Journal {
        sd_event *event;
        sd_event_source *retry;      /* armed only while events wait */
        sd_event_source *writable;   /* EPOLLOUT on fd, armed while journald's queue is full */
        int fd, writable_fd;         /* our socket to journald (-1: none), and the one writable is on */
        bool warned;                 /* the "unavailable" warning was given for this outage */
        bool stalled;                /* journald took nothing within JOURNAL_FULL_WAIT_USEC */
        uint64_t taken;              /* queued events taken, for telling a stall from a slow journald */
        uint64_t taken_at_tick;
        JournalDeliveredHandler on_delivered;
        void *userdata;
        char *socket;                /* NULL: JOURNAL_SOCKET */
        bool sink_journal, sink_console, sink_json;
        /* Events the journal could not take yet, oldest first (DESIGN: nothing lost while journald
         * is restarted or down), and how many were dropped past the bound. */
        Entry *head, *tail;
        size_t len, max;
        bool hold_all;               /* the start-up scan: no event dropped or waited for at max */
        uint64_t dropped, dropped_total;
};

static Action *action_free(Action *a) {
        if (a->free_data)
                a->free_data(a->data);
        queue_mem_free(a);
        return NULL;
}

static Entry *entry_free(Entry *e) {
        if (!e)
                return NULL;
        while (e->actions) {
                Action *a = e->actions;

                e->actions = a->next;
                action_free(a);
        }
        queue_mem_free(e);
        return NULL;
}

static Entry *entry_new(const Event *ev) {
        size_t len[EVENT_FIELDS_MAX], total = 0;
        Entry *e;
        char *p;

        for (size_t i = 0; i < ev->n_fields; i++) {
                len[i] = strlen(ev->fields[i].kv) + 1;
                total += len[i];
        }
        e = queue_mem_zalloc(sizeof(*e) + ev->n_fields * sizeof(EventField) + total);
        if (!e)
                return NULL;
        e->message_id = ev->message_id;
        e->priority = ev->priority;
        p = (char *) &e->fields[ev->n_fields];
        for (size_t i = 0; i < ev->n_fields; i++) {
                e->fields[i] = ev->fields[i];
                e->fields[i].kv = memcpy(p, ev->fields[i].kv, len[i]);
                p += len[i];
        }
        e->n = ev->n_fields;
        return e;
}

/* Send one entry to the journal (log.c adds the header). */
static int fields_send(Journal *j, const char *message_id, int priority, const EventField *fields, size_t n) {
        struct iovec iov[EVENT_FIELDS_MAX];
        LogHeader h;

        for (size_t i = 0; i < n; i++)
                iov[i] = (struct iovec) { .iov_base = fields[i].kv, .iov_len = strlen(fields[i].kv) };
        log_header_init(&h, priority, message_id);
        return log_journal_sendv_fd(&j->fd, j->socket, &h, iov, n);
}

int journal_new(sd_event *e, JournalDeliveredHandler on_delivered, void *userdata, Journal **ret) {
        Journal *j = calloc(1, sizeof(*j));

        if (!j)
                return -ENOMEM;
        *j = (Journal) { .event = e ? sd_event_ref(e) : NULL, .on_delivered = on_delivered,
                         .userdata = userdata, .sink_console = true, .max = 8192, .fd = -1,
                         .writable_fd = -1 };
        *ret = j;
        return 0;
}

void journal_setup(Journal *j, bool to_journal, bool to_console, bool json) {
        j->sink_journal = to_journal;
        j->sink_console = to_console;
        j->sink_json = json;
}

void journal_set_queue_size(Journal *j, unsigned n) {
        j->max = n > 0 ? n : 1;
}

void journal_hold_all(Journal *j, bool on) {
        j->hold_all = on;
}

int journal_set_socket(Journal *j, const char *path) {
        char *p = path ? strdup(path) : NULL;

        if (path && !p)
                return -ENOMEM;
        free(j->socket);
        j->socket = p;
        return 0;
}

/* e has left the queue (taken by the journal, or dropped past the bound): what waited for it runs,
 * in order. */
static void entry_done(Journal *j, Entry *e) {
        while (e->actions) {
                Action *a = e->actions;

                e->actions = a->next;
                a->fn(a->data, j->userdata);
                action_free(a);
        }
        entry_free(e);
}

static void queue_push(Journal *j, Entry *e) {
        while (j->head && j->len >= j->max && !j->hold_all) {
                /* Past the bound the oldest go: the newest say the most about the host now. */
                Entry *old = j->head;

                j->head = old->next;
                if (!j->head)
                        j->tail = NULL;
                j->len--;
                entry_done(j, old);
                j->dropped++;
                j->dropped_total++;
        }
        e->next = NULL;
        if (j->tail)
                j->tail->next = e;
        else
                j->head = e;
        j->tail = e;
        j->len++;
}

size_t journal_queue_length(const Journal *j) {
        return j->len;
}

uint64_t journal_events_dropped(const Journal *j) {
        return j->dropped_total;
}

int journal_flush(Journal *j) {
        int r;

        if (j->dropped > 0) {
                char kv[300];
                EventField f[1] = { { .key = "MESSAGE", .kv = kv, .key_len = strlen("MESSAGE") } };

                snprintf(kv, sizeof(kv),
                         "MESSAGE=%" PRIu64 " container events were lost while the journal was unavailable "
                         "(at most %u are kept); they were printed on the console.",
                         j->dropped, (unsigned) j->max);
                r = fields_send(j, MESSAGE_ID_EVENTS_LOST, LOG_WARNING, f, 1);
                if (r < 0)
                        return r;
                j->dropped = 0;
        }
        while (j->head) {
                Entry *e = j->head;

                r = fields_send(j, e->message_id, e->priority, e->fields, e->n);
                if (r < 0)
                        return r;
                j->head = e->next;
                if (!j->head)
                        j->tail = NULL;
                j->len--;
                j->taken++;
                j->stalled = false;
                entry_done(j, e);
        }
        return 0;
}

int journal_when_taken(Journal *j, JournalTakenHandler fn, void *data, void (*free_data)(void *data)) {
        Action *a;

        if (!j->tail) {
                /* nothing waits: every event emitted so far is the journal's already */
                fn(data, j->userdata);
                if (free_data)
                        free_data(data);
                return 0;
        }
        a = queue_mem_alloc(sizeof(*a));
        if (!a) {
                if (free_data)
                        free_data(data);
                return -ENOMEM;
        }
        *a = (Action) { .fn = fn, .data = data, .free_data = free_data };
        if (j->tail->actions_tail)
                j->tail->actions_tail->next = a;
        else
                j->tail->actions = a;
        j->tail->actions_tail = a;
        return 0;
}

static void journal_wait_arm(Journal *j, int error);

/* The queue is empty again: say so if the outage was announced, and stop waiting. */
static void journal_resumed(Journal *j, size_t n) {
        if (j->warned)
                log_info("The journal is back, %zu queued events delivered.", n);
        else
                log_debug("The journal took %zu events that waited for room in its queue.", n);
        j->warned = false;
        if (j->retry)
                (void) sd_event_source_set_enabled(j->retry, SD_EVENT_OFF);
        if (j->writable)
                (void) sd_event_source_set_enabled(j->writable, SD_EVENT_OFF);
        if (j->on_delivered)
                j->on_delivered(j, n, j->userdata);
}

static int journal_on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        Journal *j = userdata;
        size_t n = j->len;
        bool stalled = j->taken == j->taken_at_tick;
        int r;

        (void) usec;
        r = journal_flush(j);
        if (r >= 0) {
                journal_resumed(j, n);
                return 0;
        }
        /* A journald that only fell behind takes events on EPOLLOUT between two ticks; one that
         * took none since the last tick is stopped or gone: now it is worth a warning. */
        if (stalled && !j->warned) {
                log_full_errno(LOG_WARNING, r,
                               "The journal is unavailable (%m), keeping events (up to %u) until it is back.",
                               (unsigned) j->max);
                j->warned = true;
        }
        j->taken_at_tick = j->taken;
        journal_wait_arm(j, r);
        return sd_event_source_set_time_relative(s, JOURNAL_RETRY_USEC) < 0 ? 0 :
               sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

static int journal_on_writable(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Journal *j = userdata;
        size_t n = j->len;
        int r;

        (void) s;
        (void) fd;
        (void) revents;
        r = journal_flush(j);
        if (r >= 0)
                journal_resumed(j, n);
        else
                journal_wait_arm(j, r);
        return 0;
}

/* Retry delivery in JOURNAL_RETRY_USEC, unless a retry is pending already. */
static void journal_retry_arm(Journal *j) {
        int r;

        if (!j->event || j->len == 0)
                return;
        if (j->retry) {
                if (sd_event_source_get_enabled(j->retry, NULL) > 0)
                        return;
                j->taken_at_tick = j->taken;
                r = sd_event_source_set_time_relative(j->retry, JOURNAL_RETRY_USEC);
                if (r >= 0)
                        r = sd_event_source_set_enabled(j->retry, SD_EVENT_ONESHOT);
        } else {
                j->taken_at_tick = j->taken;
                r = sd_event_add_time_relative(j->event, &j->retry, CLOCK_MONOTONIC, JOURNAL_RETRY_USEC,
                                               10 * USEC_PER_MSEC, journal_on_retry, j);
                if (r >= 0)
                        (void) sd_event_source_set_description(j->retry, "journal-retry");
        }
        if (r < 0)
                log_error_errno(r, "Failed to arm the journal retry timer: %m");
}

/*
 * After -EAGAIN journald is there but its socket's queue is full: deliver the moment it has room
 * (EPOLLOUT on our connected socket), not at the next tick of the retry timer. A burst of exits
 * fills a queue of 10 datagrams at once; waiting 250 ms for every few of them made 10,000 exits
 * take minutes to reach the journal. Any other error (no socket, nobody listening) has nothing to
 * wait on: the timer alone retries.
 */
static void journal_wait_arm(Journal *j, int error) {
        int r;

        if (!j->event || j->len == 0 || error != -EAGAIN || j->fd < 0)
                return;
        if (j->writable && j->writable_fd != j->fd)
                j->writable = sd_event_source_disable_unref(j->writable);
        if (j->writable)
                r = sd_event_source_set_enabled(j->writable, SD_EVENT_ONESHOT);
        else {
                r = sd_event_add_io(j->event, &j->writable, j->fd, EPOLLOUT, journal_on_writable, j);
                if (r >= 0) {
                        j->writable_fd = j->fd;
                        (void) sd_event_source_set_description(j->writable, "journal-writable");
                        r = sd_event_source_set_enabled(j->writable, SD_EVENT_ONESHOT);
                }
        }
        if (r < 0)
                log_debug_errno(r, "Cannot wait for room in the journal's queue, retrying on the timer: %m");
}

/* Wait at most usec for room in journald's socket queue (POLLOUT on our connected socket): true
 * when there is. */
static bool journal_wait_room(const Journal *j, uint64_t usec) {
        struct pollfd p = { .fd = j->fd, .events = POLLOUT };

        return j->fd >= 0 && poll(&p, 1, (int) ((usec + USEC_PER_MSEC - 1) / USEC_PER_MSEC)) > 0;
}

/*
 * Our queue is at its bound and journald's socket is full (EAGAIN): a burst larger than the bound
 * (10,000 exits at once) would drop events although journald is there and only behind. Wait for it,
 * as the blocking send did, but briefly: a journald that takes nothing within JOURNAL_FULL_WAIT_USEC
 * is stalled (stopped, or hung), and from then on nothing waits until it takes an event again, so
 * that the loop never stops for it.
 */
static void journal_wait_for_room(Journal *j) {
        while (j->len >= j->max && !j->stalled && j->fd >= 0) {
                if (!journal_wait_room(j, JOURNAL_FULL_WAIT_USEC)) {
                        j->stalled = true;
                        return;
                }
                if (journal_flush(j) != -EAGAIN)
                        return;
        }
}

static int emit_journal(Journal *j, const Event *ev) {
        bool was_empty = j->len == 0;
        Entry *e;
        int r;

        /* In order: while anything waits, new events wait behind it. */
        if (j->len == 0) {
                r = fields_send(j, ev->message_id, ev->priority, ev->fields, ev->n_fields);
                if (r >= 0)
                        return 0;
        } else
                r = -EAGAIN;

        e = entry_new(ev);
        if (!e)
                return -ENOMEM;
        if (r == -EAGAIN && j->len >= j->max && !j->hold_all)
                journal_wait_for_room(j);
        queue_push(j, e);
        /* A full queue (EAGAIN) is most often journald falling behind a burst: the warning waits
         * until it took nothing for a tick of the retry timer (journal_on_retry). */
        if (was_empty && r != -EAGAIN && !j->warned) {
                log_full_errno(LOG_WARNING, r,
                               "The journal is unavailable (%m), keeping events (up to %u) until it is back.",
                               (unsigned) j->max);
                j->warned = true;
        }
        return r;
}

char *event_to_json(const Event *ev, bool header, size_t *ret_len) {
        JsonLine j;
        char pri[8];
        int r;

        /* Written by hand rather than through jansson: this runs for every event, and building and
         * dumping a jansson object was a quarter of the daemon's instructions per container. */
        r = json_line_begin(&j, 4096);
        if (r < 0)
                return NULL;
        if (header) {
                snprintf(pri, sizeof(pri), "%i", ev->priority);
                r = json_line_member(&j, "MESSAGE_ID", ev->message_id);
                if (r >= 0)
                        r = json_line_member(&j, "PRIORITY", pri);
                if (r >= 0)
                        r = json_line_member(&j, "SYSLOG_IDENTIFIER", LOG_IDENTIFIER);
        }
        for (size_t i = 0; r >= 0 && i < ev->n_fields; i++)
                r = json_line_member(&j, ev->fields[i].key, event_field_value(&ev->fields[i]));
        if (r < 0) {
                json_line_done(&j);
                return NULL;
        }
        return json_line_end(&j, '\n', ret_len);
}

/* One --json line (made by event_to_json) to stdout, flushed. */
static void json_line_print(const char *line, size_t len) {
        (void) fwrite(line, 1, len, stdout);
        (void) fflush(stdout);
}

void event_print_json(const Event *ev, bool header) {
        size_t len;
        _cleanup_free_ char *buf = event_to_json(ev, header, &len);

        if (buf)
                json_line_print(buf, len);
}

bool journal_wants_json(const Journal *j) {
        return j->sink_json;
}

int journal_emit(Journal *j, const Event *ev, const char *json, size_t len) {
        int r = 0;

        if (j->sink_json) {
                if (json)
                        json_line_print(json, len);
                else
                        event_print_json(ev, /* header= */ true);
        }
        if (j->sink_journal)
                r = emit_journal(j, ev);
        /* Queued events are shown on the console meanwhile, so that they are not invisible, unless
         * journald is only behind (EAGAIN, nothing announced yet): under the unit the console is
         * journald too, and each would be there twice. */
        if (j->sink_console || (r < 0 && (r != -EAGAIN || j->warned))) {
                _cleanup_free_ char *esc = cescape(event_get(ev, "MESSAGE") ?: "");

                fprintf(stderr, "%s\n", esc ?: "");
        }
        if (r < 0) {
                journal_retry_arm(j);
                journal_wait_arm(j, r);
        }
        return r;
}

/* At the stop: a journald that is only behind gets up to JOURNAL_STOP_DRAIN_USEC to take what
 * waits (what the record writes once it is taken, too); a stopped one does not hold the stop up
 * for longer. */
static void journal_drain(Journal *j) {
        uint64_t deadline = now_monotonic_usec() + JOURNAL_STOP_DRAIN_USEC;

        while (j->len > 0 && journal_flush(j) == -EAGAIN) {
                uint64_t now = now_monotonic_usec();

                if (now >= deadline || !journal_wait_room(j, deadline - now))
                        break;
        }
}

Journal *journal_free(Journal *j) {
        if (!j)
                return NULL;
        j->retry = sd_event_source_disable_unref(j->retry);
        j->writable = sd_event_source_disable_unref(j->writable);
        if (j->len > 0)
                journal_drain(j);
        if (j->len > 0 && journal_flush(j) < 0)
                log_warning("%zu events could not be delivered to the journal before the stop.", j->len);
        while (j->head) {
                Entry *e = j->head;

                j->head = e->next;
                entry_free(e);
        }
        sd_event_unref(j->event);
        safe_close(j->fd);
        free(j->socket);
        free(j);
        return NULL;
}

