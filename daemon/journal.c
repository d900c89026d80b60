/* SPDX-License-Identifier: MIT */
/*
 * Container events to the journal, the console and stdout (see journal.h).
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

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
        char *v;

        if (isempty(value))
                return 0;
        if (ev->n_fields >= EVENT_FIELDS_MAX)
                return -E2BIG;
        v = strdup(value);
        if (!v)
                return -ENOMEM;
        ev->fields[ev->n_fields++] = (EventField) { .key = key, .value = v };
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
                        return ev->fields[i].value;
        return NULL;
}

void event_clear(Event *ev) {
        for (size_t i = 0; i < ev->n_fields; i++)
                free(ev->fields[i].value);
        ev->n_fields = 0;
}

static int emit_journal(const Event *ev) {
        struct iovec iov[EVENT_FIELDS_MAX + 3];
        char *bufs[EVENT_FIELDS_MAX + 3] = {};
        size_t n = 0;
        int r = 0;

        if (asprintf(&bufs[n], "PRIORITY=%i", ev->priority) < 0 ||
            asprintf(&bufs[n + 1], "SYSLOG_IDENTIFIER=%s", LOG_IDENTIFIER) < 0 ||
            asprintf(&bufs[n + 2], "MESSAGE_ID=%s", ev->message_id) < 0) {
                r = -ENOMEM;
                goto finish;
        }
        n = 3;
        for (size_t i = 0; i < ev->n_fields; i++, n++)
                if (asprintf(&bufs[n], "%s=%s", ev->fields[i].key, ev->fields[i].value) < 0) {
                        r = -ENOMEM;
                        goto finish;
                }
        for (size_t i = 0; i < n; i++)
                iov[i] = (struct iovec) { .iov_base = bufs[i], .iov_len = strlen(bufs[i]) };
        r = sd_journal_sendv(iov, (int) n);
finish:
        for (size_t i = 0; i < ELEMENTSOF(bufs); i++)
                free(bufs[i]);
        return r;
}

static json_t *json_string_safe(const char *s) {
        json_t *j = json_string(s);
        _cleanup_free_ char *esc = NULL;

        if (j)
                return j;
        /* not valid UTF-8: escape it rather than drop it */
        esc = cescape(s);
        return esc ? json_string(esc) : NULL;
}

void event_print_json(const Event *ev, bool header) {
        json_t *o = json_object();
        char pri[8];

        if (!o)
                return;
        if (header) {
                snprintf(pri, sizeof(pri), "%i", ev->priority);
                (void) json_object_set_new(o, "MESSAGE_ID", json_string(ev->message_id));
                (void) json_object_set_new(o, "PRIORITY", json_string(pri));
                (void) json_object_set_new(o, "SYSLOG_IDENTIFIER", json_string(LOG_IDENTIFIER));
        }
        for (size_t i = 0; i < ev->n_fields; i++)
                (void) json_object_set_new(o, ev->fields[i].key, json_string_safe(ev->fields[i].value));
        if (json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER) == 0)
                fputc('\n', stdout);
        (void) fflush(stdout);
        json_decref(o);
}

int journal_emit(const Event *ev) {
        int r = 0;

        if (sink_json)
                event_print_json(ev, /* header= */ true);
        if (sink_journal)
                r = emit_journal(ev);
        if (sink_console || r < 0) {
                _cleanup_free_ char *esc = cescape(event_get(ev, "MESSAGE") ?: "");

                fprintf(stderr, "%s\n", esc ?: "");
        }
        return r;
}
