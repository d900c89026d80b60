/* SPDX-License-Identifier: MIT */
/*
 * kill-stamp: SIGKILL the PIDs of TARGETS ("ID PID" lines) one at a time, INTERVAL_MS apart, and
 * print "K ID PID NS" (CLOCK_REALTIME ns taken just before each kill()). For processes that are
 * not spawn-inits' own, such as the inits of real Docker containers.
 *
 *   kill-stamp TARGETS INTERVAL_MS
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <signal.h>

#include "bench-util.h"

int main(int argc, char *argv[]) {
        BenchTarget *t = NULL;
        size_t n;
        long ms;

        if (argc != 3) {
                fputs("usage: kill-stamp TARGETS INTERVAL_MS\n", stderr);
                return 1;
        }
        n = read_targets(argv[1], &t);
        ms = strtol(argv[2], NULL, 10);
        for (size_t i = 0; i < n; i++) {
                struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

                printf("K %s %d %" PRIu64 "\n", t[i].id, (int) t[i].pid, now_ns());
                if (kill(t[i].pid, SIGKILL) < 0)
                        fprintf(stderr, "kill-stamp: kill %d: %s\n", (int) t[i].pid, strerror(errno));
                fflush(stdout);
                if (i + 1 < n)
                        (void) nanosleep(&ts, NULL);
        }
        return 0;
}
