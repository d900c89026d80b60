/* SPDX-License-Identifier: MIT */
/*
 * A bounded, validating scan of one JSON object that finds the values of a few named members and
 * skips everything else without building it, and the small JSON text of only those members for
 * jansson to parse. For state files whose bulk (a Docker state.json's 20 KB seccomp profile) the
 * daemon never reads. Owns nothing; no allocation in json_scan().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The deepest nesting json_scan() can be asked to allow (its stack of contexts). */
#define JSON_SCAN_DEPTH_LIMIT 256

/*
 * One member to find. parent is the index (in the same table, lower than this one's) of the member
 * whose object value holds it, or -1 for a member of the top-level object. json_scan() sets
 * start/end to the span [start, end) of the value in the buffer, end == 0 when absent; when a
 * member occurs more than once, the last one counts (as in jansson), and so do only the children of
 * that last one.
 */
typedef struct JsonScanKey {
        const char *name;
        int parent;
        size_t start, end;
} JsonScanKey;

/* A table entry: JSON_SCAN_KEY("labels", 5). name must need no escaping in JSON. */
#define JSON_SCAN_KEY(n, p) { .name = (n), .parent = (p) }

/*
 * Check that buf[0, len) is exactly one JSON object as jansson's json_loadb(buf, len, 0) would
 * accept it: RFC 8259 grammar, valid UTF-8, valid escapes and surrogate pairs, no "\u0000", no
 * integer beyond json_int_t and no real that overflows, only whitespace after it; and nested no
 * deeper than depth_max (the top-level object is depth 1; depth_max ≤ JSON_SCAN_DEPTH_LIMIT).
 * Fills in keys[].start/.end. Member names are compared after unescaping. Returns 0, or -EBADMSG
 * for anything else (not an object, malformed, too deep), -EINVAL for a bad table or depth_max.
 */
int json_scan(const char *buf, size_t len, unsigned depth_max, JsonScanKey *keys, size_t n_keys);

/*
 * The same for a JSON array of objects (Podman's containers.json): check buf[0, len) whole (the
 * array is depth 1, depth_max ≥ 2), and for each element that is an object, fill keys[] in as
 * json_scan() does for one object (parent -1: a member of the element) and call cb with them
 * (elements of other types are checked and passed over). cb is called as the scan goes: a document
 * refused later has had some calls. Returns 0, -EBADMSG, -EINVAL, -ENOMEM or cb's negative return.
 */
int json_scan_each(const char *buf, size_t len, unsigned depth_max, JsonScanKey *keys, size_t n_keys,
                   int (*cb)(const JsonScanKey *keys, void *userdata), void *userdata);

/*
 * After json_scan(): the JSON text of an object holding only the members found, with their values
 * copied verbatim; a member that is the parent of others is written as an object of just those (or
 * null when its value is not an object). *ret is NUL-terminated (its length in *ret_len); the
 * caller frees it. Returns 0 or -ENOMEM.
 */
int json_scan_prune(const char *buf, const JsonScanKey *keys, size_t n_keys, char **ret, size_t *ret_len);

/*
 * After json_scan(), the value found for k, without jansson. json_scan_get_string(): a string,
 * unescaped into a new NUL-terminated *ret (caller frees); json_scan_get_integer(): an integer
 * (no fraction, no exponent: what jansson calls an integer). Each returns 1 and *ret, 0 when k was
 * not found or its value is of another type (*ret untouched), or -ENOMEM.
 */
int json_scan_get_string(const char *buf, const JsonScanKey *k, char **ret);
int json_scan_get_integer(const char *buf, const JsonScanKey *k, int64_t *ret);
/* Whether k was found with the value true. */
bool json_scan_is_true(const char *buf, const JsonScanKey *k);
/*
 * After json_scan(): call cb for each string element (unescaped, NUL-terminated, len bytes) of the
 * array found for k, in order; other elements are passed over. Nothing when k is absent or not an
 * array. Returns 0, cb's negative return, or -ENOMEM.
 */
int json_scan_foreach_string(const char *buf, const JsonScanKey *k,
                             int (*cb)(const char *s, size_t len, void *userdata), void *userdata);
