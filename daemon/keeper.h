/* SPDX-License-Identifier: MIT */
/*
 * The manager's bookkeeping in the persistent record (record.c is the file; this is its use): the
 * record opened at start-up, a line appended for each report, the record written anew (compacted)
 * when its log has grown to a few times what it describes, and, after the start-up scan, what the
 * record remembers of containers no root holds any more. Knows nothing of roots or inotify; the
 * container table is reached through KeeperOps.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "container.h"
#include "journal.h"
#include "record.h"
#include "util/tree.h"

typedef struct Keeper Keeper;

/* What the keeper asks of the container table's owner. */
typedef struct KeeperOps {
        /* Every incarnation the record must remember (the table and those still watched to their
         * exit), in a new array the keeper frees (not what it points to). */
        PtrArray (*collect)(void *userdata);
        /* How many incarnations the table holds: the log is compacted at twice that plus 1024. */
        size_t (*n_containers)(void *userdata);
        /* A container of the record, still running and now tracked (or waiting for a descriptor):
         * the owner watches it to its exit. */
        void (*adopt)(Container *c, void *userdata);
} KeeperOps;

/*
 * Open the record in dir (NULL: record_default_dir()) on loop e. A record that cannot be opened is
 * said (a restart may then repeat or miss events) and the keeper works without one: every call
 * below is then a no-op. Returns 0 and *ret, or -ENOMEM / the loop's -errno.
 */
int keeper_new(sd_event *e, const char *dir, const KeeperOps *ops, void *userdata, Keeper **ret);
/* Close the record and drop the compaction source. Accepts NULL, returns NULL. */
Keeper *keeper_free(Keeper *k);
void keeper_freep(Keeper **k);

/*
 * The journal the record's lines wait for (journal_when_taken()): a line is appended only once the
 * journal took the event it records, and a compaction waits for the journal's queue to drain (issue
 * 14, item 8). Without one (NULL, the default) lines are appended at once. The journal must be
 * freed before the keeper.
 */
void keeper_set_journal(Keeper *k, Journal *j);

/* The record, for the states others keep in it (crash loops, counters); NULL without one. */
Record *keeper_record(const Keeper *k);

/* What an earlier run reported about this incarnation (record_take()); NULL when nothing, or
 * without a record. The caller frees it with record_entry_free(). */
RecordEntry *keeper_take(Keeper *k, const char *path, pid_t pid, uint64_t start_ticks);

/*
 * Remember that op ("started", "exited", "forget") was reported for c. Nothing is appended before
 * keeper_restore(): the start-up scan's findings are written whole right after it, which spares one
 * write per container found. A failed append is said; the record stays usable.
 */
void keeper_append(Keeper *k, const Container *c, const char *op);

/* The record grew (an append, a state put): once its log holds more than twice the table plus
 * 1024 lines, a compaction is scheduled on the loop. */
void keeper_grew(Keeper *k);

/* Write the record anew from what the table holds now (KeeperOps.collect); a failure is said. */
void keeper_compact(Keeper *k);

/*
 * After the start-up scan: the containers the record says were running but that no configured root
 * holds any more. Those whose init is gone ended while the daemon was not running: each is reported
 * once, late, with what the record remembers (through cx's hooks). Those still running (their root
 * was dropped from the configuration meanwhile) are tracked on and handed to KeeperOps.adopt, as a
 * reload keeps them, to be reported when they exit. Then the record is compacted and appends begin.
 */
void keeper_restore(Keeper *k, ContainerContext *cx);
