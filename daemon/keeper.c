/* SPDX-License-Identifier: MIT */
/*
 * The manager's bookkeeping in the persistent record (see keeper.h): open, append, compact, and
 * the restore of what no root holds any more after the start-up scan.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "keeper.h"
#include "log.h"
#include "ownership.h"
#include "util/cleanup.h"
#include "util/queue-mem.h"

struct Keeper {
        Record *record;              /* NULL: running without one */
        Journal *journal;            /* what the lines wait for (keeper_set_journal), or NULL */
        sd_event_source *compact_defer;
        bool compact_waits;          /* a compaction waits for the journal's queue to drain */
        const KeeperOps *ops;
        void *userdata;
        bool restored;               /* keeper_restore() ran: appends go to the record */
};

static int keeper_on_compact_defer(sd_event_source *s, void *userdata) {
        (void) s;
        keeper_compact(userdata);
        return 0;
}

int keeper_new(sd_event *e, const char *dir, const KeeperOps *ops, void *userdata, Keeper **ret) {
        _cleanup_(keeper_freep) Keeper *k = NULL;
        unsigned other_boot = 0;
        int r;

        k = calloc(1, sizeof(*k));
        if (!k)
                return -ENOMEM;
        k->ops = ops;
        k->userdata = userdata;
        r = sd_event_add_defer(e, &k->compact_defer, keeper_on_compact_defer, k);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(k->compact_defer, SD_EVENT_OFF);
        (void) sd_event_source_set_description(k->compact_defer, "record-compact");

        dir = dir ?: record_default_dir();
        r = record_open(dir, &k->record, &other_boot);
        if (r < 0)
                log_warning_errno(r, "Failed to open the record of reported events in '%s', "
                                  "a restart may repeat or miss events: %m", dir);
        else if (other_boot > 0)
                log_notice("%u containers were still running at the end of the previous boot; "
                           "they ended with it and are not reported one by one.", other_boot);
        *ret = TAKE_PTR(k);
        return 0;
}

Keeper *keeper_free(Keeper *k) {
        if (!k)
                return NULL;
        sd_event_source_disable_unref(k->compact_defer);
        k->record = record_free(k->record);
        free(k);
        return NULL;
}

void keeper_freep(Keeper **k) {
        keeper_free(*k);
}

Record *keeper_record(const Keeper *k) {
        return k ? k->record : NULL;
}

RecordEntry *keeper_take(Keeper *k, const char *path, pid_t pid, uint64_t start_ticks) {
        if (!k || !k->record)
                return NULL;
        return record_take(k->record, path, pid, start_ticks);
}

void keeper_set_journal(Keeper *k, Journal *j) {
        if (k)
                k->journal = j;
}

/* A line waiting for the journal to take the event it records. */
typedef struct PendingLine {
        Keeper *keeper;
        RecordLine *line;
} PendingLine;

static void pending_line_free(void *p) {
        PendingLine *l = p;

        record_line_free(l->line);
        queue_mem_free(l);
}

static void keeper_write_line(Keeper *k, RecordLine *line) {
        int r = record_append_line(k->record, line);

        if (r < 0)
                log_warning_errno(r, "Failed to append to the record of reported events: %m");
        keeper_grew(k);
}

static void keeper_on_line_taken(void *data, void *userdata) {
        PendingLine *l = data;

        (void) userdata;
        keeper_write_line(l->keeper, l->line);
}

void keeper_append(Keeper *k, const Container *c, const char *op) {
        PendingLine *l;
        RecordEntry e;
        RecordLine *line;

        if (!k || !k->record || !k->restored)
                return;
        e = container_to_record(c);
        line = record_line_new(op, &e);
        if (!line)
                return (void) log_error("Out of memory.");
        if (!k->journal) {
                keeper_write_line(k, line);
                record_line_free(line);
                return;
        }
        /* Written once the journal took the event (issue 14, item 8): a line saying "exited" for an
         * exit still in the journal's queue would make a stop or a crash lose that exit for good;
         * without the line a restarted daemon reports it, late. In order, behind the events. */
        l = queue_mem_alloc(sizeof(*l)); /* beside the journal's entry (util/queue-mem.h) */
        if (!l) {
                record_line_free(line);
                return (void) log_error("Out of memory.");
        }
        *l = (PendingLine) { .keeper = k, .line = line };
        if (journal_when_taken(k->journal, keeper_on_line_taken, l, pending_line_free) < 0)
                log_error("Out of memory.");
}

/* Let the log grow to a few times what it describes, then write it anew. */
void keeper_grew(Keeper *k) {
        if (!k || !k->record)
                return;
        if (record_n_lines(k->record) > 2 * k->ops->n_containers(k->userdata) + 1024)
                (void) sd_event_source_set_enabled(k->compact_defer, SD_EVENT_ONESHOT);
}

typedef struct CompactIter {
        PtrArray all;
        size_t i;
        RecordEntry cur;
} CompactIter;

static const RecordEntry *compact_next(void *userdata) {
        CompactIter *it = userdata;

        if (it->i >= it->all.n)
                return NULL;
        it->cur = container_to_record(it->all.items[it->i++]);
        return &it->cur;
}

static void keeper_on_queue_drained(void *data, void *userdata) {
        Keeper *k = data;

        (void) userdata;
        /* Not from inside the journal's flush: on the loop, where the queue is looked at again.
         * What was queued after the event this waited for may still be there then: the next look
         * waits for the new tail. (With the flag left set, it waited for nothing, and the
         * compaction came only with the next event after a burst, if one came.) */
        k->compact_waits = false;
        (void) sd_event_source_set_enabled(k->compact_defer, SD_EVENT_ONESHOT);
}

void keeper_compact(Keeper *k) {
        CompactIter it = {};
        int r;

        if (!k || !k->record)
                return;
        if (k->journal && journal_queue_length(k->journal) > 0) {
                /* The table says what happened, not what the journal has: it would mark the exits
                 * still waiting as reported. Once the queue has drained. */
                if (!k->compact_waits && journal_when_taken(k->journal, keeper_on_queue_drained, k, NULL) >= 0)
                        k->compact_waits = true;
                return;
        }
        k->compact_waits = false;
        it.all = k->ops->collect(k->userdata);
        r = record_compact(k->record, compact_next, &it);
        if (r < 0)
                log_warning_errno(r, "Failed to compact the record of reported events: %m");
        ptr_array_done(&it.all);
}

/* Who controls where c was: the record is ours, but the pid came from that directory's state file
 * (ownership.h). */
static void keeper_restore_owner(Container *c) {
        const char *slash = strrchr(c->path, '/');
        _cleanup_free_ char *dir = slash ? strndup(c->path, (size_t) (slash - c->path)) : NULL;
        PathWalk w = {};

        if (dir && *dir && path_walk(dir, &w) >= 0) {
                c->owner = w.owner;
                free(w.deepest);
        }
}

void keeper_restore(Keeper *k, ContainerContext *cx) {
        RecordEntry *e;

        if (!k || !k->record)
                return;
        while ((e = record_take_any(k->record))) {
                ExitStatus gone = EXIT_STATUS_UNKNOWN;
                Container *c = NULL;
                int r;

                if (e->exited || !e->id) {
                        record_entry_free(e);
                        continue;
                }
                r = container_new_from_record(cx, e, &c);
                record_entry_free(e);
                if (r < 0) {
                        log_error("Out of memory.");
                        continue;
                }
                keeper_restore_owner(c);
                c->started_reported = true; /* in the record: its started entry was reported */
                r = container_track(c, &gone);
                if (r >= 0 || r == -EMFILE) {
                        k->ops->adopt(c, k->userdata);
                        continue;
                }
                if (r == -EPERM) {
                        container_free(c); /* not its owner's: never tracked, never reported */
                        continue;
                }
                container_report_late_exit(c, &gone);
                container_free(c);
        }
        keeper_compact(k);
        k->restored = true;
}
