/* SPDX-License-Identifier: MIT */
/*
 * Clocks and time spans: the µs constants, the current time on the two clocks the daemon uses, and
 * human time spans for journal messages. Pure functions; owns nothing; includes nothing else from
 * daemon/.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define USEC_PER_SEC  UINT64_C(1000000)
#define USEC_PER_MSEC UINT64_C(1000)
#define NSEC_PER_USEC UINT64_C(1000)
#define USEC_INFINITY UINT64_MAX

/* CLOCK_REALTIME / CLOCK_MONOTONIC in µs. */
uint64_t now_realtime_usec(void);
uint64_t now_monotonic_usec(void);
/* CLOCK_BOOTTIME: counts suspend, and is the same for every process of one boot. */
uint64_t now_boottime_usec(void);

/*
 * Human time span in the style of systemd's format_timespan: "2min 3s", "1h 5min", "850ms", "3s",
 * "1d 2h". At most the two most significant non-zero units; below one second, milliseconds; below
 * one millisecond "0". Writes into buf (always NUL-terminated when l > 0) and returns buf.
 */
char *format_timespan_short(char *buf, size_t l, uint64_t usec);
