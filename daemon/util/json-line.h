/* SPDX-License-Identifier: MIT */
/*
 * One JSON object of string members, written by hand into a growing buffer: the daemon's --json
 * lines and subscriber messages (journal.c: event_to_json) and container-watchctl's --output=json
 * (ctl/entry.c: entry_to_json). Faster than building and dumping a jansson object, and the one place
 * that decides how a value is escaped. Owns nothing; includes nothing else from daemon/ but util/.
 */
#pragma once

#include <stddef.h>

/* An object being written: buf holds len bytes (not NUL-terminated) of cap. */
typedef struct JsonLine {
        char *buf;
        size_t len, cap;
} JsonLine;

/*
 * Append s to *buf (length *len, capacity *cap; grown with realloc) as a JSON string, quotes
 * included: '"', '\\' and control characters escaped; s must be valid UTF-8 (utf8_is_valid).
 * Leaves at least two bytes to spare beyond *len for the caller's separators. Returns 0 or -ENOMEM.
 */
int json_append_string(char **buf, size_t *len, size_t *cap, const char *s);

/* Start an object ("{") in a buffer of cap bytes to begin with (it grows). Returns 0 or -ENOMEM. */
int json_line_begin(JsonLine *j, size_t cap);

/*
 * Append the member "key":"value", after a comma unless it is the first. A value that is not valid
 * UTF-8 (or holds C1 controls: utf8_is_valid) is written C-escaped, as text (cescape), so that the
 * object is always valid JSON. Returns 0 or -ENOMEM (j is then only for json_line_done).
 */
int json_line_member(JsonLine *j, const char *key, const char *value);

/*
 * Close the object with '}' followed by the byte end ('\n' for a line, '\0' for a C string) and give
 * its buffer to the caller (free() it); *ret_len (may be NULL) is its length, end included. j is
 * empty afterwards.
 */
char *json_line_end(JsonLine *j, char end, size_t *ret_len);

/* Free what j holds (after a failure) and empty it. */
void json_line_done(JsonLine *j);
