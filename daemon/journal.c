/* SPDX-License-Identifier: MIT */
/*
 * Container events to the journal, the console and stdout (see journal.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <inttypes.h>
#include <unistd.h>

#include "catalog-ids.h"
#include "journal.h"
#include "log.h"
#include "util/cleanup.h"
#include "util/strutil.h"

static bool sink_journal = false, sink_console = true, sink_json = false;

void journal_setup(bool to_journal, bool to_console, bool json) {
        sink_journal = to_journal;
        sink_console = to_console;
        sink_json = json;
}

void event_init(Event *ev, const char *message_id, int priority) {
        *ev = (Event) { .message_id = message_id, .priority = priority };
}

int event_add(Event *ev, const char *key, const char *value) {
        size_t kl, vl;
        char *kv;

        if (isempty(value))
                return 0;
        if (ev->n_fields >= EVENT_FIELDS_MAX)
                return -E2BIG;
        /* Stored the way the journal takes it, so that sending needs no copy. */
        kl = strlen(key);
        vl = strlen(value);
        kv = malloc(kl + 1 + vl + 1);
        if (!kv)
                return -ENOMEM;
        memcpy(kv, key, kl);
        kv[kl] = '=';
        memcpy(kv + kl + 1, value, vl + 1);
        ev->fields[ev->n_fields++] = (EventField) { .key = key, .kv = kv, .key_len = kl };
        return 0;
}

int event_addf(Event *ev, const char *key, const char *format, ...) {
        _cleanup_free_ char *v = NULL;
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(&v, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return event_add(ev, key, v);
}

const char *event_get(const Event *ev, const char *key) {
        for (size_t i = 0; i < ev->n_fields; i++)
                if (streq(ev->fields[i].key, key))
                        return event_field_value(&ev->fields[i]);
        return NULL;
}

void event_clear(Event *ev) {
        for (size_t i = 0; i < ev->n_fields; i++)
                free(ev->fields[i].kv);
        ev->n_fields = 0;
}

/* An event the journal could not take yet: its fields copied. */
typedef struct Entry {
        struct Entry *next;
        const char *message_id;  /* static, as in Event */
        int priority;
        size_t n;
        EventField fields[];
} Entry;

static Entry *entry_free(Entry *e) {
        if (!e)
                return NULL;
        for (size_t i = 0; i < e->n; i++)
                free(e->fields[i].kv);
        free(e);
        return NULL;
}

static Entry *entry_new(const Event *ev) {
        Entry *e = calloc(1, sizeof(*e) + ev->n_fields * sizeof(EventField));

        if (!e)
                return NULL;
        e->message_id = ev->message_id;
        e->priority = ev->priority;
        for (size_t i = 0; i < ev->n_fields; i++) {
                e->fields[i] = ev->fields[i];
                e->fields[i].kv = strdup(ev->fields[i].kv);
                if (!e->fields[i].kv)
                        return entry_free(e);
                e->n++;
        }
        return e;
}

/* Send one entry to the journal (log.c adds the header). */
static int fields_send(const char *message_id, int priority, const EventField *fields, size_t n) {
        struct iovec iov[EVENT_FIELDS_MAX];
        LogHeader h;

        for (size_t i = 0; i < n; i++)
                iov[i] = (struct iovec) { .iov_base = fields[i].kv, .iov_len = strlen(fields[i].kv) };
        log_header_init(&h, priority, message_id);
        return log_journal_sendv(&h, iov, n);
}

static int entry_send(const Entry *e) {
        return fields_send(e->message_id, e->priority, e->fields, e->n);
}

/* Events the journal could not take yet, oldest first (DESIGN: nothing lost while journald is
 * restarted or down), and how many were dropped past the bound. */
static Entry *queue_head = NULL, *queue_tail = NULL;
static size_t queue_len = 0;
static size_t queue_max = 8192;

void journal_set_queue_size(unsigned n) {
        queue_max = n > 0 ? n : 1;
}
static uint64_t queue_dropped = 0, queue_dropped_total = 0;

static void queue_push(Entry *e) {
        while (queue_head && queue_len >= queue_max) {
                /* Past the bound the oldest go: the newest say the most about the host now. */
                Entry *old = queue_head;

                queue_head = old->next;
                if (!queue_head)
                        queue_tail = NULL;
                entry_free(old);
                queue_len--;
                queue_dropped++;
                queue_dropped_total++;
        }
        e->next = NULL;
        if (queue_tail)
                queue_tail->next = e;
        else
                queue_head = e;
        queue_tail = e;
        queue_len++;
}

size_t journal_queue_length(void) {
        return queue_len;
}

uint64_t journal_events_dropped(void) {
        return queue_dropped_total;
}

int journal_flush(void) {
        int r;

        if (queue_dropped > 0) {
                char kv[300];
                EventField f[1] = { { .key = "MESSAGE", .kv = kv, .key_len = strlen("MESSAGE") } };

                snprintf(kv, sizeof(kv),
                         "MESSAGE=%" PRIu64 " container events were lost while the journal was unavailable "
                         "(at most %u are kept); they were printed on the console.",
                         queue_dropped, (unsigned) queue_max);
                r = fields_send(MESSAGE_ID_EVENTS_LOST, LOG_WARNING, f, 1);
                if (r < 0)
                        return r;
                queue_dropped = 0;
        }
        while (queue_head) {
                r = entry_send(queue_head);
                if (r < 0)
                        return r;
                Entry *e = queue_head;

                queue_head = e->next;
                if (!queue_head)
                        queue_tail = NULL;
                entry_free(e);
                queue_len--;
        }
        return 0;
}

static int emit_journal(const Event *ev) {
        bool was_empty = queue_len == 0;
        Entry *e;
        int r;

        /* In order: while anything waits, new events wait behind it. */
        if (queue_len == 0) {
                r = fields_send(ev->message_id, ev->priority, ev->fields, ev->n_fields);
                if (r >= 0)
                        return 0;
        } else
                r = -EAGAIN;

        e = entry_new(ev);
        if (!e)
                return -ENOMEM;
        queue_push(e);
        if (was_empty)
                log_full_errno(LOG_WARNING, r,
                               "The journal is unavailable (%m), keeping events (up to %u) until it is back.",
                               (unsigned) queue_max);
        return r;
}

/* One "key":"value" member; a value that is not valid UTF-8 is written C-escaped (as text). */
static int json_append_member(char **buf, size_t *len, size_t *cap, const char *key, const char *value) {
        _cleanup_free_ char *esc = NULL;
        int r;

        if (!utf8_is_valid(value)) {
                esc = cescape(value);
                if (!esc)
                        return -ENOMEM;
                value = esc;
        }
        if (*len > 1)
                (*buf)[(*len)++] = ','; /* json_append_string reserved room beyond its own needs */
        r = json_append_string(buf, len, cap, key);
        if (r < 0)
                return r;
        (*buf)[(*len)++] = ':';
        return json_append_string(buf, len, cap, value);
}

void event_print_json(const Event *ev, bool header) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 4096;
        char pri[8];
        int r = 0;

        /* Written by hand rather than through jansson: this runs for every event, and building and
         * dumping a jansson object was a quarter of the daemon's instructions per container. */
        buf = malloc(cap);
        if (!buf)
                return;
        buf[len++] = '{';
        if (header) {
                snprintf(pri, sizeof(pri), "%i", ev->priority);
                r = json_append_member(&buf, &len, &cap, "MESSAGE_ID", ev->message_id);
                if (r >= 0)
                        r = json_append_member(&buf, &len, &cap, "PRIORITY", pri);
                if (r >= 0)
                        r = json_append_member(&buf, &len, &cap, "SYSLOG_IDENTIFIER", LOG_IDENTIFIER);
        }
        for (size_t i = 0; r >= 0 && i < ev->n_fields; i++)
                r = json_append_member(&buf, &len, &cap, ev->fields[i].key, event_field_value(&ev->fields[i]));
        if (r < 0)
                return;
        /* json_append_string always leaves room for two more bytes */
        buf[len++] = '}';
        buf[len++] = '\n';
        (void) fwrite(buf, 1, len, stdout);
        (void) fflush(stdout);
}

int journal_emit(const Event *ev) {
        int r = 0;

        if (sink_json)
                event_print_json(ev, /* header= */ true);
        if (sink_journal)
                r = emit_journal(ev);
        /* queued events are shown on the console meanwhile, so that they are not invisible */
        if (sink_console || r < 0) {
                _cleanup_free_ char *esc = cescape(event_get(ev, "MESSAGE") ?: "");

                fprintf(stderr, "%s\n", esc ?: "");
        }
        return r;
}
