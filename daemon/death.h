/* SPDX-License-Identifier: MIT */
/*
 * Why a container's init died (issue 13, DESIGN.md §3 "DEATH_REASON"): the short history of the
 * signals it received (from the kernel probe), the verdict over that history, the exit status and
 * the OOM facts, and the words for the journal (SIGNALS=, SIGNAL_CODE=, the MESSAGE clause).
 * Pure logic: owns the strings of its history entries and nothing else; reads no files, knows no
 * containers, logs nothing. The manager feeds it and emits the fields.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/exit-status.h"

#define SIGNAL_HISTORY_MAX 8
#define SIGNAL_HISTORY_WINDOW_USEC (60 * UINT64_C(1000000))     /* "in its last minute" */
#define SIGNAL_COMM_MAX 16

typedef enum DeathReason {
        DEATH_EXITED,            /* status 0, no signal */
        DEATH_FAILED,            /* non-zero status, no signal */
        DEATH_CRASHED,           /* a fault signal the kernel raised, or a self-sent SIGABRT */
        DEATH_OOM_KILLED,        /* the OOM killer chose the init (or killed the group) */
        DEATH_STOPPED,           /* a stop signal, then the init exited by itself (or of it) */
        DEATH_STOP_TIMEOUT,      /* a stop signal, no exit, then SIGKILL from the same sender */
        DEATH_KILLED,            /* a fatal signal from a process, no stop signal before it */
        DEATH_UNKNOWN,
        _DEATH_REASON_MAX,
        _DEATH_REASON_INVALID = -EINVAL,
} DeathReason;

typedef enum ReasonSource {
        REASON_SOURCE_PROBE,     /* the kernel probe's signal and OOM victim records */
        REASON_SOURCE_COUNTERS,  /* the cgroup's OOM kill counter */
        REASON_SOURCE_RUNTIME,   /* an exit status a runtime or monitor wrote down */
        REASON_SOURCE_NONE,      /* the exit status alone, or nothing */
        _REASON_SOURCE_MAX,
        _REASON_SOURCE_INVALID = -EINVAL,
} ReasonSource;

/* One signal generated for the init, with what was known about its sender when it arrived. */
typedef struct SignalEntry {
        uint64_t monotonic_usec;
        int signo;
        int code;                        /* si_code */
        int result;                      /* 0 delivered, 1 ignored, ... (probe.h) */
        pid_t sender_pid;                /* tgid */
        uid_t sender_uid;
        uid_t sender_loginuid;           /* (uid_t) -1: unset */
        pid_t sender_parent_pid;
        char sender_comm[SIGNAL_COMM_MAX];
        char sender_parent_comm[SIGNAL_COMM_MAX];
        char *sender_exe;                /* owned; NULL when unknown */
        char *sender_unit;               /* owned; the systemd unit or scope of its cgroup */
        char *sender_container_id;       /* owned; when the sender is in a tracked container */
} SignalEntry;

/* Free e's strings and zero it. */
void signal_entry_done(SignalEntry *e);

typedef struct SignalHistory {
        SignalEntry entries[SIGNAL_HISTORY_MAX];  /* oldest first */
        size_t n;
} SignalHistory;

/*
 * Append *e (its strings are taken over: the caller's pointers are cleared). Entries older than
 * SIGNAL_HISTORY_WINDOW_USEC before e are dropped; when the history is full the oldest entry goes,
 * except the first stop signal, which is kept for STOP_GRACE_USEC.
 */
void signal_history_add(SignalHistory *h, SignalEntry *e);
/* Free every entry's strings and empty the history. */
void signal_history_clear(SignalHistory *h);

/* Everything known about one death. */
typedef struct DeathFacts {
        ExitStatus status;
        uint64_t exit_monotonic_usec;    /* 0: unknown */
        pid_t init_pid;
        bool probe;                      /* the probe was attached: signals is the truth */
        const SignalHistory *signals;    /* NULL without the probe */
        bool oom_victim_init;            /* probe: mark_victim named the init */
        bool oom_counter_rose;           /* without the probe: an OOM kill not attributed to a child */
} DeathFacts;

typedef struct DeathVerdict {
        DeathReason reason;
        ReasonSource source;
        /* The signal the verdict is about (SIGNAL_SENDER_*, SIGNAL_CODE): the fatal one, or for
         * "stopped" the first stop signal. NULL when none is known. Points into facts->signals. */
        const SignalEntry *signal;
        const SignalEntry *first_stop;   /* for stop-timeout and stopped */
        bool has_stop_grace;
        uint64_t stop_grace_usec;        /* first stop signal to death */
        bool oom_killed;                 /* exactly: the OOM killer killed the init */
} DeathVerdict;

/* Judge. Never fails: without facts the verdict is DEATH_UNKNOWN / REASON_SOURCE_NONE. */
void death_judge(const DeathFacts *f, DeathVerdict *ret);

/* "exited", "failed", ...; NULL for an invalid value. */
const char *death_reason_to_string(DeathReason r);
/* "probe", "counters", "runtime", "none"; NULL for an invalid value. */
const char *reason_source_to_string(ReasonSource s);
/* "SI_USER", "SI_KERNEL", "SI_TKILL", "SEGV_MAPERR", ...; for other values the decimal number in
 * buf. Returns a static string or buf. */
const char *signal_code_to_string(int signo, int code, char *buf, size_t l);
/* Is signo one that asks a process to stop (SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGPWR)? */
bool signal_is_stop(int signo);

/*
 * SIGNALS=: "SIGTERM@-10.003s:containerd-shim[812] SIGKILL@0:containerd-shim[812]", offsets from
 * the last entry, oldest first. Writes into buf (always terminated when l > 0); returns buf.
 */
char *signal_history_format(const SignalHistory *h, char *buf, size_t l);

/*
 * The MESSAGE clause after "Container ID (NAME) ": "was stopped: SIGTERM from
 * containerd-shim[812] (docker.service), no exit after 10s, then SIGKILL", "was killed: SIGKILL
 * from cw-killer[4242] (session-3.scope)", "crashed: SIGSEGV (SEGV_MAPERR)", "exited successfully"
 * ... NULL when the verdict adds nothing to the exit status clause (unknown). oom_detail, when not
 * NULL, replaces the oom-killed clause's tail ("init postgres used 512.0M of its 512M limit").
 */
char *death_describe(char *buf, size_t l, const DeathFacts *f, const DeathVerdict *v, const char *oom_detail);
