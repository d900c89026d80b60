/* SPDX-License-Identifier: MIT */
/*
 * Configuration: defaults, the INI file and its drop-ins, validation. Owns the Config struct;
 * knows nothing of the event loop, of logging targets or of the command line. Keys are documented
 * in man/container-watchd.conf.5.
 *
 *   [Watch]
 *   Roots=DIR...          state roots; repeatable, space-separated. The first Roots= assignment
 *                         met (main file or drop-in) replaces the built-in list, later ones append,
 *                         and an empty assignment resets the list to empty. A last component of
 *                         "*" means "every directory below is a namespace root" (containerd:
 *                         /run/containerd/runc/<namespace>/<id>); "*" is allowed nowhere else.
 *                         Paths must be absolute and normalized (no "." or ".." components);
 *                         repeated slashes and a trailing slash are dropped, duplicates ignored.
 *   RootlessUsers=USER... users (names or uids) whose rootless runtimes are watched too; repeatable,
 *                         space-separated, an empty assignment resets
 *   DockerDataRoot=DIR    where dockerd keeps containers/<id>/config.v2.json (names, images)
 *   [Exit]
 *   ReapTimeoutSec=SEC    longest wait for an exited init to be reaped before its status is
 *                         declared unknown (default 2; 0.001–60), and for the status the manager
 *                         writes down when the kernel gave none (a quarter of it for conmon's
 *                         exit file). Decimal seconds ("2", "0.5"),
 *                         or with a unit: "s"/"sec", "ms"/"msec", "us"/"usec" ("250ms").
 *   KernelProbe=yes|no    load the kernel probe at start (default yes; issue 13): who signalled an
 *                         init, its exact status, OOM victims. Read at start only: a reload
 *                         that changes it takes effect at the next start.
 *   [Log]
 *   Target=auto|journal|console
 *   Level=err|warning|notice|info|debug    the daemon's own diagnostics; events are always logged
 *   JournalQueueSize=N    container events kept in memory while the journal is unavailable
 *                         (default 8192; 1-1000000); past it the oldest are dropped and counted
 *   [Alert]
 *   CrashLoopCount=N      unexpected deaths of one logical container within the window that make
 *                         a crash loop (default 5; 1-256)
 *   CrashLoopWindowSec=SEC the window (default 600; 1s-1d), a duration as for ReapTimeoutSec=,
 *                         also with "min" or "h"
 *   MetricsTextfile=PATH  the node_exporter textfile to keep (absolute, ending in ".prom");
 *                         empty (the default): no metrics
 *   MetricsPerContainer=yes|no  a "name" label on the per-event counters (default no)
 *   MetricsPerContainerMax=N    at most this many names (default 100; 1-10000)
 *   [Events]
 *   Socket=PATH           the subscriber socket (default /run/container-watchd/events, or
 *                         $RUNTIME_DIRECTORY/events when systemd sets it; absolute)
 *   MaxSubscribers=N      subscribers at once (default 64; 1-65536); more are closed at once
 *   SubscriberQueueSize=N events kept for a subscriber that does not read (default 1024;
 *                         1-1000000); past it they are counted and one "gap" message follows
 *   SubscriberTimeoutSec=SEC  a subscriber whose queue stays full this long is closed (default 30;
 *                         1s-1h), a duration as for ReapTimeoutSec=
 *
 * An empty assignment restores a key's default (for Roots=: empties the list).
 *
 * Syntax is systemd's: "[Section]" headers, "Key=Value" lines (whitespace around key and value
 * ignored), whole-line comments starting with '#' or ';'. Keys and sections are case-sensitive;
 * sections named "X-..." are ignored silently. There is no line continuation and no trailing
 * comment: "Roots=/run/runc # mine" is an error, not a comment.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <syslog.h>
#include <errno.h>

#include "util/cleanup.h"
#include "util/time.h"

typedef enum LogTarget {
        LOG_TARGET_AUTO,
        LOG_TARGET_JOURNAL,
        LOG_TARGET_CONSOLE,
        _LOG_TARGET_MAX,
        _LOG_TARGET_INVALID = -EINVAL,
} LogTarget;

typedef struct Config {
        char **roots;             /* NULL-terminated, never NULL itself; may be empty */
        size_t n_roots;
        char **rootless_users;    /* NULL-terminated, never NULL itself: user names or uids */
        size_t n_rootless_users;
        char *docker_data_root;
        uint64_t reap_timeout_usec;
        bool kernel_probe;        /* load the kernel probe at start */
        LogTarget log_target;
        int log_level;            /* syslog LOG_* (LOG_ERR..LOG_DEBUG) */
        unsigned journal_queue_size; /* events kept while the journal is unavailable */
        unsigned crashloop_count;
        uint64_t crashloop_window_usec;
        char *metrics_textfile;   /* NULL: no metrics */
        bool metrics_per_container;
        unsigned metrics_names_max;
        char *events_socket;      /* the subscriber socket (never NULL) */
        unsigned max_subscribers;
        unsigned subscriber_queue_size;
        uint64_t subscriber_timeout_usec;
} Config;

#define CONFIG_DEFAULT_PATH "/etc/container-watchd.conf"
#define CONFIG_DEFAULT_DOCKER_DATA_ROOT "/var/lib/docker"
#define CONFIG_DEFAULT_REAP_TIMEOUT_USEC (2 * USEC_PER_SEC)
#define CONFIG_DEFAULT_LOG_LEVEL LOG_INFO
#define CONFIG_DEFAULT_JOURNAL_QUEUE_SIZE 8192
#define CONFIG_JOURNAL_QUEUE_SIZE_MAX 1000000
#define CONFIG_DEFAULT_CRASHLOOP_COUNT 5
#define CONFIG_CRASHLOOP_COUNT_MAX 256          /* = CRASHLOOP_DEATHS_MAX: a higher count is never reached */
#define CONFIG_DEFAULT_CRASHLOOP_WINDOW_USEC (600 * USEC_PER_SEC)
#define CONFIG_CRASHLOOP_WINDOW_MIN_USEC USEC_PER_SEC
#define CONFIG_CRASHLOOP_WINDOW_MAX_USEC (86400 * USEC_PER_SEC)
#define CONFIG_DEFAULT_METRICS_NAMES_MAX 100
#define CONFIG_METRICS_NAMES_MAX 10000
#define CONFIG_DEFAULT_EVENTS_SOCKET "/run/container-watchd/events"
#define CONFIG_DEFAULT_MAX_SUBSCRIBERS 64
#define CONFIG_MAX_SUBSCRIBERS_MAX 65536
#define CONFIG_DEFAULT_SUBSCRIBER_QUEUE_SIZE 1024
#define CONFIG_SUBSCRIBER_QUEUE_SIZE_MAX 1000000
#define CONFIG_DEFAULT_SUBSCRIBER_TIMEOUT_USEC (30 * USEC_PER_SEC)
#define CONFIG_SUBSCRIBER_TIMEOUT_MIN_USEC USEC_PER_SEC
#define CONFIG_SUBSCRIBER_TIMEOUT_MAX_USEC (3600 * USEC_PER_SEC)
#define CONFIG_REAP_TIMEOUT_MIN_USEC USEC_PER_MSEC
#define CONFIG_REAP_TIMEOUT_MAX_USEC (60 * USEC_PER_SEC)

/*
 * A Config with the built-in defaults (a stock host with no file at all).
 * Returns 0 and a new Config in *ret (free with config_free()), or -ENOMEM.
 */
int config_new_default(Config **ret);

/* Free a Config and everything it owns. Accepts NULL; always returns NULL. */
Config *config_free(Config *c);

/* For _cleanup_(config_freep). */
void config_freep(Config **c);

/*
 * Load defaults, then path (NULL means CONFIG_DEFAULT_PATH; a missing file is fine only when it
 * is the default path or allow_missing), then path.d/ *.conf in lexical (strcmp) order, skipping
 * names starting with '.' and anything that is not a regular file. The drop-ins are read even
 * when the main file is missing. Problems are written to err_log (may be NULL: silent), one line
 * each, "FILE:LINE: warning: ..." or "FILE:LINE: error: ..." ("FILE: error: ..." for I/O): unknown
 * keys and sections and assignments outside a section are warnings; bad values, lines without
 * '=', malformed section headers and NUL bytes are errors. Parsing goes on after an error so that
 * every problem is reported at once.
 * Returns 0 and *ret (caller owns it); -EINVAL when anything was invalid (nothing returned);
 * -ENOENT when a non-default main file is missing and !allow_missing; another -errno on I/O
 * errors or -ENOMEM. *ret is untouched on failure.
 */
int config_load(const char *path, bool allow_missing, FILE *err_log, Config **ret);

/*
 * Every root to watch: the configured roots, then for each of RootlessUsers= the roots of that
 * user's rootless runtimes under /run/user/<uid>/ (runc, crun, docker/runtime-runc/moby). A user
 * that does not exist is skipped with a line on err_log (NULL: none). Returns 0 and a new
 * NULL-terminated list (free each string and the list), or -ENOMEM.
 */
int config_all_roots(const Config *c, FILE *err_log, char ***ret);

/*
 * Replace the roots (from -r options) with a normalized copy of roots[0..n-1], validated with
 * the same rules as Roots= (absolute, normalized, "*" only as the last component). The roots of
 * RootlessUsers= go too: -r names everything there is to watch.
 * Returns 0; -EINVAL if any root is invalid (c unchanged); -ENOMEM.
 */
int config_set_roots(Config *c, char *const *roots, size_t n);

/*
 * Print the effective settings as a valid configuration file: loading the output again gives
 * the same Config. Never fails (stdio errors are left in f's error indicator).
 */
void config_dump(const Config *c, FILE *f);

/* "auto", "journal", "console"; NULL for an out-of-range value. */
const char *log_target_to_string(LogTarget t);
/* The inverse; _LOG_TARGET_INVALID (-EINVAL) for anything else (and for NULL). */
LogTarget log_target_from_string(const char *s);

/* "err", "warning", "notice", "info", "debug" for LOG_ERR..LOG_DEBUG; NULL otherwise. */
const char *config_log_level_to_string(int level);
/* The inverse; -EINVAL for anything else (and for NULL). */
int config_log_level_from_string(const char *s);
