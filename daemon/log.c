/* SPDX-License-Identifier: MIT */
/*
 * Diagnostics (see log.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "log.h"
#include "util/cleanup.h"
#include "util/strutil.h"

static bool log_journal = false;
static int log_max_level = LOG_INFO;

void log_setup(bool journal, int max_level) {
        log_journal = journal;
        log_max_level = max_level;
}

bool journal_socket_accepts(void) {
        static const struct sockaddr_un sa = {
                .sun_family = AF_UNIX,
                .sun_path = JOURNAL_SOCKET,
        };
        _cleanup_close_ int fd = -1;

        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return false;
        return connect(fd, (const struct sockaddr *) &sa, sizeof(sa)) >= 0;
}

void log_header_init(LogHeader *h, int priority, const char *message_id) {
        static const char ident[] = "SYSLOG_IDENTIFIER=" LOG_IDENTIFIER;

        h->n = 0;
        snprintf(h->priority, sizeof(h->priority), "PRIORITY=%i", priority);
        h->iov[h->n++] = (struct iovec) { h->priority, strlen(h->priority) };
        h->iov[h->n++] = (struct iovec) { (char *) ident, sizeof(ident) - 1 };
        if (message_id) {
                snprintf(h->message_id, sizeof(h->message_id), "MESSAGE_ID=%s", message_id);
                h->iov[h->n++] = (struct iovec) { h->message_id, strlen(h->message_id) };
        }
}

int log_journal_sendv(const LogHeader *h, const struct iovec *fields, size_t n) {
        struct iovec iov[ELEMENTSOF(h->iov) + LOG_JOURNAL_FIELDS_MAX];

        if (n > LOG_JOURNAL_FIELDS_MAX)
                return -E2BIG;
        if (access(JOURNAL_SOCKET, F_OK) < 0)
                return -errno;
        memcpy(iov, h->iov, h->n * sizeof(struct iovec));
        memcpy(iov + h->n, fields, n * sizeof(struct iovec));
        return sd_journal_sendv(iov, (int) (h->n + n));
}

int log_internal(int level, int error, const char *message_id, const char *format, ...) {
        _cleanup_free_ char *esc = NULL;
        char buf[2048];
        va_list ap;

        if (error < 0)
                error = -error;
        if (level > log_max_level)
                return -error;

        errno = error; /* for %m */
        va_start(ap, format);
        (void) vsnprintf(buf, sizeof(buf), format, ap);
        va_end(ap);
        /* Messages quote paths and names that other programs chose: no control character reaches a
         * terminal or the journal unescaped. */
        esc = cescape(buf);

        if (log_journal) {
                _cleanup_free_ char *msg = NULL;
                char err[32];
                struct iovec iov[2];
                size_t n = 0;
                LogHeader h;

                if (asprintf(&msg, "MESSAGE=%s", esc ?: buf) >= 0) {
                        iov[n++] = (struct iovec) { msg, strlen(msg) };
                        if (error > 0) {
                                snprintf(err, sizeof(err), "ERRNO=%i", error);
                                iov[n++] = (struct iovec) { err, strlen(err) };
                        }
                        log_header_init(&h, level, message_id);
                        if (log_journal_sendv(&h, iov, n) >= 0)
                                return -error;
                }
                /* fall through to stderr when the journal refuses */
        }

        fprintf(stderr, "%s\n", esc ?: buf);
        return -error;
}
