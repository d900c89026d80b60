/* SPDX-License-Identifier: MIT */
/*
 * Diagnostics (see log.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

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

/*
 * The journal's native protocol (what sd_journal_sendv() speaks, written here so that the socket can
 * be another for a test; libsystemd 252 has the path built in): each field "KEY=value\n", or, for a
 * value holding a newline, "KEY\n" + its length as 64-bit little endian + value + "\n". One
 * datagram per entry; one too large for a datagram goes as a sealed memfd instead.
 */
static int journal_fd = -1;    /* the diagnostics' own socket (log_internal) */

static int journal_send_memfd(int fd_sock, const struct iovec *iov, size_t n) {
        union {
                struct cmsghdr cmsg;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct msghdr mh = { .msg_control = &control, .msg_controllen = sizeof(control) };
        _cleanup_close_ int fd = -1;
        struct cmsghdr *cmsg;

        fd = memfd_create("journal-data", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return -errno;
        if (writev(fd, iov, (int) n) < 0)
                return -errno;
        if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
                return -errno;
        cmsg = CMSG_FIRSTHDR(&mh);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
        if (sendmsg(fd_sock, &mh, MSG_NOSIGNAL) < 0)
                return -errno;
        return 0;
}

/* A non-blocking datagram socket connected to socket_path in *fd, unless there is one already. */
static int journal_connect(int *fd, const char *socket_path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        size_t path_len = strlen(socket_path);
        int size = 8 * 1024 * 1024;

        if (*fd >= 0)
                return 0;
        if (path_len >= sizeof(sa.sun_path))
                return -EINVAL;
        memcpy(sa.sun_path, socket_path, path_len + 1);
        /* Never blocking (issue 14, item 7): a stopped or stalled journald fills its socket's queue
         * (net.unix.max_dgram_qlen datagrams: 10 unless systemd as PID 1 raised it to 512), and a
         * blocking send would then stop the whole loop, pidfds, inotify and the watchdog ping
         * included. The caller queues on -EAGAIN. Connected, so that the caller can wait for
         * EPOLLOUT: the kernel reports a datagram socket writable when its peer's queue has room
         * only for a connected socket. */
        *fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (*fd < 0)
                return -errno;
        /* as sd-journal does: room for large entries in one datagram */
        (void) setsockopt(*fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
        if (connect(*fd, (const struct sockaddr *) &sa,
                    (socklen_t) (offsetof(struct sockaddr_un, sun_path) + path_len + 1)) < 0) {
                int r = -errno;

                *fd = safe_close(*fd);
                return r;
        }
        return 0;
}

int log_journal_sendv_fd(int *fd, const char *socket_path, const LogHeader *h, const struct iovec *fields,
                         size_t n) {
        /* per field at most: name, "\n", length, value, "\n" */
        struct iovec iov[(ELEMENTSOF(h->iov) + LOG_JOURNAL_FIELDS_MAX) * 5];
        uint64_t lengths[ELEMENTSOF(h->iov) + LOG_JOURNAL_FIELDS_MAX];
        struct msghdr mh = { .msg_iov = iov };
        size_t k = 0;
        int r = 0;

        if (n > LOG_JOURNAL_FIELDS_MAX)
                return -E2BIG;
        socket_path = socket_path ?: JOURNAL_SOCKET;

        for (size_t i = 0; i < h->n + n; i++) {
                const struct iovec *f = i < h->n ? &h->iov[i] : &fields[i - h->n];
                const char *eq = memchr(f->iov_base, '=', f->iov_len);
                size_t name_len;

                if (!eq || eq == f->iov_base)
                        return -EINVAL;
                name_len = (size_t) (eq - (const char *) f->iov_base);
                if (memchr(eq, '\n', f->iov_len - name_len)) {
                        lengths[i] = htole64((uint64_t) (f->iov_len - name_len - 1));
                        iov[k++] = (struct iovec) { f->iov_base, name_len };
                        iov[k++] = (struct iovec) { (char *) "\n", 1 };
                        iov[k++] = (struct iovec) { &lengths[i], sizeof(uint64_t) };
                        iov[k++] = (struct iovec) { (char *) eq + 1, f->iov_len - name_len - 1 };
                } else
                        iov[k++] = *f;
                iov[k++] = (struct iovec) { (char *) "\n", 1 };
        }
        mh.msg_iovlen = k;

        /* Twice at most: a journald that was restarted left our connection dead (ECONNREFUSED);
         * its new socket takes a new one. */
        for (int attempt = 0; attempt < 2; attempt++) {
                r = journal_connect(fd, socket_path);
                if (r < 0)
                        return r;
                if (sendmsg(*fd, &mh, MSG_NOSIGNAL) >= 0)
                        return 0;
                r = -errno;
                /* EAGAIN is journald's queue being full, not the entry's size: a memfd would wait
                 * as well */
                if (r == -EMSGSIZE || r == -ENOBUFS)
                        return journal_send_memfd(*fd, iov, k);
                if (r != -ECONNREFUSED && r != -ENOTCONN && r != -ECONNRESET && r != -EPIPE)
                        return r;
                *fd = safe_close(*fd);
        }
        return r;
}

int log_journal_sendv(const char *socket_path, const LogHeader *h, const struct iovec *fields, size_t n) {
        return log_journal_sendv_fd(&journal_fd, socket_path, h, fields, n);
}

void log_stream_nonblocking(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        char *end;

        if (!e)
                return;
        errno = 0;
        dev = strtoull(e, &end, 10);
        if (errno != 0 || end == e || *end != ':')
                return;
        e = end + 1;
        ino = strtoull(e, &end, 10);
        if (errno != 0 || end == e || *end != '\0')
                return;
        for (int fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++) {
                struct stat st;
                int flags;

                if (fstat(fd, &st) < 0 || (unsigned long long) st.st_dev != dev ||
                    (unsigned long long) st.st_ino != ino)
                        continue;
                flags = fcntl(fd, F_GETFL);
                if (flags >= 0)
                        (void) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
        }
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
                        if (log_journal_sendv(NULL, &h, iov, n) >= 0)
                                return -error;
                }
                /* fall through to stderr when the journal refuses */
        }

        fprintf(stderr, "%s\n", esc ?: buf);
        return -error;
}
