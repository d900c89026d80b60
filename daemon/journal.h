/* SPDX-License-Identifier: MIT */
/*
 * Container events: their writer to the journal (through log_journal_sendv), to --json lines and
 * to console lines. An Event is a list of journal fields built by the manager; this module
 * sends it to every enabled sink (log.c adds PRIORITY, SYSLOG_IDENTIFIER and MESSAGE_ID).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define EVENT_FIELDS_MAX LOG_JOURNAL_FIELDS_MAX

typedef struct EventField {
        const char *key;     /* static string: a journal field name */
        char *kv;            /* owned: "KEY=value", as the journal takes it */
        size_t key_len;      /* the value starts at kv + key_len + 1 */
} EventField;

static inline const char *event_field_value(const EventField *f) {
        return f->kv + f->key_len + 1;
}

typedef struct Event {
        const char *message_id;
        int priority;
        EventField fields[EVENT_FIELDS_MAX];
        size_t n_fields;
} Event;

/* Start an event of the given kind; fields are added with event_add*(). */
void event_init(Event *ev, const char *message_id, int priority);
/* Add KEY=value (copied). NULL or empty values are skipped. Returns 0 or -ENOMEM / -E2BIG. */
int event_add(Event *ev, const char *key, const char *value);
int event_addf(Event *ev, const char *key, const char *format, ...) __attribute__((format(printf, 3, 4)));
/* The value of a field already added, or NULL. */
const char *event_get(const Event *ev, const char *key);
/* Free the values. */
void event_clear(Event *ev);

/* Print ev as one JSON object on one line of stdout (keys = field names; with header, also
 * MESSAGE_ID, PRIORITY, SYSLOG_IDENTIFIER) and flush. */
void event_print_json(const Event *ev, bool header);

/* How many events are kept in memory while the journal is unavailable (JournalQueueSize=); past
 * that the oldest are dropped, and a MESSAGE_ID_EVENTS_LOST entry says how many once it is back. */
void journal_set_queue_size(unsigned n);

/* Choose the sinks: the journal, stderr (the MESSAGE line), stdout (one JSON object per line). */
void journal_setup(bool to_journal, bool to_console, bool json);

/* Events waiting for the journal. */
size_t journal_queue_length(void);
/* Events dropped past the bound since the process started (the metrics counter). */
uint64_t journal_events_dropped(void);
/* Try to deliver the waiting events, in order. 0 when all went, else the error (they stay). */
int journal_flush(void);

/*
 * Send ev to every enabled sink. Returns 0 when the journal (if enabled) accepted it, else the
 * negative errno of the journal write (the event has still gone to the other sinks).
 */
int journal_emit(const Event *ev);
