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
#include <stdint.h>
#include <sys/types.h>

#include "log.h"
#include "metadata.h"
#include "runc-state.h"
#include "death.h"
#include "util/exit-status.h"
#include "why.h"

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
        const char *message_id;      /* static: from catalog-ids.h */
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

/* ---------------------------------------------------------------- the field contract (DESIGN.md §3) */

/* Who a container is: what every entry about it carries, whoever builds it. */
typedef struct ContainerIdentity {
        const char *id;              /* the full id */
        const char *ns;              /* runtime namespace, or NULL */
        const char *state_dir;
        Runtime runtime;
        pid_t pid;
        uint64_t created_usec;       /* 0: unknown */
        uid_t owner;                 /* the ordinary user who controls its state root, 0: root */
        const Meta *meta;
} ContainerIdentity;

/* The first 12 characters of an id, as CONTAINER_ID carries it. Returns buf. */
const char *event_short_id(const char *id, char buf[static 13]);

/*
 * The identity fields, the one list of them: CONTAINER_ID, CONTAINER_ID_FULL, CONTAINER_NAME,
 * IMAGE_NAME, CONTAINER_MANAGER, CONTAINER_RUNTIME, CONTAINER_NAMESPACE, CONTAINER_STATE_DIR,
 * CONTAINER_PID, CONTAINER_STARTED_USEC, K8S_POD_NAME, K8S_POD_NAMESPACE, K8S_POD_UID,
 * K8S_CONTAINER_NAME, K8S_CONTAINER_TYPE, CONTAINER_OWNER_UID (those without a value are left out). Every builder below
 * calls it; a new identity field is added here.
 */
void event_add_identity(Event *ev, const ContainerIdentity *c);

/* "started": the identity and the namespaces' inodes (0: unknown). Initialises ev. */
void event_build_started(Event *ev, const ContainerIdentity *c, const uint64_t ns_ino[_NS_MAX]);

/*
 * "exited" with status st (EXIT_CODE_UNKNOWN: unknown), facts f and verdict v (death.h: DEATH_REASON,
 * OOM_KILLED, REASON_SOURCE, and with the probe SIGNAL_SENDER_*, SIGNALS, STOP_GRACE_USEC,
 * OOM_VICTIM_* from w, which may be NULL). exit_usec: CLOCK_REALTIME of the death, for the lifetime
 * (0: unknown). late: noticed only after the fact (no lifetime then). Initialises ev.
 */
void event_build_exited(Event *ev, const ContainerIdentity *c, const ExitStatus *st, const DeathFacts *f,
                        const DeathVerdict *v, const WhyState *w, uint64_t exit_usec, bool late);

/* "oom": a process of the container was killed for lack of memory, the init lives on; kills is the
 * cgroup's oom_kill counter; w (may be NULL) the probe's record of the victim (OOM_VICTIM_*).
 * Initialises ev. */
void event_build_oom(Event *ev, const ContainerIdentity *c, uint64_t kills, const WhyState *w);

/* One row of --list --json: the identity and CONTAINER_ALIVE. Initialises ev. */
void event_build_listed(Event *ev, const ContainerIdentity *c, bool alive);
