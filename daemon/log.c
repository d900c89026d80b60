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

bool log_to_journal(void) {
        return log_journal;
}

int log_get_max_level(void) {
        return log_max_level;
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

        /* sd_journal_sendv() reports success when the socket is missing: look first */
        if (log_journal && access(JOURNAL_SOCKET, F_OK) >= 0) {
                char pri[16], err[32], mid[64];
                struct iovec iov[6];
                size_t n = 0;
                _cleanup_free_ char *msg = NULL;

                if (asprintf(&msg, "MESSAGE=%s", esc ?: buf) >= 0) {
                        iov[n++] = (struct iovec) { msg, strlen(msg) };
                        snprintf(pri, sizeof(pri), "PRIORITY=%i", level);
                        iov[n++] = (struct iovec) { pri, strlen(pri) };
                        iov[n++] = (struct iovec) { (char *) "SYSLOG_IDENTIFIER=" LOG_IDENTIFIER,
                                                    strlen("SYSLOG_IDENTIFIER=" LOG_IDENTIFIER) };
                        if (error > 0) {
                                snprintf(err, sizeof(err), "ERRNO=%i", error);
                                iov[n++] = (struct iovec) { err, strlen(err) };
                        }
                        if (message_id) {
                                snprintf(mid, sizeof(mid), "MESSAGE_ID=%s", message_id);
                                iov[n++] = (struct iovec) { mid, strlen(mid) };
                        }
                        if (sd_journal_sendv(iov, (int) n) >= 0)
                                return -error;
                }
                /* fall through to stderr when the journal refuses */
        }

        fprintf(stderr, "%s\n", esc ?: buf);
        return -error;
}
