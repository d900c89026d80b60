/* SPDX-License-Identifier: MIT */
/*
 * The JSON-line writer (see json-line.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/json-line.h"
#include "util/strutil.h"

static int buf_reserve(char **buf, size_t len, size_t *cap, size_t more) {
        char *n;
        size_t want;

        if (len + more <= *cap)
                return 0;
        want = (len + more) * 2;
        n = realloc(*buf, want);
        if (!n)
                return -ENOMEM;
        *buf = n;
        *cap = want;
        return 0;
}

/* Bytes that json_append_string() cannot copy as they are. */
static const unsigned char json_escape_needed[256] = {
        [0x00 ... 0x1f] = 1,
        ['"'] = 1,
        ['\\'] = 1,
        [0x7f] = 1,
};

int json_append_string(char **buf, size_t *len, size_t *cap, const char *s) {
        static const char hex[] = "0123456789abcdef";
        size_t l = strlen(s);
        const unsigned char *c = (const unsigned char *) s, *end = c + l;
        char *o;

        /* at most 6 bytes per input byte (\u00XX), the quotes, and two bytes to spare for the
         * caller's separators (",", ":", "}", newline) */
        if (buf_reserve(buf, *len, cap, l * 6 + 4) < 0)
                return -ENOMEM;
        o = *buf + *len;
        *o++ = '"';
        while (c < end) {
                const unsigned char *run = c;

                /* a run of bytes that need no escape, copied at once */
                while (c < end && !json_escape_needed[*c])
                        c++;
                memcpy(o, run, (size_t) (c - run));
                o += c - run;
                if (c >= end)
                        break;
                if (*c == '"' || *c == '\\') {
                        o[0] = '\\';
                        o[1] = (char) *c;
                        o += 2;
                } else if (*c == '\n' || *c == '\t') {
                        o[0] = '\\';
                        o[1] = *c == '\n' ? 'n' : 't';
                        o += 2;
                } else {
                        o[0] = '\\';
                        o[1] = 'u';
                        o[2] = o[3] = '0';
                        o[4] = hex[*c >> 4];
                        o[5] = hex[*c & 0xf];
                        o += 6;
                }
                c++;
        }
        *o++ = '"';
        *len = (size_t) (o - *buf);
        return 0;
}

int json_line_begin(JsonLine *j, size_t cap) {
        *j = (JsonLine) { .buf = malloc(cap), .cap = cap };
        if (!j->buf)
                return -ENOMEM;
        j->buf[j->len++] = '{';
        return 0;
}

int json_line_member(JsonLine *j, const char *key, const char *value) {
        _cleanup_free_ char *esc = NULL;
        int r;

        if (!utf8_is_valid(value)) {
                esc = cescape(value);
                if (!esc)
                        return -ENOMEM;
                value = esc;
        }
        if (j->len > 1)
                j->buf[j->len++] = ','; /* json_append_string leaves two bytes to spare */
        r = json_append_string(&j->buf, &j->len, &j->cap, key);
        if (r < 0)
                return r;
        j->buf[j->len++] = ':';
        return json_append_string(&j->buf, &j->len, &j->cap, value);
}

char *json_line_end(JsonLine *j, char end, size_t *ret_len) {
        char *buf = j->buf;

        /* json_line_begin's cap and json_append_string leave room for these two bytes */
        buf[j->len++] = '}';
        buf[j->len++] = end;
        if (ret_len)
                *ret_len = j->len;
        *j = (JsonLine) {};
        return buf;
}

void json_line_done(JsonLine *j) {
        free(j->buf);
        *j = (JsonLine) {};
}
