/* SPDX-License-Identifier: MIT */
/*
 * Clocks and time spans (see time.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "util/cleanup.h"
#include "util/time.h"

static uint64_t now_usec(clockid_t c) {
        struct timespec ts;

        (void) clock_gettime(c, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;
}

uint64_t now_realtime_usec(void) {
        return now_usec(CLOCK_REALTIME);
}

uint64_t now_monotonic_usec(void) {
        return now_usec(CLOCK_MONOTONIC);
}

uint64_t now_boottime_usec(void) {
        return now_usec(CLOCK_BOOTTIME);
}

char *format_timespan_short(char *buf, size_t l, uint64_t usec) {
        static const struct {
                const char *suffix;
                uint64_t usec;
        } units[] = {
                { "d",   UINT64_C(86400) * USEC_PER_SEC },
                { "h",   UINT64_C(3600) * USEC_PER_SEC  },
                { "min", UINT64_C(60) * USEC_PER_SEC    },
                { "s",   USEC_PER_SEC                   },
        };
        size_t n = 0;
        unsigned parts = 0;

        if (!buf || l == 0)
                return buf;

        if (usec == USEC_INFINITY) {
                (void) snprintf(buf, l, "infinity");
                return buf;
        }
        if (usec < USEC_PER_MSEC) {
                (void) snprintf(buf, l, "0");
                return buf;
        }
        if (usec < USEC_PER_SEC) {
                (void) snprintf(buf, l, "%" PRIu64 "ms", usec / USEC_PER_MSEC);
                return buf;
        }

        /* Whole seconds and up: the two most significant non-zero units, truncated (a lifetime of
         * 59.9 s is "59s", never rounded up to a minute it did not reach). */
        for (size_t i = 0; i < ELEMENTSOF(units) && parts < 2; i++) {
                uint64_t q = usec / units[i].usec;
                int k;

                if (q == 0)
                        continue;
                usec -= q * units[i].usec;

                k = snprintf(buf + n, l - n, "%s%" PRIu64 "%s", parts > 0 ? " " : "", q, units[i].suffix);
                if (k < 0 || (size_t) k >= l - n)
                        break;   /* truncated, still NUL-terminated */
                n += (size_t) k;
                parts++;
        }

        return buf;
}
