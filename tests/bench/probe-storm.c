/* SPDX-License-Identifier: MIT */
/*
 * probe-storm: the two workloads whose cost the kernel probe must keep small (issue 13, item 5),
 * between ordinary processes outside any container:
 *   probe-storm signals N   N signals ping-ponged between a parent and its child (SIGUSR1 one way,
 *                           SIGUSR2 back, each waited for with sigwaitinfo): every one passes the
 *                           signal_generate tracepoint and the probe's filter;
 *                           N/2 round trips
 *   probe-storm forks N     N children forked, each _exit(0) at once, reaped in turn: every exit
 *                           passes sched_process_exit
 * Prints "<workload> <N> <elapsed ns> <cpu ns>": the wall time (CLOCK_MONOTONIC) and the CPU time,
 * user and system, of this process and its reaped children (getrusage). The CPU time leaves out
 * the waits for a CPU that other work on a shared machine causes, and includes the kernel's time in
 * the probe's programs, which run in the context of the signalling or exiting task. Asserts
 * nothing: tests/bench/probe-cost.sh runs it with the probe attached and detached, side by side.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-util.h"

static int storm_signals(long n) {
        sigset_t ss;
        pid_t parent = getpid(), child;
        long rounds = n / 2;
        int status;

        sigemptyset(&ss);
        sigaddset(&ss, SIGUSR1);
        sigaddset(&ss, SIGUSR2);
        if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0)
                return -1;
        child = fork();
        if (child < 0)
                return -1;
        if (child == 0) {
                sigset_t one;
                sigemptyset(&one);
                sigaddset(&one, SIGUSR1);
                for (long i = 0; i < rounds; i++) {
                        if (sigwaitinfo(&one, NULL) < 0)
                                _exit(2);
                        if (kill(parent, SIGUSR2) < 0)
                                _exit(3);
                }
                _exit(0);
        }
        sigset_t two;
        sigemptyset(&two);
        sigaddset(&two, SIGUSR2);
        for (long i = 0; i < rounds; i++) {
                if (kill(child, SIGUSR1) < 0 || sigwaitinfo(&two, NULL) < 0)
                        return -1;
        }
        if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return -1;
        return 0;
}

static int storm_forks(long n) {
        for (long i = 0; i < n; i++) {
                int status;
                pid_t p = fork();
                if (p < 0)
                        return -1;
                if (p == 0)
                        _exit(0);
                if (waitpid(p, &status, 0) < 0)
                        return -1;
        }
        return 0;
}

static uint64_t tv_ns(const struct timeval *tv) {
        return (uint64_t) tv->tv_sec * UINT64_C(1000000000) + (uint64_t) tv->tv_usec * 1000;
}

/* User and system time of this process and of its reaped children, in ns. */
static uint64_t cpu_ns(void) {
        struct rusage self, children;

        if (getrusage(RUSAGE_SELF, &self) < 0 || getrusage(RUSAGE_CHILDREN, &children) < 0)
                return 0;
        return tv_ns(&self.ru_utime) + tv_ns(&self.ru_stime) + tv_ns(&children.ru_utime) + tv_ns(&children.ru_stime);
}

int main(int argc, char **argv) {
        uint64_t t0, t1, c0, c1;
        long n;
        int r;

        if (argc != 3 || (strcmp(argv[1], "signals") != 0 && strcmp(argv[1], "forks") != 0)) {
                fprintf(stderr, "usage: probe-storm signals|forks N\n");
                return 2;
        }
        n = strtol(argv[2], NULL, 10);
        if (n <= 0) {
                fprintf(stderr, "probe-storm: N must be positive\n");
                return 2;
        }
        c0 = cpu_ns();
        t0 = mono_ns();
        r = strcmp(argv[1], "signals") == 0 ? storm_signals(n) : storm_forks(n);
        t1 = mono_ns();
        c1 = cpu_ns();
        if (r < 0) {
                perror("probe-storm");
                return 1;
        }
        printf("%s %ld %" PRIu64 " %" PRIu64 "\n", argv[1], n, t1 - t0, c1 - c0);
        return 0;
}
