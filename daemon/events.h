/* SPDX-License-Identifier: MIT */
/*
 * What the daemon says about containers: an Event is a kind (MESSAGE_ID, priority) and a list of
 * journal fields. The field contract of DESIGN.md §3 is built here and only here: the identity
 * fields every entry about a container carries (journal entries, --json and --list alike), and the
 * started, exited and oom entries. A new field goes into DESIGN.md first, then into a builder here.
 * Knows nothing of where events go (journal.c) or of the daemon's objects.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

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
