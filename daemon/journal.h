/* SPDX-License-Identifier: MIT */
/*
 * Where container events go: the journal (log.c's native-protocol sender), stderr (the MESSAGE
 * line) and stdout (--json, one object per line). Owns the queue of events that wait while the
 * journal is unavailable and the timer that retries their delivery; tells its owner through a
 * callback when they went. Knows nothing of containers: events come ready-built (events.h).
 * The unit test's ways into the queue are in journal-test.h, not here.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "events.h"
#include "util/time.h"

typedef struct Journal Journal;

/* The events that waited for the journal have all gone to it. */
typedef void (*JournalDeliveredHandler)(Journal *j, size_t n_delivered, void *userdata);

/* How often delivery to an unavailable journal is retried (only while events wait). */
#define JOURNAL_RETRY_USEC (250 * USEC_PER_MSEC)
/* How long an event past the queue's bound waits for a journald that is behind before it is
 * called stalled (and events past the bound are dropped). */
#define JOURNAL_FULL_WAIT_USEC (100 * USEC_PER_MSEC)
/* How long the stop waits for a journald that is behind to take the queued events. */
#define JOURNAL_STOP_DRAIN_USEC (2 * USEC_PER_SEC)

/*
 * A journal writer on loop e (may be NULL: then nothing is retried by itself, and only
 * journal_free() tries once more). Sinks: the console only, until journal_setup(). on_delivered
 * may be NULL. Returns 0 or -ENOMEM.
 */
int journal_new(sd_event *e, JournalDeliveredHandler on_delivered, void *userdata, Journal **ret);

/* Try once more to deliver what waits, say how many events could not be, release. Accepts NULL;
 * returns NULL. */
Journal *journal_free(Journal *j);

/* Choose the sinks: the journal, stderr (the MESSAGE line), stdout (one JSON object per line). */
void journal_setup(Journal *j, bool to_journal, bool to_console, bool json);

/* How many events are kept in memory while the journal is unavailable (JournalQueueSize=); past
 * that the oldest are dropped, and a MESSAGE_ID_EVENTS_LOST entry says how many once it is back. */
void journal_set_queue_size(Journal *j, unsigned n);

/*
 * While on, the bound neither drops an event nor waits for journald: for the start-up scan, whose
 * started entries are bounded by the containers found (held in memory anyway) and which should not
 * wait, entry by entry, for a journald that is only behind. Off again, a queue past the bound
 * drains through the loop, and the next event waits for room as in any burst.
 */
void journal_hold_all(Journal *j, bool on);

/* Something to do once the journal has taken an event (journal_when_taken). userdata: the
 * journal's, as given to journal_new(). */
typedef void (*JournalTakenHandler)(void *data, void *userdata);

/*
 * Run fn(data) once every event emitted so far has left the queue: at once when none waits, else
 * when the newest of them is taken by the journal (or dropped past the bound: then the gap entry
 * counts it). What waits when the journal is freed with the queue undelivered never runs: a
 * restarted daemon then knows that those events were not reported (issue 14, item 8). free_data
 * (may be NULL) releases data afterwards, whether fn ran or not. Returns 0, or -ENOMEM (fn did not
 * run, data was released).
 */
int journal_when_taken(Journal *j, JournalTakenHandler fn, void *data, void (*free_data)(void *data));

/* Events waiting for the journal. */
size_t journal_queue_length(const Journal *j);
/* Events dropped past the bound since j was made (the metrics counter). */
uint64_t journal_events_dropped(const Journal *j);

/*
 * Send ev to every enabled sink. json and len: ev's --json line as event_to_json made it (header
 * true, the newline counted in len), so that one formatting serves the --json sink and the
 * subscribers; NULL: made here if the --json sink wants it. Returns 0 when the journal (if
 * enabled) accepted it, else the negative errno of the journal write: the event has still gone to
 * the other sinks and to the console, and waits in the queue; the retry timer is armed.
 */
int journal_emit(Journal *j, const Event *ev, const char *json, size_t len);
/* Whether the --json sink is on (the line is worth making). */
bool journal_wants_json(const Journal *j);

/* Print ev as one JSON object on one line of stdout (keys = field names; with header, also
 * MESSAGE_ID, PRIORITY, SYSLOG_IDENTIFIER) and flush. */
void event_print_json(const Event *ev, bool header);

/* The same line in a new buffer (not NUL-terminated; the newline included, counted in *ret_len),
 * or NULL on OOM. */
char *event_to_json(const Event *ev, bool header, size_t *ret_len);
