/* SPDX-License-Identifier: MIT */
/*
 * pidfd-ref: the floor. The bare minimum a process-exit watcher can do, done the same way as
 * container-watchd but with nothing else: pidfd_open() + epoll on the given PIDs.
 *
 *   pidfd-ref TARGETS
 *   pidfd-ref --probe   exit 0 if pidfd_open() works here (valgrind < 3.20 lacks it)
 *
 * TARGETS holds "ID PID" lines. Output, one line each, CLOCK_REALTIME ns taken right after
 * epoll_wait() returns:
 *   # ready N           every pidfd is open and in the epoll set
 *   E ID PID NS         the pidfd turned readable (the thread group exited)
 *   X ID PID NS WS      the task was reaped (EPOLLHUP, Linux >= 6.9); WS = PIDFD_GET_INFO's
 *                       wait status (Linux >= 6.15), or "?" where the kernel does not give it
 *   G ID PID NS         gone before we looked
 * Ends when every target has its X (or G) line.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <sys/epoll.h>
#include <sys/ioctl.h>

#include "bench-util.h"

#define PROG "pidfd-ref"

int main(int argc, char *argv[]) {
        struct epoll_event evs[512];
        BenchTarget *t = NULL;
        size_t n, remaining = 0;
        int ep;

        if (argc == 2 && strcmp(argv[1], "--probe") == 0) {
                /* can this process (e.g. under valgrind) use pidfd_open at all? */
                int fd = bench_pidfd_open(getpid());

                return fd >= 0 ? 0 : 1;
        }
        if (argc != 2) {
                fputs("usage: pidfd-ref TARGETS | --probe\n", stderr);
                return 1;
        }
        n = read_targets(argv[1], &t);
        ep = epoll_create1(EPOLL_CLOEXEC);
        if (ep < 0)
                die(PROG, "epoll_create1");
        for (size_t i = 0; i < n; i++) {
                struct epoll_event ev = { .events = EPOLLIN, .data.u64 = i };

                t[i].fd = bench_pidfd_open(t[i].pid);
                if (t[i].fd < 0) {
                        printf("G %s %d %" PRIu64 "\n", t[i].id, (int) t[i].pid, now_ns());
                        continue;
                }
                if (epoll_ctl(ep, EPOLL_CTL_ADD, t[i].fd, &ev) < 0)
                        die(PROG, "epoll_ctl");
                remaining++;
        }
        printf("# ready %zu\n", remaining);
        fflush(stdout);

        while (remaining > 0) {
                int k = epoll_wait(ep, evs, (int) (sizeof(evs) / sizeof(evs[0])), -1);
                uint64_t stamp = now_ns();

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        die(PROG, "epoll_wait");
                }
                for (int j = 0; j < k; j++) {
                        BenchTarget *x = &t[evs[j].data.u64];

                        if (x->state == 0) {
                                printf("E %s %d %" PRIu64 "\n", x->id, (int) x->pid, stamp);
                                x->state = 1;
                        }
                        if (evs[j].events & EPOLLHUP) {
                                struct bench_pidfd_info info = { .mask = BENCH_PIDFD_INFO_EXIT };

                                if (ioctl(x->fd, BENCH_PIDFD_GET_INFO, &info) == 0 &&
                                    (info.mask & BENCH_PIDFD_INFO_EXIT))
                                        printf("X %s %d %" PRIu64 " %d\n", x->id, (int) x->pid, stamp,
                                               info.exit_code);
                                else
                                        printf("X %s %d %" PRIu64 " ?\n", x->id, (int) x->pid, stamp);
                                (void) epoll_ctl(ep, EPOLL_CTL_DEL, x->fd, NULL);
                                close(x->fd);
                                remaining--;
                        } else {
                                /* level-triggered: wait for the HUP of the reap only (FACTS 1.5) */
                                struct epoll_event ev = { .events = 0, .data.u64 = evs[j].data.u64 };

                                (void) epoll_ctl(ep, EPOLL_CTL_MOD, x->fd, &ev);
                        }
                }
                fflush(stdout);
        }
        return 0;
}
