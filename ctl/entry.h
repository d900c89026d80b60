/* SPDX-License-Identifier: MIT */
/*
 * One container event read back from the journal: its fields (the ones the daemon wrote, not the
 * journal's trusted "_" fields), its time and cursor, and what container-watchctl derives from
 * them for people (reason, status, lifetime). Owns its strings; knows nothing of filters or output.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sd_journal sd_journal;

typedef struct EntryField {
        char *key;
        char *value;
} EntryField;

typedef struct Entry {
        uint64_t realtime_usec;  /* __REALTIME_TIMESTAMP */
        char *cursor;            /* NULL when not read from a journal */
        EntryField *fields;      /* in the journal's order, each key once */
        size_t n_fields;
} Entry;

/* A new empty entry. Returns 0 or -ENOMEM. */
int entry_new(Entry **ret);
/* Free e; accepts NULL; returns NULL. */
Entry *entry_free(Entry *e);
static inline void entry_freep(Entry **e) {
        entry_free(*e);
}

/* Add a field (copied; value need not be NUL-terminated). A key already present is ignored.
 * Returns 0 or -ENOMEM. */
int entry_add(Entry *e, const char *key, const char *value, size_t value_len);

/* The entry at the journal's current position: every field whose name does not start with '_'.
 * Returns 0 or a negative errno from sd-journal. */
int entry_from_journal(sd_journal *j, Entry **ret);

/* The value of a field, or NULL. */
const char *entry_get(const Entry *e, const char *key);

/*
 * What people call the way it ended: "oom" (OOM_KILLED=1), else EXIT_CODE ("exited", "killed",
 * "dumped", "unknown"); for events that are not exits, CONTAINER_EVENT; "-" when nothing says.
 */
const char *entry_reason(const Entry *e);

/* The status column: the signal name for killed/dumped ("SIGKILL"), the exit code for exited,
 * "-" when unknown. Writes into buf and returns it. */
char *entry_status(const Entry *e, char *buf, size_t l);

/* Field key as an unsigned decimal number (CONTAINER_STARTED_USEC, ...): true and *ret when it is
 * one, false when it is absent, empty, negative or not a number. */
bool entry_get_u64(const Entry *e, const char *key, uint64_t *ret);

/* CONTAINER_LIFETIME_USEC, when the entry has a valid one. */
bool entry_lifetime(const Entry *e, uint64_t *ret_usec);

/* "NAMESPACE/POD" for Kubernetes entries, else IMAGE_NAME, else NULL. Writes into buf. */
const char *entry_image_or_pod(const Entry *e, char *buf, size_t l);

/*
 * The entry as one JSON object on one line, without the newline: "__REALTIME_TIMESTAMP" (µs,
 * as a string, as journalctl -o json writes it) first, then the fields in order. Values that are
 * not valid UTF-8 are C-escaped. Returns a new string or NULL on OOM.
 */
char *entry_to_json(const Entry *e);
