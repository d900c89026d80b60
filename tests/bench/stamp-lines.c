/* SPDX-License-Identifier: MIT */
/*
 * stamp-lines: prefix every line read from stdin with the CLOCK_REALTIME time (ns) at which the
 * read() that delivered it returned, and a tab. For the --json output of container-watchd and for
 * `docker events`: the stamp is when a consumer of that stream would have the line.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include "bench-util.h"

int main(void) {
        static char buf[1 << 16], line[1 << 16];
        size_t ll = 0;

        for (;;) {
                ssize_t k = read(STDIN_FILENO, buf, sizeof(buf));
                uint64_t stamp = now_ns();

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        die("stamp-lines", "read");
                }
                if (k == 0)
                        break;
                for (ssize_t i = 0; i < k; i++) {
                        if (buf[i] == '\n') {
                                printf("%" PRIu64 "\t%.*s\n", stamp, (int) ll, line);
                                ll = 0;
                        } else if (ll < sizeof(line) - 1)
                                line[ll++] = buf[i];
                }
                fflush(stdout);
        }
        if (ll > 0)
                printf("%" PRIu64 "\t%.*s\n", now_ns(), (int) ll, line);
        return 0;
}
