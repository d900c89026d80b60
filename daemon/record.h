/* SPDX-License-Identifier: MIT */
/*
 * The persistent record of what has been reported, so that a restart of the daemon neither repeats
 * nor loses an event (DESIGN.md §5). One file, "reported", in the state directory: a header naming
 * the boot it belongs to, then one JSON object per line, appended as events are written:
 *   {"op":"started", "path":..., "pid":..., "start":..., "id":..., identity fields...}
 *   {"op":"exited",  "path":..., "pid":..., "start":...}
 *   {"op":"forget",  "path":..., "pid":..., "start":...}
 *   {"op":"state",   "kind":..., "key":..., "value":...}   (no "value": that state is gone)
 * The "state" lines keep what other modules need across a restart (crash loops, counters: one
 * value per kind and key, the last line wins); a daemon older than them skips them, as it skips
 * every line it cannot read.
 * It is compacted (written anew to a temporary file, fsync'd and renamed over the old one) at
 * start-up and whenever the log has grown to several times what it describes. A record from an
 * earlier boot is discarded: those containers are gone with the boot.
 * Owns the file; knows nothing of the event loop or of containers beyond these fields.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>

typedef struct Record Record;

/* What a "started" line remembers: enough to write a meaningful late "exited" entry for a
 * container that vanished while the daemon was not running. */
typedef struct RecordEntry {
        char *path;
        pid_t pid;
        uint64_t start_ticks;
        bool exited;             /* its exit has been reported */
        char *id, *ns, *name, *image, *manager, *runtime;
        char *pod_name, *pod_namespace, *pod_uid, *k8s_container_name;
        char *k8s_container_type;  /* "sandbox" / "container"; absent in lines of older daemons */
        uint64_t created_usec;
} RecordEntry;

/*
 * Open (creating dir if needed) and load the record in dir. Entries of the current boot are kept as
 * "pending" for record_take(); a record of another boot is discarded (*ret_other_boot counts its
 * unfinished containers). Returns 0, or -errno when the directory cannot be used (the daemon then
 * runs without a record and says so).
 */
int record_open(const char *dir, Record **ret, unsigned *ret_other_boot);
Record *record_free(Record *r);

/* The pending entry for this (path, pid, start), removed from the pending set (caller owns it),
 * or NULL. */
RecordEntry *record_take(Record *r, const char *path, pid_t pid, uint64_t start_ticks);

/* Remove and return any one pending entry (NULL when none): what the start-up scan did not find. */
RecordEntry *record_take_any(Record *r);

void record_entry_free(RecordEntry *e);

/* The line record_append(r, op, e) would write, built now (e may be gone by the time it is written:
 * the line waits for the journal to take the event, journal_when_taken()). NULL: out of memory. */
typedef struct RecordLine RecordLine;
RecordLine *record_line_new(const char *op, const RecordEntry *e);
/* Accepts NULL; returns NULL. */
RecordLine *record_line_free(RecordLine *l);
/* Append a line record_line_new() built, once, as record_append() does. */
int record_append_line(Record *r, RecordLine *l);

/* Number of lines appended since the last compaction. */
unsigned record_n_lines(const Record *r);

/*
 * Rewrite the record from scratch with these entries (the live state), atomically. next() returns
 * the entries one by one, NULL at the end.
 */
int record_compact(Record *r, const RecordEntry *(*next)(void *userdata), void *userdata);

/*
 * Keep value (not stolen; NULL: forget it) as the state of key in kind: one line appended now,
 * and the state rewritten by every compaction until it is forgotten. States of another boot are
 * discarded at record_open(), with the pending entries. Returns 0 or -errno (state kept in memory).
 */
int record_put_state(Record *r, const char *kind, const char *key, json_t *value);

/* The states of kind as loaded and put since: a borrowed object key -> value, or NULL if none. */
json_t *record_get_states(const Record *r, const char *kind);

/* Forget a state without writing a line (start-up: what was not restored; the compaction that
 * follows writes the rest). */
void record_forget_state(Record *r, const char *kind, const char *key);

/* $STATE_DIRECTORY (its first entry) or LOCALSTATEDIR/lib/container-watchd. */
const char *record_default_dir(void);
