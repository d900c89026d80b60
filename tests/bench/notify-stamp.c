/* SPDX-License-Identifier: MIT */
/*
 * notify-stamp: run a command with $NOTIFY_SOCKET pointing at a socket of ours, and stamp what it
 * sends there (READY=1, STATUS=...). For start-up times.
 *
 *   notify-stamp -o OUT SOCKET -- COMMAND [ARGS...]
 *
 * OUT receives, CLOCK_REALTIME ns:
 *   start NS PID        just before fork()+exec() of COMMAND (PID = its pid)
 *   NS TEXT             each datagram, newlines shown as spaces
 *   cpu NS              after a datagram with READY=1: COMMAND's CPU time so far (user + system,
 *                       every thread: the sum of /proc/PID/task/TID/schedstat's first field), ns
 *   exit NS STATUS      when COMMAND ended (its wait status)
 * COMMAND's stdin, stdout and stderr are ours. SIGTERM and SIGINT are passed on to it; we end
 * when it does, with status 0 if it exited 0.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "bench-util.h"

#define PROG "notify-stamp"

/* "cpu NS" : the CPU time COMMAND's threads have used so far (schedstat, ns), as it said READY=1 */
static void stamp_cpu(FILE *out, pid_t pid) {
        char path[64], line[256];
        uint64_t sum = 0;
        DIR *d;
        struct dirent *de;

        snprintf(path, sizeof(path), "/proc/%d/task", (int) pid);
        d = opendir(path);
        if (!d)
                return;
        while ((de = readdir(d))) {
                char p2[320];
                FILE *f;

                if (de->d_name[0] == '.')
                        continue;
                snprintf(p2, sizeof(p2), "/proc/%d/task/%s/schedstat", (int) pid, de->d_name);
                f = fopen(p2, "re");
                if (!f)
                        continue;
                if (fgets(line, sizeof(line), f))
                        sum += strtoull(line, NULL, 10);
                fclose(f);
        }
        closedir(d);
        fprintf(out, "cpu %" PRIu64 "\n", sum);
}

int main(int argc, char *argv[]) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        const char *out_path = NULL, *sock_path;
        static char buf[65536];
        sigset_t ss;
        FILE *out;
        pid_t pid;
        int sock, sfd, opt, ws = 0;

        while ((opt = getopt(argc, argv, "+o:")) >= 0)
                if (opt == 'o')
                        out_path = optarg;
                else
                        return 1;
        if (!out_path || argc - optind < 2) {
                fputs("usage: notify-stamp -o OUT SOCKET -- COMMAND [ARGS...]\n", stderr);
                return 1;
        }
        sock_path = argv[optind++];
        if (strcmp(argv[optind], "--") == 0)
                optind++;
        if (optind >= argc || strlen(sock_path) >= sizeof(sa.sun_path))
                return 1;

        out = fopen(out_path, "we");
        if (!out)
                die(PROG, "open output");
        sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (sock < 0)
                die(PROG, "socket");
        strcpy(sa.sun_path, sock_path);
        (void) unlink(sock_path);
        if (bind(sock, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                die(PROG, "bind");

        sigemptyset(&ss);
        sigaddset(&ss, SIGCHLD);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0)
                die(PROG, "sigprocmask");
        sfd = signalfd(-1, &ss, SFD_CLOEXEC);
        if (sfd < 0)
                die(PROG, "signalfd");

        setenv("NOTIFY_SOCKET", sock_path, 1);
        {
                uint64_t t = now_ns();

                pid = fork();
                if (pid < 0)
                        die(PROG, "fork");
                if (pid == 0) {
                        sigprocmask(SIG_UNBLOCK, &ss, NULL);
                        execvp(argv[optind], argv + optind);
                        _exit(127);
                }
                fprintf(out, "start %" PRIu64 " %d\n", t, (int) pid);
                fflush(out);
        }

        for (;;) {
                struct pollfd p[2] = { { .fd = sock, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };

                if (poll(p, 2, -1) < 0 && errno != EINTR)
                        die(PROG, "poll");
                if (p[0].revents & POLLIN) {
                        ssize_t k = recv(sock, buf, sizeof(buf) - 1, MSG_DONTWAIT);
                        uint64_t t = now_ns();

                        if (k >= 0) {
                                buf[k] = 0;
                                for (char *c = buf; *c; c++)
                                        if (*c == '\n')
                                                *c = ' ';
                                fprintf(out, "%" PRIu64 " %s\n", t, buf);
                                if (strstr(buf, "READY=1"))
                                        stamp_cpu(out, pid);
                                fflush(out);
                        }
                        continue;
                }
                if (p[1].revents & POLLIN) {
                        struct signalfd_siginfo si;

                        if (read(sfd, &si, sizeof(si)) != sizeof(si))
                                continue;
                        if (si.ssi_signo == SIGCHLD) {
                                if (waitpid(pid, &ws, WNOHANG) == pid)
                                        break;
                        } else
                                (void) kill(pid, (int) si.ssi_signo);
                }
        }
        fprintf(out, "exit %" PRIu64 " %d\n", now_ns(), ws);
        fclose(out);
        (void) unlink(sock_path);
        return WIFEXITED(ws) && WEXITSTATUS(ws) == 0 ? 0 : 1;
}
