/* SPDX-License-Identifier: MIT */
/*
 * Small string helpers: safe printing of strings that come from files other programs wrote, and
 * path joining. Owns nothing; includes nothing else from daemon/.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/*
 * Copy s into a new string in which every control character, backslash and byte >= 0x7f that is not
 * part of valid UTF-8 is written as a C escape (\n, \t, \\, \xNN). Returns NULL on OOM.
 * Use for anything written to the console that came from outside the daemon.
 */
char *cescape(const char *s);

/* true when s is valid UTF-8 without C1 control characters (what cescape() leaves alone). */
bool utf8_is_valid(const char *s);
/* Whether s is valid UTF-8 as jansson's json_string() wants it (C1 controls allowed). */
bool utf8_is_valid_json(const char *s);

/* Free a NULL-terminated list of strings and the list; accepts NULL. */
void strv_free(char **l);
static inline void strv_freep(char ***l) {
        strv_free(*l);
}

/* Join path components with single '/'. Returns a new string or NULL on OOM. */
char *path_join(const char *a, const char *b);

/* true when s is a valid container id by runc's rules: [A-Za-z0-9_+.-]+, not "." or "..",
 * at most 1024 bytes. */
bool container_id_is_valid(const char *s);

/* The last component of a path without trailing slashes ("/a/b" → "b"), pointing into p. */
const char *path_basename(const char *p);

/* strcmp that accepts NULLs. */
int strcmp_ptr(const char *a, const char *b);

static inline bool streq(const char *a, const char *b) {
        return strcmp(a, b) == 0;
}
static inline bool streq_ptr(const char *a, const char *b) {
        return strcmp_ptr(a, b) == 0;
}
static inline bool isempty(const char *s) {
        return !s || !*s;
}
