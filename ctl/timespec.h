/* SPDX-License-Identifier: MIT */
/*
 * Time specifications as journalctl(1) takes them for --since= / --until= (systemd.time(7)), and
 * the timestamps container-watchctl prints. Pure functions over their arguments and the process's
 * time zone (TZ); owns nothing, includes nothing else from daemon/ but util/.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Parse a time span: "5min", "1h 30min", "1h30min", "1.5h", "2 days", "300ms", "90" (seconds).
 * Units: us usec µs, ms msec, s sec second(s), m min minute(s), h hr hour(s), d day(s),
 * w week(s), M month(s) (30.44 d), y year(s) (365.25 d). Returns 0 and sets *ret_usec, or -EINVAL
 * (not a span) / -ERANGE (does not fit in 64 bits of microseconds).
 */
int timespan_parse(const char *s, uint64_t *ret_usec);

/*
 * Parse a point in time relative to now_usec (CLOCK_REALTIME µs), in the forms journalctl takes:
 *   "now", "today", "yesterday", "tomorrow" (midnight, local time);
 *   "-1h", "+5min", "5min ago", "3h left" (now minus / plus a span);
 *   "@1700000000" or "@1700000000.25" (seconds since the epoch);
 *   "2026-12-01 21:02:03", "2026-12-01T21:02:03", with ".123456" fractions, "2026-12-01 21:02",
 *   "2026-12-01" (midnight), "26-12-01 ..." (two-digit year), "21:02:03" and "21:02" (today);
 *   optionally after a weekday ("Tue 2026-12-01 21:02:03", which must then match) and before a
 *   time zone: " UTC", "Z", the local zone's abbreviation, or an offset ("+01:00", "-0530").
 * Local time follows TZ. Returns 0 and sets *ret_usec, or -EINVAL / -ERANGE.
 */
int timespec_parse(const char *s, uint64_t now_usec, uint64_t *ret_usec);

/* "Tue 2026-12-01 21:02:03 UTC" in local time (or UTC when utc); "n/a" for 0. Returns buf. */
char *timestamp_format(char *buf, size_t l, uint64_t usec, bool utc);

/* The same with microseconds: "Tue 2026-12-01 21:02:03.123456 UTC". Returns buf. */
char *timestamp_format_us(char *buf, size_t l, uint64_t usec, bool utc);
