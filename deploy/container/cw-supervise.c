/* SPDX-License-Identifier: MIT */
/*
 * cw-supervise: the container image's entry point. It does for container-watchd inside a
 * container the two things systemd does for it on a host, and nothing else:
 *
 *   - it is the daemon's parent: it starts the daemon as its child (so the daemon is never the
 *     init of a PID namespace, and with --pid=host / hostPID there is no such init anyway),
 *     forwards SIGTERM, SIGINT and SIGHUP to it, and exits with the daemon's status;
 *   - it is the daemon's service manager for sd_notify: it binds $NOTIFY_SOCKET, passes
 *     WATCHDOG_USEC / WATCHDOG_PID, and accepts READY=1, STATUS=, WATCHDOG=1 from the daemon's
 *     PID only. The daemon pings WATCHDOG=1 from its event loop (sd_event_set_watchdog), so a
 *     ping proves the loop turns. If no ping arrives within the watchdog period, the loop is
 *     wedged: like systemd's WatchdogSec=, cw-supervise sends SIGABRT (SIGKILL 5 s later), and
 *     exits non-zero when the daemon is gone, so Docker's restart policy or the kubelet restarts
 *     the container.
 *
 * Each accepted message updates the mtime of the "alive" file (and writes the last STATUS= into
 * it); READY=1 creates the "ready" file. "cw-supervise --check [MAX_AGE_SEC]" exits 0 only when
 * the daemon is ready and the alive file is younger than MAX_AGE_SEC: the exec liveness probe of
 * the DaemonSet and the HEALTHCHECK of the image.
 *
 * usage: cw-supervise [--watchdog-sec N] -- /usr/sbin/container-watchd [ARGS...]
 *        cw-supervise --check [MAX_AGE_SEC]
 * The watchdog period is N, else $CW_WATCHDOG_SEC, else 30 s (the unit's WatchdogSec=).
 * Files live in $CW_RUN_DIR (default /run/container-watchd, a tmpfs: the root file system is
 * read-only): notify (the socket), alive, ready.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *run_dir = "/run/container-watchd";
static char path_sock[256], path_alive[256], path_ready[256];

static long long now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int check(int max_age) {
        struct stat st;
        time_t now = time(NULL);

        if (access(path_ready, F_OK) < 0) {
                fprintf(stderr, "container-watchd has not sent READY=1\n");
                return 1;
        }
        if (stat(path_alive, &st) < 0) {
                fprintf(stderr, "%s: %m\n", path_alive);
                return 1;
        }
        if (now - st.st_mtime > max_age) {
                fprintf(stderr, "no WATCHDOG=1 from container-watchd for %llds (limit %ds)\n",
                        (long long) (now - st.st_mtime), max_age);
                return 1;
        }
        return 0;
}

/* write_alive: replace the alive file (new mtime), with the last STATUS= as its content. */
static void write_alive(const char *status) {
        char tmp[300];
        int fd;

        snprintf(tmp, sizeof(tmp), "%s.tmp", path_alive);
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return;
        if (status)
                (void) !write(fd, status, strlen(status));
        (void) !write(fd, "\n", 1);
        close(fd);
        (void) rename(tmp, path_alive);
}

int main(int argc, char **argv) {
        long watchdog_sec = 30;
        int i, sock, sfd, status, exit_status = 2;
        pid_t child;
        sigset_t mask;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        long long deadline, abort_at = -1;
        char last_status[512] = "";
        const char *e = getenv("CW_RUN_DIR");

        if (e && *e)
                run_dir = e;
        e = getenv("CW_WATCHDOG_SEC");
        if (e && *e)
                watchdog_sec = strtol(e, NULL, 10);
        snprintf(path_sock, sizeof(path_sock), "%s/notify", run_dir);
        snprintf(path_alive, sizeof(path_alive), "%s/alive", run_dir);
        snprintf(path_ready, sizeof(path_ready), "%s/ready", run_dir);

        if (argc >= 2 && strcmp(argv[1], "--check") == 0)
                return check(argc >= 3 ? atoi(argv[2]) : 90);

        for (i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--watchdog-sec") == 0 && i + 1 < argc)
                        watchdog_sec = strtol(argv[++i], NULL, 10);
                else if (strcmp(argv[i], "--") == 0) {
                        i++;
                        break;
                } else
                        break;
        }
        if (i >= argc || watchdog_sec <= 0) {
                fprintf(stderr, "usage: cw-supervise [--watchdog-sec N] -- COMMAND [ARGS...]\n"
                                "       cw-supervise --check [MAX_AGE_SEC]\n");
                return 2;
        }

        (void) mkdir(run_dir, 0755);
        (void) unlink(path_ready);
        (void) unlink(path_sock);
        sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (sock < 0 || snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path_sock) >= (int) sizeof(sa.sun_path) ||
            bind(sock, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
            setsockopt(sock, SOL_SOCKET, SO_PASSCRED, &(int){ 1 }, sizeof(int)) < 0) {
                fprintf(stderr, "cw-supervise: cannot bind %s: %m\n", path_sock);
                return 2;
        }

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGCHLD);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sfd < 0) {
                fprintf(stderr, "cw-supervise: signalfd: %m\n");
                return 2;
        }

        child = fork();
        if (child < 0) {
                fprintf(stderr, "cw-supervise: fork: %m\n");
                return 2;
        }
        if (child == 0) {
                char buf[32];
                sigprocmask(SIG_UNBLOCK, &mask, NULL);
                setenv("NOTIFY_SOCKET", path_sock, 1);
                snprintf(buf, sizeof(buf), "%lld", (long long) watchdog_sec * 1000000);
                setenv("WATCHDOG_USEC", buf, 1);
                snprintf(buf, sizeof(buf), "%d", (int) getpid());
                setenv("WATCHDOG_PID", buf, 1);
                execv(argv[i], argv + i);
                fprintf(stderr, "cw-supervise: cannot execute %s: %m\n", argv[i]);
                _exit(127);
        }

        deadline = now_ms() + watchdog_sec * 1000;
        for (;;) {
                struct pollfd p[2] = { { .fd = sock, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
                long long t = now_ms(), wake = abort_at >= 0 ? abort_at : deadline;
                int n = poll(p, 2, wake > t ? (int) (wake - t) : 0);

                if (n < 0 && errno != EINTR)
                        break;
                if (abort_at < 0 && now_ms() >= deadline) {
                        fprintf(stderr, "cw-supervise: no WATCHDOG=1 within %lds: the daemon's loop is stuck, sending SIGABRT\n",
                                watchdog_sec);
                        (void) unlink(path_ready);
                        kill(child, SIGABRT);
                        abort_at = now_ms() + 5000;
                        exit_status = 3;
                } else if (abort_at >= 0 && now_ms() >= abort_at) {
                        kill(child, SIGKILL);
                        abort_at = now_ms() + 60000;
                }
                if (p[0].revents & POLLIN) {
                        char buf[4096], ctl[CMSG_SPACE(sizeof(struct ucred))];
                        struct iovec iov = { buf, sizeof(buf) - 1 };
                        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                                             .msg_controllen = sizeof(ctl) };
                        ssize_t k;

                        while ((k = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC)) >= 0) {
                                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                                struct ucred uc = { .pid = 0 };
                                bool alive = false;
                                char *line, *save = NULL;

                                if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
                                        memcpy(&uc, CMSG_DATA(c), sizeof(uc));
                                mh.msg_controllen = sizeof(ctl);
                                if (uc.pid != child)    /* NotifyAccess=main */
                                        continue;
                                buf[k] = '\0';
                                for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                                        if (strcmp(line, "WATCHDOG=1") == 0)
                                                alive = true;
                                        else if (strcmp(line, "READY=1") == 0) {
                                                alive = true;
                                                close(open(path_ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
                                        } else if (strcmp(line, "STOPPING=1") == 0)
                                                (void) unlink(path_ready);
                                        else if (strncmp(line, "STATUS=", 7) == 0)
                                                snprintf(last_status, sizeof(last_status), "%s", line + 7);
                                }
                                if (alive && abort_at < 0) {
                                        deadline = now_ms() + watchdog_sec * 1000;
                                        write_alive(last_status);
                                }
                        }
                }
                if (p[1].revents & POLLIN) {
                        struct signalfd_siginfo si;

                        while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
                                if (si.ssi_signo != SIGCHLD) {
                                        kill(child, (int) si.ssi_signo);
                                        continue;
                                }
                                if (waitpid(child, &status, WNOHANG) == child) {
                                        (void) unlink(path_ready);
                                        (void) unlink(path_sock);
                                        if (exit_status == 3)
                                                return 3;
                                        if (WIFEXITED(status))
                                                return WEXITSTATUS(status);
                                        return 128 + WTERMSIG(status);
                                }
                        }
                }
        }
        fprintf(stderr, "cw-supervise: poll: %m\n");
        kill(child, SIGTERM);
        return 2;
}
