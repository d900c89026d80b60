/* SPDX-License-Identifier: MIT */
/*
 * The daemon's own diagnostics: one sentence each, to the journal (with PRIORITY, SYSLOG_IDENTIFIER,
 * an optional MESSAGE_ID and ERRNO) or to stderr. Container events do not go through here but
 * through journal.c. Owns the process-wide log target and level.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>
#include <syslog.h>

#define LOG_IDENTIFIER "container-watchd"
/* Where journald listens (log_journal_sendv can be given another, for tests). */
#define JOURNAL_SOCKET "/run/systemd/journal/socket"

/*
 * Under systemd with StandardOutput/StandardError=journal, fds 1 and 2 are a stream socket to
 * journald (JOURNAL_STREAM=DEV:INO names it). A stopped or stalled journald fills it, and a
 * blocking write there would stop the loop, as a blocking native send did (issue 14, item 7): make
 * those fds non-blocking, so that a line that does not fit is lost instead. Others stay as they are
 * (a pipe to a --json reader keeps its back-pressure).
 */
void log_stream_nonblocking(void);

/* Where diagnostics go. journal=false means stderr. max_level is a syslog LOG_* value. */
void log_setup(bool journal, int max_level);

/*
 * Log one message. error is an errno value (sign ignored, 0 for none): "%m" in format expands to
 * its text, and ERRNO= is attached. message_id may be NULL. Returns -abs(error), so that
 * "return log_error_errno(r, ...)" passes the error on.
 */
int log_internal(int level, int error, const char *message_id, const char *format, ...)
        __attribute__((format(printf, 4, 5)));

#define log_full_errno(level, error, ...) log_internal((level), (error), NULL, __VA_ARGS__)
#define log_debug(...)   log_internal(LOG_DEBUG, 0, NULL, __VA_ARGS__)
#define log_info(...)    log_internal(LOG_INFO, 0, NULL, __VA_ARGS__)
#define log_notice(...)  log_internal(LOG_NOTICE, 0, NULL, __VA_ARGS__)
#define log_warning(...) log_internal(LOG_WARNING, 0, NULL, __VA_ARGS__)
#define log_error(...)   log_internal(LOG_ERR, 0, NULL, __VA_ARGS__)
#define log_debug_errno(e, ...)   log_internal(LOG_DEBUG, (e), NULL, __VA_ARGS__)
#define log_warning_errno(e, ...) log_internal(LOG_WARNING, (e), NULL, __VA_ARGS__)
#define log_error_errno(e, ...)   log_internal(LOG_ERR, (e), NULL, __VA_ARGS__)
#define log_id(level, id, ...)    log_internal((level), 0, (id), __VA_ARGS__)
#define log_id_errno(level, e, id, ...) log_internal((level), (e), (id), __VA_ARGS__)

/* true when the journal socket accepts a datagram connection right now. */
bool journal_socket_accepts(void);

/* At most this many fields besides the header in one entry. */
#define LOG_JOURNAL_FIELDS_MAX 64

/* The fields every entry of this daemon starts with, for log_journal_sendv(). */
typedef struct LogHeader {
        char priority[16];
        char message_id[64];
        struct iovec iov[3];
        size_t n;            /* 2, or 3 with MESSAGE_ID */
} LogHeader;

/* Fill h with PRIORITY=priority, SYSLOG_IDENTIFIER= and, when message_id is not NULL, MESSAGE_ID=. */
void log_header_init(LogHeader *h, int priority, const char *message_id);

/*
 * Send one journal entry to socket_path (NULL: JOURNAL_SOCKET): h's fields, then the n "KEY=value"
 * strings of fields, in journald's native protocol. Never blocks. Returns 0, -ENOENT (no socket),
 * -ECONNREFUSED (nobody listens), -EAGAIN (journald's queue is full: it is stopped or behind),
 * -EINVAL (a field without "KEY="), -E2BIG (more than LOG_JOURNAL_FIELDS_MAX), other -errno.
 */
int log_journal_sendv(const char *socket_path, const LogHeader *h, const struct iovec *fields, size_t n);

/*
 * The same through the caller's own socket *fd (-1: none yet; it is connected to socket_path on
 * first use, and again after journald was restarted). The caller closes it. Connected, *fd reports
 * EPOLLOUT once journald's queue has room again after -EAGAIN.
 */
int log_journal_sendv_fd(int *fd, const char *socket_path, const LogHeader *h, const struct iovec *fields,
                         size_t n);
