/* SPDX-License-Identifier: MIT */
/*
 * String helpers (see strutil.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strutil.h"

/* Length of a valid UTF-8 sequence starting at s (1..4), or 0 when invalid (or, unless allow_c1,
 * a C1 control). */
static size_t utf8_seq_len_c1(const unsigned char *s, bool allow_c1) {
        size_t n;
        uint32_t cp;

        if (s[0] < 0x80)
                return 1;
        if ((s[0] & 0xe0) == 0xc0) {
                n = 2;
                cp = s[0] & 0x1f;
        } else if ((s[0] & 0xf0) == 0xe0) {
                n = 3;
                cp = s[0] & 0x0f;
        } else if ((s[0] & 0xf8) == 0xf0) {
                n = 4;
                cp = s[0] & 0x07;
        } else
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        /* overlong encodings, surrogates, beyond U+10FFFF */
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
            (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
                return 0;
        /* C1 controls are controls too */
        if (!allow_c1 && cp >= 0x80 && cp < 0xa0)
                return 0;
        return n;
}

static size_t utf8_seq_len(const unsigned char *s) {
        return utf8_seq_len_c1(s, false);
}

char *cescape(const char *s) {
        size_t l = strlen(s);
        char *r = malloc(l * 4 + 1), *p = r;

        if (!r)
                return NULL;
        for (const unsigned char *c = (const unsigned char *) s; *c;) {
                size_t n;

                switch (*c) {
                case '\n': *p++ = '\\'; *p++ = 'n'; c++; continue;
                case '\t': *p++ = '\\'; *p++ = 't'; c++; continue;
                case '\r': *p++ = '\\'; *p++ = 'r'; c++; continue;
                case '\\': *p++ = '\\'; *p++ = '\\'; c++; continue;
                default: break;
                }
                n = utf8_seq_len(c);
                if (*c < 0x20 || *c == 0x7f || n == 0) {
                        p += sprintf(p, "\\x%02x", *c);
                        c++;
                        continue;
                }
                memcpy(p, c, n);
                p += n;
                c += n;
        }
        *p = 0;
        return r;
}

bool utf8_is_valid(const char *s) {
        for (const unsigned char *c = (const unsigned char *) s; *c;) {
                size_t n;

                if (*c < 0x80) {
                        c++; /* ASCII, most of what is checked, without the call */
                        continue;
                }
                n = utf8_seq_len(c);

                if (n == 0)
                        return false;
                c += n;
        }
        return true;
}

bool utf8_is_valid_json(const char *s) {
        for (const unsigned char *c = (const unsigned char *) s; *c;) {
                size_t n;

                if (*c < 0x80) {
                        c++;
                        continue;
                }
                n = utf8_seq_len_c1(c, true);

                if (n == 0)
                        return false;
                c += n;
        }
        return true;
}

void strv_free(char **l) {
        if (!l)
                return;
        for (char **p = l; *p; p++)
                free(*p);
        free(l);
}

char *path_join(const char *a, const char *b) {
        size_t la = strlen(a);
        char *r;

        while (la > 1 && a[la - 1] == '/')
                la--;
        while (*b == '/')
                b++;
        if (asprintf(&r, "%.*s%s%s", (int) la, a, (la > 0 && a[la - 1] == '/') ? "" : "/", b) < 0)
                return NULL;
        return r;
}

bool container_id_is_valid(const char *s) {
        size_t l;

        if (!s)
                return false;
        l = strlen(s);
        if (l == 0 || l > 1024 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
                return false;
        for (const char *c = s; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                      *c == '_' || *c == '+' || *c == '-' || *c == '.'))
                        return false;
        return true;
}

const char *path_basename(const char *p) {
        const char *end = p + strlen(p), *b;

        while (end > p + 1 && end[-1] == '/')
                end--;
        for (b = end; b > p && b[-1] != '/'; b--)
                ;
        return b;
}

int strcmp_ptr(const char *a, const char *b) {
        if (a && b)
                return strcmp(a, b);
        return (a != NULL) - (b != NULL);
}
