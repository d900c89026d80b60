/* SPDX-License-Identifier: MIT */
/*
 * open-perm: who opened a file, and with which capabilities, at the very moment of the open.
 *
 *   open-perm FILE OUTPUT
 *
 * Puts a fanotify FAN_OPEN_PERM mark on FILE (an inode mark: the file itself, wherever it is
 * opened from). Each opener is held in open(2) until this program has appended one line
 * "pid=P CapEff=HEX" (from /proc/P/status) to OUTPUT, and is then allowed. A test thus learns the
 * capabilities a process had when it opened the file, not some time later. OUTPUT is created
 * (empty) once the mark is in place: a test may start the opener as soon as OUTPUT exists.
 * SIGTERM or SIGINT ends the program with status 0; any failure ends it with status 1 and a
 * message on stderr. Needs CAP_SYS_ADMIN.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

static void cap_eff(pid_t pid, char *buf, size_t l) {
        char path[64], line[256];
        FILE *f;

        snprintf(buf, l, "?");
        snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
        f = fopen(path, "re");
        if (!f)
                return;
        while (fgets(line, sizeof(line), f))
                if (strncmp(line, "CapEff:", 7) == 0) {
                        snprintf(buf, l, "%s", line + 7 + strspn(line + 7, " \t"));
                        buf[strcspn(buf, "\n")] = 0;
                        break;
                }
        fclose(f);
}

int main(int argc, char *argv[]) {
        struct pollfd p[2];
        sigset_t ss;
        int fan, sfd, out;

        if (argc != 3) {
                fputs("usage: open-perm FILE OUTPUT\n", stderr);
                return 1;
        }
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0 || (sfd = signalfd(-1, &ss, SFD_CLOEXEC)) < 0) {
                perror("open-perm: signalfd");
                return 1;
        }
        fan = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY | O_CLOEXEC);
        if (fan < 0) {
                perror("open-perm: fanotify_init");
                return 1;
        }
        if (fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN_PERM, AT_FDCWD, argv[1]) < 0) {
                fprintf(stderr, "open-perm: fanotify_mark '%s': %s\n", argv[1], strerror(errno));
                return 1;
        }
        out = open(argv[2], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (out < 0) {
                fprintf(stderr, "open-perm: '%s': %s\n", argv[2], strerror(errno));
                return 1;
        }
        p[0] = (struct pollfd) { .fd = fan, .events = POLLIN };
        p[1] = (struct pollfd) { .fd = sfd, .events = POLLIN };
        for (;;) {
                char buf[4096] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
                const struct fanotify_event_metadata *m;
                ssize_t n;

                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        perror("open-perm: poll");
                        return 1;
                }
                if (p[1].revents)
                        return 0;
                n = read(fan, buf, sizeof(buf));
                if (n < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                continue;
                        perror("open-perm: read");
                        return 1;
                }
                for (m = (const void *) buf; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
                        struct fanotify_response r = { .fd = m->fd, .response = FAN_ALLOW };
                        char cap[64], line[128];
                        int l;

                        if (m->vers != FANOTIFY_METADATA_VERSION) {
                                fputs("open-perm: unexpected fanotify metadata version\n", stderr);
                                return 1;
                        }
                        if (m->fd < 0)
                                continue;
                        if (m->mask & FAN_OPEN_PERM) {
                                cap_eff(m->pid, cap, sizeof(cap));
                                l = snprintf(line, sizeof(line), "pid=%d CapEff=%s\n", (int) m->pid, cap);
                                if (write(out, line, (size_t) l) != l) {
                                        perror("open-perm: write");
                                        return 1;
                                }
                                if (write(fan, &r, sizeof(r)) != (ssize_t) sizeof(r)) {
                                        perror("open-perm: response");
                                        return 1;
                                }
                        }
                        close(m->fd);
                }
        }
}
