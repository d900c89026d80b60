/* SPDX-License-Identifier: MIT */
/*
 * A bounded, validating JSON scan that keeps only named members (see json-scan.h).
 *
 * What it accepts is what jansson 2.14's json_loadb(buf, len, 0) accepts (its lexer, load.c), so
 * that skipping a value never lets through what parsing it would have refused: strings of valid
 * UTF-8 (no overlong forms, no encoded surrogates, nothing beyond U+10FFFF) without raw control
 * characters, escapes among \" \\ \/ \b \f \n \r \t \uXXXX with surrogates in pairs and no \u0000;
 * numbers by the RFC 8259 grammar, integers within json_int_t (int64) and reals that strtod() does
 * not overflow; true, false, null; whitespace among space, tab, CR, LF. One difference, on the safe
 * side: jansson drops a NUL byte right after a number or a literal ("[1\0]" parses), json_scan()
 * refuses it. tests/fuzz/fuzz-json-scan.c checks all this against jansson itself.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/json-scan.h"

/* The longest member name compared: longer names match no key. */
#define NAME_MAX_LEN 64

/* Bytes that end the fast path through a string: '"', '\\', controls, and non-ASCII. */
static const unsigned char string_special[256] = {
        [0x00 ... 0x1f] = 1,
        ['"'] = 1,
        ['\\'] = 1,
        [0x80 ... 0xff] = 1,
};

typedef struct Scanner {
        const unsigned char *base, *p, *end;
        unsigned depth, depth_max;
        JsonScanKey *keys;
        size_t n_keys;
} Scanner;

/* A scanner at the start of buf. */
static Scanner scanner_at(const char *buf, size_t len, unsigned depth_max, JsonScanKey *keys, size_t n_keys) {
        return (Scanner) {
                .base = (const unsigned char *) buf,
                .p = (const unsigned char *) buf,
                .end = (const unsigned char *) buf + len,
                .depth_max = depth_max,
                .keys = keys,
                .n_keys = n_keys,
        };
}

static inline void skip_ws(Scanner *s) {
        if (s->p < s->end && *s->p > ' ')
                return; /* most of what runtimes write is compact */
        while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
                s->p++;
}

static int hex4(const unsigned char *p, unsigned *ret) {
        unsigned v = 0;

        for (unsigned i = 0; i < 4; i++) {
                unsigned c = p[i], d;

                if (c >= '0' && c <= '9')
                        d = c - '0';
                else if (c >= 'a' && c <= 'f')
                        d = c - 'a' + 10;
                else if (c >= 'A' && c <= 'F')
                        d = c - 'A' + 10;
                else
                        return -EBADMSG;
                v = v << 4 | d;
        }
        *ret = v;
        return 0;
}

/* One UTF-8 sequence at s->p (its first byte ≥ 0x80), as jansson's utf8_check_first/_full. */
static int scan_utf8(Scanner *s) {
        const unsigned char *p = s->p;
        unsigned c = p[0], n, cp;

        if (c >= 0xc2 && c <= 0xdf) {
                n = 2;
                cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
                n = 3;
                cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
                n = 4;
                cp = c & 0x07;
        } else
                return -EBADMSG;
        if ((size_t) (s->end - p) < n)
                return -EBADMSG;
        for (unsigned i = 1; i < n; i++) {
                if ((p[i] & 0xc0) != 0x80)
                        return -EBADMSG;
                cp = cp << 6 | (p[i] & 0x3f);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
                return -EBADMSG;
        s->p += n;
        return 0;
}

/* Append code point cp as UTF-8 to name (at most NAME_MAX_LEN bytes; beyond, *len grows past it). */
static void name_put(char *name, size_t *len, unsigned cp) {
        char u[4];
        size_t n;

        if (cp < 0x80) {
                u[0] = (char) cp;
                n = 1;
        } else if (cp < 0x800) {
                u[0] = (char) (0xc0 | cp >> 6);
                u[1] = (char) (0x80 | (cp & 0x3f));
                n = 2;
        } else if (cp < 0x10000) {
                u[0] = (char) (0xe0 | cp >> 12);
                u[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
                u[2] = (char) (0x80 | (cp & 0x3f));
                n = 3;
        } else {
                u[0] = (char) (0xf0 | cp >> 18);
                u[1] = (char) (0x80 | ((cp >> 12) & 0x3f));
                u[2] = (char) (0x80 | ((cp >> 6) & 0x3f));
                u[3] = (char) (0x80 | (cp & 0x3f));
                n = 4;
        }
        if (*len + n <= NAME_MAX_LEN)
                memcpy(name + *len, u, n);
        *len += n;
}

/* Past the plain bytes from p on: to the first '"', '\\', control or non-ASCII byte, or to end.
 * Eight bytes at a time: in each test below, the lowest flagged byte is exactly the first that
 * matches (a borrow only runs towards higher bytes), so the count of trailing zero bits finds it. */
static inline const unsigned char *string_plain_end(const unsigned char *p, const unsigned char *end) {
        const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);

        while (end - p >= 8) {
                uint64_t v, q, b, m;

                memcpy(&v, p, 8);
                q = v ^ (ones * '"');
                b = v ^ (ones * '\\');
                m = ((q - ones) & ~q) | ((b - ones) & ~b) | ((v - ones * 0x20) & ~v) | v;
                m &= highs;
                if (m) {
                        if (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
                                return p + (__builtin_ctzll(m) >> 3);
                        break; /* big-endian: the byte loop below finds it */
                }
                p += 8;
        }
        while (p < end && !string_special[*p])
                p++;
        return p;
}

/*
 * A string at s->p (the opening quote). With name non-NULL, its unescaped bytes go there, up to
 * NAME_MAX_LEN, and *name_len says how many there were in all.
 */
static int scan_string(Scanner *s, char *name, size_t *name_len) {
        const unsigned char *start;
        size_t nl = 0;

        s->p++; /* the opening quote */
        for (;;) {
                start = s->p;
                s->p = string_plain_end(s->p, s->end);
                if (name) {
                        size_t k = (size_t) (s->p - start);

                        if (nl + k <= NAME_MAX_LEN)
                                memcpy(name + nl, start, k);
                        nl += k;
                }
                if (s->p >= s->end)
                        return -EBADMSG; /* truncated */
                if (*s->p == '"') {
                        s->p++;
                        break;
                }
                if (*s->p >= 0x80) {
                        const unsigned char *u = s->p;

                        if (scan_utf8(s) < 0)
                                return -EBADMSG;
                        if (name) {
                                size_t k = (size_t) (s->p - u);

                                if (nl + k <= NAME_MAX_LEN)
                                        memcpy(name + nl, u, k);
                                nl += k;
                        }
                        continue;
                }
                if (*s->p != '\\')
                        return -EBADMSG; /* a raw control character */
                if (s->end - s->p < 2)
                        return -EBADMSG;
                switch (s->p[1]) {
                case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't': {
                        static const char unesc[256] = {
                                ['"'] = '"', ['\\'] = '\\', ['/'] = '/', ['b'] = '\b',
                                ['f'] = '\f', ['n'] = '\n', ['r'] = '\r', ['t'] = '\t',
                        };

                        if (name)
                                name_put(name, &nl, (unsigned char) unesc[s->p[1]]);
                        s->p += 2;
                        break;
                }
                case 'u': {
                        unsigned cp, lo;

                        if (s->end - s->p < 6 || hex4(s->p + 2, &cp) < 0)
                                return -EBADMSG;
                        s->p += 6;
                        if (cp >= 0xd800 && cp <= 0xdbff) {
                                /* a high surrogate: a low one must follow */
                                if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u' ||
                                    hex4(s->p + 2, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
                                        return -EBADMSG;
                                s->p += 6;
                                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                        } else if ((cp >= 0xdc00 && cp <= 0xdfff) || cp == 0)
                                return -EBADMSG; /* a lone low surrogate; or NUL, which jansson
                                                  * refuses without JSON_ALLOW_NUL */
                        if (name)
                                name_put(name, &nl, cp);
                        break;
                }
                default:
                        return -EBADMSG;
                }
        }
        if (name_len)
                *name_len = nl;
        return 0;
}

static bool is_digit(unsigned char c) {
        return c >= '0' && c <= '9';
}

/* A number by the RFC 8259 grammar, then range-checked as jansson does (strtoll, strtod). */
static int scan_number(Scanner *s) {
        const unsigned char *start = s->p, *digits;
        bool real = false;
        size_t n;

        if (*s->p == '-')
                s->p++;
        digits = s->p;
        if (s->p >= s->end || !is_digit(*s->p))
                return -EBADMSG;
        if (*s->p == '0')
                s->p++;
        else
                while (s->p < s->end && is_digit(*s->p))
                        s->p++;
        if (s->p < s->end && is_digit(*s->p))
                return -EBADMSG; /* a leading zero */
        if (s->p < s->end && *s->p == '.') {
                real = true;
                s->p++;
                if (s->p >= s->end || !is_digit(*s->p))
                        return -EBADMSG;
                while (s->p < s->end && is_digit(*s->p))
                        s->p++;
        }
        if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
                real = true;
                s->p++;
                if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
                        s->p++;
                if (s->p >= s->end || !is_digit(*s->p))
                        return -EBADMSG;
                while (s->p < s->end && is_digit(*s->p))
                        s->p++;
        }

        n = (size_t) (s->p - digits);
        if (!real) {
                /* no leading zeros: more than 19 digits is beyond int64, 19 is compared */
                static const char max[] = "9223372036854775807", min[] = "9223372036854775808";

                if (n > 19)
                        return -EBADMSG;
                if (n == 19 && memcmp(digits, start == digits ? max : min, 19) > 0)
                        return -EBADMSG;
                return 0;
        }

        /* a real: strtod() needs a terminated copy; only its overflow is an error (as in jansson) */
        {
                size_t l = (size_t) (s->p - start);
                char small[64], *copy = l < sizeof(small) ? small : malloc(l + 1);
                double d;

                if (!copy)
                        return -ENOMEM;
                memcpy(copy, start, l);
                copy[l] = 0;
                errno = 0;
                d = strtod(copy, NULL);
                if (copy != small)
                        free(copy);
                if (errno == ERANGE && isinf(d))
                        return -EBADMSG;
        }
        return 0;
}

/*
 * A value that no key is looked for in, at s->p: checked and stepped over without recursion (most
 * of a state file goes through here, so it works on local copies of the position). stack[] holds,
 * per open container, whether it is an object; *ret_nest gets how deep the value nests (0 for a
 * scalar).
 */
static int skip_value_scan(Scanner *s, unsigned *ret_nest) {
        bool stack[JSON_SCAN_DEPTH_LIMIT];
        const unsigned char *p = s->p, *const end = s->end;
        unsigned depth = s->depth, nest = 0;
        const unsigned base = depth, depth_max = s->depth_max;
        int r;

#define WS() while (p < end && *p <= ' ' && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++
#define STRING() do {                                                           \
                const unsigned char *q_ = string_plain_end(p + 1, end);         \
                if (q_ < end && *q_ == '"')                                     \
                        p = q_ + 1;                                             \
                else {                                                          \
                        s->p = p;                                               \
                        r = scan_string(s, NULL, NULL);                         \
                        if (r < 0)                                              \
                                return r;                                       \
                        p = s->p;                                               \
                }                                                               \
        } while (0)

        for (;;) {
                /* a value */
                WS();
                if (p >= end)
                        return -EBADMSG;
                switch (*p) {
                case '{':
                case '[': {
                        bool object = *p == '{';

                        if (depth >= depth_max)
                                return -EBADMSG;
                        stack[depth++ - base] = object;
                        if (depth - base > nest)
                                nest = depth - base;
                        p++;
                        WS();
                        if (p < end && *p == (object ? '}' : ']')) {
                                p++;
                                depth--;
                                break;
                        }
                        if (!object)
                                continue; /* the first element */
                        goto member;
                }
                case '"':
                        STRING();
                        break;
                case 't':
                        if (end - p < 4 || memcmp(p, "true", 4) != 0)
                                return -EBADMSG;
                        p += 4;
                        break;
                case 'f':
                        if (end - p < 5 || memcmp(p, "false", 5) != 0)
                                return -EBADMSG;
                        p += 5;
                        break;
                case 'n':
                        if (end - p < 4 || memcmp(p, "null", 4) != 0)
                                return -EBADMSG;
                        p += 4;
                        break;
                default:
                        /* the usual small integer, else the whole grammar */
                        if (end - p >= 2 && *p >= '1' && *p <= '9' && (p[1] == ',' || p[1] == '}' || p[1] == ']'))
                                p++;
                        else {
                                s->p = p;
                                r = scan_number(s);
                                if (r < 0)
                                        return r;
                                p = s->p;
                        }
                        break;
                }

                /* after a value: the end, a comma, or closing brackets */
                for (;;) {
                        bool object;

                        if (depth == base) {
                                s->p = p;
                                *ret_nest = nest;
                                return 0;
                        }
                        object = stack[depth - 1 - base];
                        WS();
                        if (p >= end)
                                return -EBADMSG;
                        if (*p == ',') {
                                p++;
                                if (object)
                                        goto member;
                                break; /* the next element */
                        }
                        if (*p != (object ? '}' : ']'))
                                return -EBADMSG;
                        p++;
                        depth--;
                }
                continue;

        member:
                /* "name": before the next value */
                WS();
                if (p >= end || *p != '"')
                        return -EBADMSG;
                STRING();
                WS();
                if (p >= end || *p != ':')
                        return -EBADMSG;
                p++;
        }
#undef STRING
#undef WS
}

/*
 * Large skipped values seen before. A host's containers mostly carry the same big values (Docker's
 * default seccomp profile is 25 KB of every state.json), and whether a value is valid JSON depends
 * only on its bytes and on the depth it starts at. So an object or array that is byte for byte one
 * that skip_value_scan() accepted before, at a depth where its nesting still fits, is accepted again
 * after a memcmp(). Only objects and arrays: their end is their closing bracket, while a number's
 * end depends on the byte after it. A value that differs anywhere is scanned in full, as any other.
 */
#define SKIP_MEMO_MIN 1024
#define SKIP_MEMO_MAX ((size_t) 256 << 10)
#define SKIP_MEMO_SLOTS 8

typedef struct SkipMemo {
        unsigned char *bytes;
        size_t len, size;
        unsigned nest;
        uint64_t used; /* skip_memo_tick when last put or hit; 0: empty */
} SkipMemo;

static SkipMemo skip_memo[SKIP_MEMO_SLOTS];
static uint64_t skip_memo_tick;

__attribute__((destructor)) static void skip_memo_free(void) {
        for (size_t i = 0; i < SKIP_MEMO_SLOTS; i++) {
                free(skip_memo[i].bytes);
                skip_memo[i] = (SkipMemo) {};
        }
}

/* Remember the accepted value p[0..len) with its nesting, in the slot used least recently (best
 * effort: without memory, nothing is remembered). */
static void skip_memo_put(const unsigned char *p, size_t len, unsigned nest) {
        SkipMemo *m = &skip_memo[0];

        for (size_t i = 1; i < SKIP_MEMO_SLOTS; i++)
                if (skip_memo[i].used < m->used)
                        m = &skip_memo[i];
        if (m->size < len) {
                unsigned char *b = realloc(m->bytes, len);

                if (!b)
                        return;
                m->bytes = b;
                m->size = len;
        }
        memcpy(m->bytes, p, len);
        m->len = len;
        m->nest = nest;
        m->used = ++skip_memo_tick;
}

/* A value that no key is looked for in, at s->p (after whitespace): checked and stepped over. */
static int skip_value(Scanner *s) {
        const unsigned char *p = s->p;
        size_t len;
        unsigned nest = 0;
        int r;

        while (p < s->end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
                p++;
        if (p < s->end && (*p == '{' || *p == '[')) {
                size_t avail = (size_t) (s->end - p);

                for (size_t i = 0; i < SKIP_MEMO_SLOTS; i++) {
                        SkipMemo *m = &skip_memo[i];

                        if (m->len > 0 && m->len <= avail && m->bytes[0] == *p &&
                            s->depth + m->nest <= s->depth_max && memcmp(m->bytes, p, m->len) == 0) {
                                m->used = ++skip_memo_tick;
                                s->p = p + m->len;
                                return 0;
                        }
                }
        }
        s->p = p;
        r = skip_value_scan(s, &nest);
        if (r < 0)
                return r;
        len = (size_t) (s->p - p);
        if (nest > 0 && len >= SKIP_MEMO_MIN && len <= SKIP_MEMO_MAX)
                skip_memo_put(p, len, nest);
        return 0;
}

static int scan_value(Scanner *s, int ctx);

/* Forget what was found below key k: a later occurrence of k replaces the earlier one whole. */
static void keys_reset_below(Scanner *s, int k) {
        for (size_t i = (size_t) k + 1; i < s->n_keys; i++)
                for (int a = s->keys[i].parent; a >= 0; a = s->keys[a].parent)
                        if (a == k) {
                                s->keys[i].start = s->keys[i].end = 0;
                                break;
                        }
}

/* The key among those whose parent is ctx that is called name[0, len), or -1. */
static int keys_match(Scanner *s, int ctx, const char *name, size_t len) {
        for (size_t i = 0; i < s->n_keys; i++)
                if (s->keys[i].parent == ctx && strlen(s->keys[i].name) == len &&
                    memcmp(s->keys[i].name, name, len) == 0)
                        return (int) i;
        return -1;
}

/*
 * An object or array at s->p. ctx: for an object, the key whose value it is (-1 the top level);
 * -2 when no key is looked for in it.
 */
static int scan_container(Scanner *s, int ctx) {
        bool object = *s->p == '{';
        unsigned char close = object ? '}' : ']';
        int r;

        if (++s->depth > s->depth_max)
                return -EBADMSG;
        s->p++;
        skip_ws(s);
        if (s->p < s->end && *s->p == close) {
                s->p++;
                s->depth--;
                return 0;
        }
        for (;;) {
                int child = -2;

                if (object) {
                        char name[NAME_MAX_LEN];
                        size_t nl = 0;
                        bool want = ctx != -2;

                        if (s->p >= s->end || *s->p != '"')
                                return -EBADMSG;
                        r = scan_string(s, want ? name : NULL, want ? &nl : NULL);
                        if (r < 0)
                                return r;
                        if (want && nl <= NAME_MAX_LEN)
                                child = keys_match(s, ctx, name, nl);
                        skip_ws(s);
                        if (s->p >= s->end || *s->p != ':')
                                return -EBADMSG;
                        s->p++;
                        skip_ws(s);
                }
                if (child >= 0) {
                        const unsigned char *v = s->p;

                        keys_reset_below(s, child);
                        r = scan_value(s, child);
                        if (r < 0)
                                return r;
                        s->keys[child].start = (size_t) (v - s->base);
                        s->keys[child].end = (size_t) (s->p - s->base);
                } else {
                        r = skip_value(s);
                        if (r < 0)
                                return r;
                }
                skip_ws(s);
                if (s->p >= s->end)
                        return -EBADMSG;
                if (*s->p == close) {
                        s->p++;
                        break;
                }
                if (*s->p != ',')
                        return -EBADMSG;
                s->p++;
                skip_ws(s);
        }
        s->depth--;
        return 0;
}

static int scan_value(Scanner *s, int ctx) {
        if (s->p < s->end && *s->p == '{')
                return scan_container(s, ctx);
        return skip_value(s);
}

int json_scan(const char *buf, size_t len, unsigned depth_max, JsonScanKey *keys, size_t n_keys) {
        Scanner s = scanner_at(buf, len, depth_max, keys, n_keys);
        int r;

        if (depth_max == 0 || depth_max > JSON_SCAN_DEPTH_LIMIT || (!keys && n_keys > 0))
                return -EINVAL;
        if (!buf)
                return len > 0 ? -EINVAL : -EBADMSG;
        for (size_t i = 0; i < n_keys; i++) {
                if (!keys[i].name || keys[i].parent < -1 || keys[i].parent >= (int) i)
                        return -EINVAL;
                keys[i].start = keys[i].end = 0;
        }

        skip_ws(&s);
        if (s.p >= s.end || *s.p != '{')
                return -EBADMSG;
        r = scan_container(&s, -1);
        if (r < 0)
                return r == -ENOMEM ? r : -EBADMSG;
        skip_ws(&s);
        if (s.p != s.end)
                return -EBADMSG; /* something after the object */
        return 0;
}

int json_scan_each(const char *buf, size_t len, unsigned depth_max, JsonScanKey *keys, size_t n_keys,
                   int (*cb)(const JsonScanKey *keys, void *userdata), void *userdata) {
        Scanner s = scanner_at(buf, len, depth_max, keys, n_keys);
        int r;

        if (depth_max < 2 || depth_max > JSON_SCAN_DEPTH_LIMIT || (!keys && n_keys > 0) || !cb)
                return -EINVAL;
        if (!buf)
                return len > 0 ? -EINVAL : -EBADMSG;
        for (size_t i = 0; i < n_keys; i++)
                if (!keys[i].name || keys[i].parent < -1 || keys[i].parent >= (int) i)
                        return -EINVAL;

        skip_ws(&s);
        if (s.p >= s.end || *s.p != '[')
                return -EBADMSG;
        s.p++;
        s.depth = 1;
        skip_ws(&s);
        if (s.p < s.end && *s.p == ']')
                s.p++;
        else
                for (;;) {
                        skip_ws(&s);
                        if (s.p < s.end && *s.p == '{') {
                                for (size_t i = 0; i < n_keys; i++)
                                        keys[i].start = keys[i].end = 0;
                                r = scan_container(&s, -1);
                                if (r < 0)
                                        return r == -ENOMEM ? r : -EBADMSG;
                                r = cb(keys, userdata);
                                if (r < 0)
                                        return r;
                        } else {
                                r = skip_value(&s);
                                if (r < 0)
                                        return r == -ENOMEM ? r : -EBADMSG;
                        }
                        skip_ws(&s);
                        if (s.p >= s.end)
                                return -EBADMSG;
                        if (*s.p == ']') {
                                s.p++;
                                break;
                        }
                        if (*s.p != ',')
                                return -EBADMSG;
                        s.p++;
                }
        skip_ws(&s);
        if (s.p != s.end)
                return -EBADMSG;
        return 0;
}

typedef struct Out {
        char *buf;
        size_t len, cap;
} Out;

static int out_put(Out *o, const char *p, size_t n) {
        if (o->len + n + 1 > o->cap) {
                size_t cap = (o->len + n + 1) * 2;
                char *b = realloc(o->buf, cap);

                if (!b)
                        return -ENOMEM;
                o->buf = b;
                o->cap = cap;
        }
        memcpy(o->buf + o->len, p, n);
        o->len += n;
        o->buf[o->len] = 0;
        return 0;
}

static bool key_has_children(const JsonScanKey *keys, size_t n_keys, size_t k) {
        for (size_t i = k + 1; i < n_keys; i++)
                if (keys[i].parent == (int) k)
                        return true;
        return false;
}

/* The members found whose parent is ctx, as "name":value pairs separated by commas. */
static int prune_members(Out *o, const char *buf, const JsonScanKey *keys, size_t n_keys, int ctx) {
        bool first = true;
        int r;

        for (size_t i = 0; i < n_keys; i++) {
                const JsonScanKey *k = &keys[i];

                if (k->parent != ctx || k->end == 0)
                        continue;
                if ((!first && (r = out_put(o, ",", 1)) < 0) ||
                    (r = out_put(o, "\"", 1)) < 0 ||
                    (r = out_put(o, k->name, strlen(k->name))) < 0 ||
                    (r = out_put(o, "\":", 2)) < 0)
                        return r;
                first = false;
                if (!key_has_children(keys, n_keys, i))
                        r = out_put(o, buf + k->start, k->end - k->start);
                else if (buf[k->start] != '{')
                        r = out_put(o, "null", 4);
                else if ((r = out_put(o, "{", 1)) >= 0 &&
                         (r = prune_members(o, buf, keys, n_keys, (int) i)) >= 0)
                        r = out_put(o, "}", 1);
                if (r < 0)
                        return r;
        }
        return 0;
}

int json_scan_prune(const char *buf, const JsonScanKey *keys, size_t n_keys, char **ret, size_t *ret_len) {
        Out o = {};
        int r;

        r = out_put(&o, "{", 1);
        if (r >= 0)
                r = prune_members(&o, buf, keys, n_keys, -1);
        if (r >= 0)
                r = out_put(&o, "}", 1);
        if (r < 0) {
                free(o.buf);
                return r;
        }
        *ret = o.buf;
        if (ret_len)
                *ret_len = o.len;
        return 0;
}

/*
 * The string at p (its opening quote), which json_scan() validated, decoded into a new
 * NUL-terminated string (no NUL inside: json_scan() refuses "\u0000"). *ret_end: past its closing
 * quote.
 */
static int decode_string(const char *p, char **ret, const char **ret_end) {
        const char *q = p + 1, *e;
        size_t n = 0, max;
        char *out;

        /* the decoded string is never longer than the text */
        for (e = q; *e != '"'; e += *e == '\\' ? 2 : 1)
                ;
        max = (size_t) (e - q);
        out = malloc(max + 1);
        if (!out)
                return -ENOMEM;
        while (q < e) {
                const char *plain = q;
                unsigned cp = 0, lo = 0;
                size_t k;

                while (plain < e && *plain != '\\')
                        plain++;
                memcpy(out + n, q, (size_t) (plain - q));
                n += (size_t) (plain - q);
                q = plain;
                if (q >= e)
                        break;
                switch (q[1]) {
                case 'b': out[n++] = '\b'; q += 2; continue;
                case 'f': out[n++] = '\f'; q += 2; continue;
                case 'n': out[n++] = '\n'; q += 2; continue;
                case 'r': out[n++] = '\r'; q += 2; continue;
                case 't': out[n++] = '\t'; q += 2; continue;
                case 'u': break;
                default: out[n++] = q[1]; q += 2; continue; /* " \ / */
                }
                (void) hex4((const unsigned char *) q + 2, &cp);
                q += 6;
                if (cp >= 0xd800 && cp <= 0xdbff) {
                        (void) hex4((const unsigned char *) q + 2, &lo);
                        q += 6;
                        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                }
                k = 0;
                name_put(out + n, &k, cp); /* at most 4 bytes for at least 6 of text */
                n += k;
        }
        out[n] = 0;
        *ret = out;
        if (ret_end)
                *ret_end = e + 1;
        return 0;
}

int json_scan_get_string(const char *buf, const JsonScanKey *k, char **ret) {
        int r;

        if (k->end == 0 || buf[k->start] != '"')
                return 0;
        r = decode_string(buf + k->start, ret, NULL);
        return r < 0 ? r : 1;
}

int json_scan_get_integer(const char *buf, const JsonScanKey *k, int64_t *ret) {
        const char *p = buf + k->start, *e = buf + k->end;
        bool neg = false;
        uint64_t u = 0;

        if (k->end == 0)
                return 0;
        if (*p == '-') {
                neg = true;
                p++;
        }
        if (p >= e || *p < '0' || *p > '9')
                return 0;
        for (; p < e; p++) {
                if (*p < '0' || *p > '9')
                        return 0; /* a real: not an integer, as for jansson */
                u = u * 10 + (unsigned) (*p - '0'); /* json_scan() checked the range */
        }
        *ret = neg ? (int64_t) (0 - u) : (int64_t) u;
        return 1;
}

bool json_scan_is_true(const char *buf, const JsonScanKey *k) {
        return k->end > 0 && buf[k->start] == 't';
}

int json_scan_foreach_string(const char *buf, const JsonScanKey *k,
                             int (*cb)(const char *s, size_t len, void *userdata), void *userdata) {
        const char *p = buf + k->start, *e = buf + k->end;
        int r;

        if (k->end == 0 || *p != '[')
                return 0;
        for (p++;;) {
                Scanner s;

                while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t' || *p == ',')
                        p++;
                if (*p == ']' || p >= e)
                        return 0;
                if (*p == '"') {
                        _cleanup_free_ char *str = NULL;

                        r = decode_string(p, &str, &p);
                        if (r < 0)
                                return r;
                        r = cb(str, strlen(str), userdata);
                        if (r < 0)
                                return r;
                        continue;
                }
                /* another value: step over it (validated, so the depth bound is only a formality) */
                s = (Scanner) { .base = (const unsigned char *) buf, .p = (const unsigned char *) p,
                                .end = (const unsigned char *) e, .depth_max = JSON_SCAN_DEPTH_LIMIT };
                r = skip_value(&s);
                if (r < 0)
                        return r;
                p = (const char *) s.p;
        }
}
