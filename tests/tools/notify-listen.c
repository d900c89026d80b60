/* SPDX-License-Identifier: MIT */
/*
 * notify-listen: a stand-in for systemd's notification socket, for the integration tests.
 *
 *   notify-listen [-C] SOCKET OUTPUT
 *
 * Binds an AF_UNIX/SOCK_DGRAM socket at SOCKET (a path, or "@name" for an abstract name) with
 * SO_PASSCRED, and appends every datagram it receives to OUTPUT: the datagram's text, a newline
 * if the text did not end with one, then an empty line. Each message is written with one write(2)
 * on an O_APPEND fd, so a reader never sees half a message followed by the next one. With -C, each
 * message is preceded by a line "# pid=P uid=U gid=G" from SCM_CREDENTIALS (the sender).
 *
 * The socket exists (and SO_PASSCRED is set) before the path appears, so a test may start the
 * notifying program as soon as SOCKET exists. Datagrams sent before that are not lost: they queue.
 * File descriptors passed along (FDSTORE=1) are closed. SIGTERM or SIGINT ends the program with
 * status 0 after unlinking SOCKET; any failure ends it with status 1 and a message on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* sd_notify messages are small; anything close to this is a bug worth seeing in the output. */
#define MAX_DATAGRAM (256 * 1024)

static void usage(FILE *f) {
        fputs("usage: notify-listen [-C] SOCKET OUTPUT\n", f);
}

static int write_all(int fd, const char *buf, size_t len) {
        while (len > 0) {
                ssize_t n = write(fd, buf, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                buf += n;
                len -= (size_t) n;
        }
        return 0;
}

/* Close every fd passed with SCM_RIGHTS and return the sender's credentials, if any. */
static bool scan_control(struct msghdr *mh, struct ucred *ret_cred) {
        bool have_cred = false;

        for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
                if (c->cmsg_level != SOL_SOCKET)
                        continue;
                if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
                        memcpy(ret_cred, CMSG_DATA(c), sizeof(struct ucred));
                        have_cred = true;
                } else if (c->cmsg_type == SCM_RIGHTS) {
                        size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                        int fds[n > 0 ? n : 1];

                        memcpy(fds, CMSG_DATA(c), n * sizeof(int));
                        for (size_t i = 0; i < n; i++)
                                (void) close(fds[i]);
                }
        }
        return have_cred;
}

static int handle_datagram(int sock, int out, bool show_creds, char *buf, char *frame) {
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 253)];
        } control;
        struct iovec iov = { .iov_base = buf, .iov_len = MAX_DATAGRAM };
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = &control,
                .msg_controllen = sizeof(control),
        };
        struct ucred cred = { .pid = 0 };
        ssize_t n;
        size_t len = 0;

        n = recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
        if (n < 0)
                return (errno == EAGAIN || errno == EINTR) ? 0 : -errno;

        bool have_cred = scan_control(&mh, &cred);

        if (show_creds) {
                if (have_cred)
                        len += (size_t) snprintf(frame, 128, "# pid=%ld uid=%lu gid=%lu\n",
                                                 (long) cred.pid, (unsigned long) cred.uid,
                                                 (unsigned long) cred.gid);
                else
                        len += (size_t) snprintf(frame, 128, "# pid=? uid=? gid=?\n");
        }
        if ((size_t) n > MAX_DATAGRAM || (mh.msg_flags & MSG_TRUNC)) {
                fprintf(stderr, "notify-listen: datagram of %zd bytes truncated to %d\n", n, MAX_DATAGRAM);
                n = MAX_DATAGRAM;
        }
        if (mh.msg_flags & MSG_CTRUNC)
                fprintf(stderr, "notify-listen: control data truncated\n");

        memcpy(frame + len, buf, (size_t) n);
        len += (size_t) n;
        if (n == 0 || buf[n - 1] != '\n')
                frame[len++] = '\n';
        frame[len++] = '\n';

        return write_all(out, frame, len);
}

int main(int argc, char *argv[]) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        socklen_t salen;
        bool show_creds = false, abstract;
        const char *path, *output;
        sigset_t mask;
        int sock, out, sfd, opt, one = 1, r = 1;
        char *buf = NULL, *frame = NULL;

        while ((opt = getopt(argc, argv, "Ch")) >= 0)
                switch (opt) {
                case 'C':
                        show_creds = true;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 1;
                }
        if (argc - optind != 2) {
                usage(stderr);
                return 1;
        }
        path = argv[optind];
        output = argv[optind + 1];

        abstract = path[0] == '@';
        if (strlen(path) >= sizeof(sa.sun_path) || (abstract && path[1] == '\0') || path[0] == '\0') {
                fprintf(stderr, "notify-listen: bad socket address '%s'\n", path);
                return 1;
        }
        strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
        if (abstract)
                sa.sun_path[0] = '\0';
        salen = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + strlen(path) + (abstract ? 0 : 1));

        /* Signals first, so that a SIGTERM sent right after the socket appears is not lost. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) {
                perror("notify-listen: sigprocmask");
                return 1;
        }
        sfd = signalfd(-1, &mask, SFD_CLOEXEC);
        if (sfd < 0) {
                perror("notify-listen: signalfd");
                return 1;
        }

        out = open(output, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (out < 0) {
                fprintf(stderr, "notify-listen: cannot open '%s': %m\n", output);
                return 1;
        }

        buf = malloc(MAX_DATAGRAM);
        frame = malloc(MAX_DATAGRAM + 256);
        if (!buf || !frame) {
                fputs("notify-listen: out of memory\n", stderr);
                goto finish;
        }

        sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (sock < 0) {
                perror("notify-listen: socket");
                goto finish;
        }
        if (setsockopt(sock, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0) {
                perror("notify-listen: SO_PASSCRED");
                goto finish;
        }
        if (!abstract)
                (void) unlink(path);
        if (bind(sock, (struct sockaddr *) &sa, salen) < 0) {
                fprintf(stderr, "notify-listen: cannot bind '%s': %m\n", path);
                goto finish;
        }

        for (;;) {
                struct pollfd p[2] = {
                        { .fd = sock, .events = POLLIN },
                        { .fd = sfd, .events = POLLIN },
                };

                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        perror("notify-listen: poll");
                        break;
                }
                /* Drain the socket before looking at signals: what was sent before SIGTERM is kept. */
                if (p[0].revents & POLLIN) {
                        int k = handle_datagram(sock, out, show_creds, buf, frame);
                        if (k < 0) {
                                fprintf(stderr, "notify-listen: %s\n", strerror(-k));
                                break;
                        }
                        continue;
                }
                if (p[1].revents & POLLIN) {
                        r = 0;
                        break;
                }
        }

        if (!abstract)
                (void) unlink(path);
finish:
        free(buf);
        free(frame);
        return r;
}
