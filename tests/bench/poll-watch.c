/* SPDX-License-Identifier: MIT */
/*
 * poll-watch: what monitoring agents do today: `kill -0 PID` on every watched PID every 100 ms.
 *
 *   poll-watch TARGETS [INTERVAL_MS]
 *
 * TARGETS holds "ID PID" lines. Output: "# ready N" once, then "P ID PID NS" (CLOCK_REALTIME ns)
 * when kill(PID, 0) first fails with ESRCH. Like `kill -0`, it sees a process as alive until it
 * has been reaped: a zombie still accepts signal 0. Ends when every PID is gone.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <signal.h>

#include "bench-util.h"

int main(int argc, char *argv[]) {
        BenchTarget *t = NULL;
        size_t n, remaining;
        long interval_ms = argc > 2 ? strtol(argv[2], NULL, 10) : 100;
        struct timespec next;

        if (argc < 2 || argc > 3 || interval_ms <= 0) {
                fputs("usage: poll-watch TARGETS [INTERVAL_MS]\n", stderr);
                return 1;
        }
        n = remaining = read_targets(argv[1], &t);
        printf("# ready %zu\n", n);
        fflush(stdout);
        clock_gettime(CLOCK_MONOTONIC, &next);
        while (remaining > 0) {
                for (size_t i = 0; i < n; i++)
                        if (t[i].state == 0 && kill(t[i].pid, 0) < 0 && errno == ESRCH) {
                                printf("P %s %d %" PRIu64 "\n", t[i].id, (int) t[i].pid, now_ns());
                                t[i].state = 1;
                                remaining--;
                        }
                fflush(stdout);
                next.tv_nsec += interval_ms * 1000000L;
                while (next.tv_nsec >= 1000000000L) {
                        next.tv_nsec -= 1000000000L;
                        next.tv_sec++;
                }
                while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
                        ;
        }
        return 0;
}
