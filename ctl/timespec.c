/* SPDX-License-Identifier: MIT */
/*
 * Time specifications in journalctl's forms (see timespec.h), written here from systemd.time(7)'s
 * description. Local time goes through mktime() with the process's TZ; nothing is cached.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "timespec.h"
#include "util/cleanup.h"
#include "util/strutil.h"
#include "util/time.h"

#define WHITESPACE " \t\n\r"
#define USEC_PER_MINUTE (UINT64_C(60) * USEC_PER_SEC)
#define USEC_PER_HOUR   (UINT64_C(3600) * USEC_PER_SEC)
#define USEC_PER_DAY    (UINT64_C(86400) * USEC_PER_SEC)

static const struct {
        const char *name;
        uint64_t usec;
} span_units[] = {
        { "us",      1                                  },
        { "usec",    1                                  },
        { "\xc2\xb5s", 1                                }, /* µs, MICRO SIGN */
        { "\xce\xbcs", 1                                }, /* μs, GREEK SMALL LETTER MU */
        { "ms",      USEC_PER_MSEC                      },
        { "msec",    USEC_PER_MSEC                      },
        { "s",       USEC_PER_SEC                       },
        { "sec",     USEC_PER_SEC                       },
        { "second",  USEC_PER_SEC                       },
        { "seconds", USEC_PER_SEC                       },
        { "m",       USEC_PER_MINUTE                    },
        { "min",     USEC_PER_MINUTE                    },
        { "minute",  USEC_PER_MINUTE                    },
        { "minutes", USEC_PER_MINUTE                    },
        { "h",       USEC_PER_HOUR                      },
        { "hr",      USEC_PER_HOUR                      },
        { "hour",    USEC_PER_HOUR                      },
        { "hours",   USEC_PER_HOUR                      },
        { "d",       USEC_PER_DAY                       },
        { "day",     USEC_PER_DAY                       },
        { "days",    USEC_PER_DAY                       },
        { "w",       7 * USEC_PER_DAY                   },
        { "week",    7 * USEC_PER_DAY                   },
        { "weeks",   7 * USEC_PER_DAY                   },
        /* systemd's month and year: 30.44 and 365.25 days */
        { "M",       UINT64_C(2629800) * USEC_PER_SEC   },
        { "month",   UINT64_C(2629800) * USEC_PER_SEC   },
        { "months",  UINT64_C(2629800) * USEC_PER_SEC   },
        { "y",       UINT64_C(31557600) * USEC_PER_SEC  },
        { "year",    UINT64_C(31557600) * USEC_PER_SEC  },
        { "years",   UINT64_C(31557600) * USEC_PER_SEC  },
};

static bool unit_char(char c) {
        return isalpha((unsigned char) c) || (unsigned char) c >= 0x80;
}

/* a + b, or -ERANGE */
static int add_usec(uint64_t a, uint64_t b, uint64_t *ret) {
        if (a > UINT64_MAX - 1 - b)
                return -ERANGE;
        *ret = a + b;
        return 0;
}

/* Digits with an optional fraction: "12", "1.5", ".5". *ip = integer part, *frac / *fdiv the
 * fraction (at most 12 digits kept). Moves *p past them; -EINVAL when there is no digit. */
static int parse_decimal(const char **p, uint64_t *ip, uint64_t *frac, uint64_t *fdiv) {
        const char *s = *p;
        bool any = false;

        *ip = 0;
        *frac = 0;
        *fdiv = 1;
        for (; isdigit((unsigned char) *s); s++) {
                if (*ip > (UINT64_MAX - 9) / 10)
                        return -ERANGE;
                *ip = *ip * 10 + (uint64_t) (*s - '0');
                any = true;
        }
        if (*s == '.') {
                s++;
                for (; isdigit((unsigned char) *s); s++) {
                        if (*fdiv < UINT64_C(1000000000000)) {
                                *frac = *frac * 10 + (uint64_t) (*s - '0');
                                *fdiv *= 10;
                        }
                        any = true;
                }
        }
        if (!any)
                return -EINVAL;
        *p = s;
        return 0;
}

int timespan_parse(const char *s, uint64_t *ret_usec) {
        uint64_t total = 0;
        bool any = false;
        const char *p = s;
        int r;

        if (!s)
                return -EINVAL;
        for (;;) {
                uint64_t ip, frac, fdiv, unit = USEC_PER_SEC, v;
                const char *u;
                size_t ul;

                p += strspn(p, WHITESPACE);
                if (!*p)
                        break;
                r = parse_decimal(&p, &ip, &frac, &fdiv);
                if (r < 0)
                        return r;
                p += strspn(p, WHITESPACE);
                for (u = p; unit_char(*p); p++)
                        ;
                ul = (size_t) (p - u);
                if (ul == 0 && *p && !strchr(WHITESPACE, *p))
                        return -EINVAL; /* "1..5s": a number must end at a unit, a blank or the end */
                if (ul > 0) {
                        bool found = false;

                        for (size_t i = 0; i < ELEMENTSOF(span_units); i++)
                                if (strlen(span_units[i].name) == ul && strncmp(u, span_units[i].name, ul) == 0) {
                                        unit = span_units[i].usec;
                                        found = true;
                                        break;
                                }
                        if (!found)
                                return -EINVAL;
                }
                if (ip > UINT64_MAX / unit)
                        return -ERANGE;
                v = ip * unit;
                /* frac < fdiv <= 10^12 and unit <= ~3.2*10^13: the product stays below 2^64 only for
                 * small units, so divide first where it would not */
                r = add_usec(v, unit > UINT64_MAX / fdiv ? frac * (unit / fdiv) : frac * unit / fdiv, &v);
                if (r < 0)
                        return r;
                r = add_usec(total, v, &total);
                if (r < 0)
                        return r;
                any = true;
        }
        if (!any)
                return -EINVAL;
        *ret_usec = total;
        return 0;
}

/* Local midnight of the day of now_usec, moved by delta_days. */
static int midnight(uint64_t now_usec, int delta_days, uint64_t *ret) {
        time_t t = (time_t) (now_usec / USEC_PER_SEC);
        struct tm tm;

        if (!localtime_r(&t, &tm))
                return -EINVAL;
        tm.tm_sec = tm.tm_min = tm.tm_hour = 0;
        tm.tm_mday += delta_days;
        tm.tm_isdst = -1;
        t = mktime(&tm);
        if (t == (time_t) -1 || t < 0)
                return -ERANGE;
        *ret = (uint64_t) t * USEC_PER_SEC;
        return 0;
}

static bool endswith_word(const char *s, const char *suffix, size_t *ret_prefix_len) {
        size_t l = strlen(s), sl = strlen(suffix);

        if (l <= sl || strcmp(s + l - sl, suffix) != 0)
                return false;
        *ret_prefix_len = l - sl;
        return true;
}

static int weekday_from_name(const char *s, size_t l) {
        static const char *const days[] = { "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday" };

        for (int i = 0; i < 7; i++)
                if ((l == 3 && strncasecmp(s, days[i], 3) == 0) ||
                    (l == strlen(days[i]) && strncasecmp(s, days[i], l) == 0))
                        return i;
        return -1;
}

/* "+01:00", "-0530", "+05": *ret_sec east of UTC (negative west). */
static bool parse_offset(const char *s, long *ret_sec) {
        int h, m = 0;
        long sign;

        if ((s[0] != '+' && s[0] != '-') || !isdigit((unsigned char) s[1]) || !isdigit((unsigned char) s[2]))
                return false;
        sign = s[0] == '-' ? -1 : 1;
        h = (s[1] - '0') * 10 + (s[2] - '0');
        s += 3;
        if (*s == ':')
                s++;
        if (*s) {
                if (!isdigit((unsigned char) s[0]) || !isdigit((unsigned char) s[1]) || s[2])
                        return false;
                m = (s[0] - '0') * 10 + (s[1] - '0');
        }
        if (h > 23 || m > 59)
                return false;
        *ret_sec = sign * (long) (h * 3600 + m * 60);
        return true;
}

/* strptime() that must consume everything but an optional ".fraction" (with_fraction). */
static bool parse_with(const char *s, const char *fmt, struct tm *tm, bool with_fraction, uint64_t *ret_frac_usec) {
        struct tm t = *tm;
        const char *e = strptime(s, fmt, &t);

        if (!e)
                return false;
        *ret_frac_usec = 0;
        if (*e == '.' && with_fraction) {
                uint64_t ip, frac, fdiv;
                const char *p = e;

                if (!isdigit((unsigned char) p[1]) || parse_decimal(&p, &ip, &frac, &fdiv) < 0 || *p)
                        return false;
                *ret_frac_usec = frac * USEC_PER_SEC / fdiv;
                e = p;
        }
        if (*e)
                return false;
        *tm = t;
        return true;
}

static int parse_absolute(char *t, uint64_t now_usec, uint64_t *ret_usec) {
        static const struct {
                const char *fmt;
                bool date, seconds;
        } formats[] = {
                /* two-digit years first: "%Y" would take "26" as the year 26 */
                { "%y-%m-%d %H:%M:%S", true,  true  },
                { "%Y-%m-%d %H:%M:%S", true,  true  },
                { "%y-%m-%dT%H:%M:%S", true,  true  },
                { "%Y-%m-%dT%H:%M:%S", true,  true  },
                { "%y-%m-%d %H:%M",    true,  false },
                { "%Y-%m-%d %H:%M",    true,  false },
                { "%Y-%m-%dT%H:%M",    true,  false },
                { "%y-%m-%d",          true,  false },
                { "%Y-%m-%d",          true,  false },
                { "%H:%M:%S",          false, true  },
                { "%H:%M",             false, false },
        };
        int wday = -1, isdst = -1;
        bool utc = false, have_offset = false;
        long offset = 0;
        uint64_t frac = 0;
        char *sp;
        size_t l;
        time_t now = (time_t) (now_usec / USEC_PER_SEC), r;
        struct tm base, tm, want;
        bool ok = false;

        /* a leading weekday */
        l = strcspn(t, WHITESPACE);
        if (t[l] && (wday = weekday_from_name(t, l)) >= 0)
                t += l + strspn(t + l, WHITESPACE);

        /* a trailing zone: " UTC", "Z", " CET", " +01:00", "...:03+01:00" */
        l = strlen(t);
        sp = strrchr(t, ' ');
        if (l > 1 && (t[l - 1] == 'Z' || t[l - 1] == 'z') && isdigit((unsigned char) t[l - 2])) {
                utc = true;
                t[l - 1] = 0;
        } else if (sp && (streq(sp + 1, "UTC") || streq(sp + 1, "GMT"))) {
                utc = true;
                *sp = 0;
        } else if (sp && !isempty(tzname[0]) && streq(sp + 1, tzname[0])) {
                isdst = 0;
                *sp = 0;
        } else if (sp && !isempty(tzname[1]) && streq(sp + 1, tzname[1])) {
                isdst = 1;
                *sp = 0;
        } else if (sp && parse_offset(sp + 1, &offset)) {
                have_offset = true;
                *sp = 0;
        } else {
                /* an offset glued to the time: only after a time of day (a ':' before it), so that
                 * the "-01" of "2026-12-01" is never taken for one */
                char *plus = strrchr(t, '+'), *minus = strrchr(t, '-');
                char *sign = plus > minus ? plus : minus;

                if (sign && sign > t && isdigit((unsigned char) sign[-1]) && memchr(t, ':', (size_t) (sign - t)) &&
                    parse_offset(sign, &offset)) {
                        have_offset = true;
                        *sign = 0;
                }
        }
        l = strlen(t);
        while (l > 0 && strchr(WHITESPACE, t[l - 1]))
                t[--l] = 0;

        if (!localtime_r(&now, &base))
                return -EINVAL;
        if (utc || have_offset) {
                if (!gmtime_r(&now, &base))
                        return -EINVAL;
                if (have_offset) {
                        time_t there = now + offset;

                        if (!gmtime_r(&there, &base))
                                return -EINVAL;
                }
        }

        for (size_t i = 0; i < ELEMENTSOF(formats) && !ok; i++) {
                tm = base;
                if (formats[i].date)
                        tm.tm_year = tm.tm_mon = tm.tm_mday = 0;
                tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
                ok = parse_with(t, formats[i].fmt, &tm, formats[i].seconds, &frac);
        }
        if (!ok)
                return -EINVAL;

        want = tm;
        tm.tm_isdst = isdst;
        r = utc || have_offset ? timegm(&tm) : mktime(&tm);
        if (r == (time_t) -1)
                return -ERANGE;
        /* mktime() and timegm() normalise "02-30" to March: refuse it instead; they also set
         * tm_wday, for the weekday check */
        if (tm.tm_mday != want.tm_mday || tm.tm_mon != want.tm_mon || tm.tm_year != want.tm_year)
                return -EINVAL;
        if (wday >= 0 && tm.tm_wday != wday)
                return -EINVAL;
        r -= offset;
        if (r < 0)
                return -ERANGE;
        return add_usec((uint64_t) r * USEC_PER_SEC, frac, ret_usec);
}

int timespec_parse(const char *s, uint64_t now_usec, uint64_t *ret_usec) {
        _cleanup_free_ char *t = NULL;
        uint64_t span;
        size_t l;
        char *b;
        int r;

        if (!s)
                return -EINVAL;
        s += strspn(s, WHITESPACE);
        t = strdup(s);
        if (!t)
                return -ENOMEM;
        l = strlen(t);
        while (l > 0 && strchr(WHITESPACE, t[l - 1]))
                t[--l] = 0;
        if (l == 0)
                return -EINVAL;
        b = t;

        if (streq(b, "now")) {
                *ret_usec = now_usec;
                return 0;
        }
        if (streq(b, "today"))
                return midnight(now_usec, 0, ret_usec);
        if (streq(b, "yesterday"))
                return midnight(now_usec, -1, ret_usec);
        if (streq(b, "tomorrow"))
                return midnight(now_usec, +1, ret_usec);

        if (b[0] == '+' || b[0] == '-') {
                r = timespan_parse(b + 1, &span);
                if (r < 0)
                        return r;
                if (b[0] == '+')
                        return add_usec(now_usec, span, ret_usec);
                if (span > now_usec)
                        return -ERANGE;
                *ret_usec = now_usec - span;
                return 0;
        }
        if (endswith_word(b, " ago", &l) || endswith_word(b, " left", &l)) {
                bool ago = b[l + 1] == 'a';

                b[l] = 0;
                r = timespan_parse(b, &span);
                if (r < 0)
                        return r;
                if (!ago)
                        return add_usec(now_usec, span, ret_usec);
                if (span > now_usec)
                        return -ERANGE;
                *ret_usec = now_usec - span;
                return 0;
        }
        if (b[0] == '@') {
                uint64_t ip, frac, fdiv;
                const char *p = b + 1;

                r = parse_decimal(&p, &ip, &frac, &fdiv);
                if (r < 0)
                        return r;
                if (*p)
                        return -EINVAL;
                if (ip > (UINT64_MAX - USEC_PER_SEC) / USEC_PER_SEC)
                        return -ERANGE;
                *ret_usec = ip * USEC_PER_SEC + frac * USEC_PER_SEC / fdiv;
                return 0;
        }
        return parse_absolute(b, now_usec, ret_usec);
}

static char *format_tm(char *buf, size_t l, uint64_t usec, bool utc, bool with_usec) {
        time_t t = (time_t) (usec / USEC_PER_SEC);
        struct tm tm;
        char date[64], zone[16];

        if (usec == 0 || !(utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) ||
            strftime(date, sizeof(date), "%a %Y-%m-%d %H:%M:%S", &tm) == 0) {
                (void) snprintf(buf, l, "n/a");
                return buf;
        }
        if (utc)
                (void) snprintf(zone, sizeof(zone), "UTC");
        else if (strftime(zone, sizeof(zone), "%Z", &tm) == 0)
                zone[0] = 0;
        if (with_usec)
                (void) snprintf(buf, l, "%s.%06" PRIu64 "%s%s", date, usec % USEC_PER_SEC, zone[0] ? " " : "", zone);
        else
                (void) snprintf(buf, l, "%s%s%s", date, zone[0] ? " " : "", zone);
        return buf;
}

char *timestamp_format(char *buf, size_t l, uint64_t usec, bool utc) {
        return format_tm(buf, l, usec, utc, false);
}

char *timestamp_format_us(char *buf, size_t l, uint64_t usec, bool utc) {
        return format_tm(buf, l, usec, utc, true);
}
