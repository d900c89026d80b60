/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for json_scan(), json_scan_prune() and the getters (daemon/util/json-scan.c),
 * differential against jansson: arbitrary bytes are accepted by json_scan() exactly when jansson's
 * json_loadb(buf, len, 0) parses them into an object nested no deeper than DEPTH_MAX (but for a NUL
 * byte after a number or literal, which only jansson lets through); and then
 * every member of the key table has, in the pruned text parsed by jansson, the value it has in
 * the whole document parsed by jansson (the same member chosen among duplicates, the same absence),
 * and the getters give what jansson gives (string, integer, true, the strings of an array).
 * Built and run by tests/fuzz/run-fuzzers.sh.
 */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json-scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DEPTH_MAX 6

/* Names at the top, below a parent, two levels down; escapes and non-ASCII in the input reach
 * them too ("\u00e9t\u00e9" is "été"). */
static const JsonScanKey table[] = {
        JSON_SCAN_KEY("id", -1),
        JSON_SCAN_KEY("config", -1),
        JSON_SCAN_KEY("labels", 1),
        JSON_SCAN_KEY("a", 1),
        JSON_SCAN_KEY("b", 3),
        JSON_SCAN_KEY("", -1),
        JSON_SCAN_KEY("été", -1),
        JSON_SCAN_KEY("a", -1),
        JSON_SCAN_KEY("c", 7),
};

static size_t tree_depth(json_t *j) {
        size_t d = 0, i;
        const char *k;
        json_t *v;

        if (json_is_object(j)) {
                json_object_foreach(j, k, v) {
                        size_t e = tree_depth(v);
                        if (e > d)
                                d = e;
                }
                return d + 1;
        }
        if (json_is_array(j)) {
                json_array_foreach(j, i, v) {
                        size_t e = tree_depth(v);
                        if (e > d)
                                d = e;
                }
                return d + 1;
        }
        return 0;
}

static json_t *lookup(json_t *root, const JsonScanKey *keys, int k) {
        json_t *parent = keys[k].parent < 0 ? root : lookup(root, keys, keys[k].parent);

        return json_is_object(parent) ? json_object_get(parent, keys[k].name) : NULL;
}

typedef struct Elements {
        json_t *array;
        size_t next;
} Elements;

/* json_scan_foreach_string()'s callback: the next string element of the jansson array. */
static int next_element(const char *s, size_t len, void *userdata) {
        Elements *e = userdata;
        json_t *v;

        while ((v = json_array_get(e->array, e->next++)) && !json_is_string(v))
                ;
        if (!v || json_string_length(v) != len || memcmp(json_string_value(v), s, len) != 0 || strlen(s) != len)
                abort();
        return 0;
}

/* The getters agree with jansson on the value a (NULL: absent). */
static void check_getters(const char *buf, const JsonScanKey *k, json_t *a) {
        char *s = NULL;
        int64_t i = 0;
        int r;

        r = json_scan_get_string(buf, k, &s);
        if (r < 0)
                return;
        if ((r > 0) != json_is_string(a))
                abort();
        if (r > 0 && (strlen(s) != json_string_length(a) || strcmp(s, json_string_value(a)) != 0))
                abort();
        free(s);

        r = json_scan_get_integer(buf, k, &i);
        if ((r > 0) != json_is_integer(a) || (r > 0 && i != json_integer_value(a)))
                abort();
        if (json_scan_is_true(buf, k) != json_is_true(a))
                abort();
        if (json_is_array(a)) {
                Elements e = { .array = a };
                json_t *v;

                if (json_scan_foreach_string(buf, k, next_element, &e) < 0)
                        return;
                /* no string element left over */
                while ((v = json_array_get(a, e.next++)))
                        if (json_is_string(v))
                                abort();
        }
}

static int count_element(const JsonScanKey *k, void *userdata) {
        (void) k;
        (*(size_t *) userdata)++;
        return 0;
}

/* json_scan_each(): accepted exactly when jansson gives an array within the depth limit, with one
 * call per object element. */
static void check_each(const char *buf, size_t size, json_t *ref) {
        JsonScanKey keys[sizeof(table) / sizeof(table[0])];
        size_t calls = 0, objects = 0, i;
        json_t *v;
        int r;

        memcpy(keys, table, sizeof(table));
        r = json_scan_each(buf, size, DEPTH_MAX, keys, sizeof(table) / sizeof(table[0]), count_element, &calls);
        if (r == -ENOMEM)
                return;
        if (r == -EBADMSG && json_is_array(ref) && memchr(buf, 0, size))
                return; /* jansson's NUL quirk, as below */
        if ((r == 0) != (json_is_array(ref) && tree_depth(ref) <= DEPTH_MAX))
                abort();
        if (r < 0)
                return;
        json_array_foreach(ref, i, v)
                objects += json_is_object(v);
        if (calls != objects)
                abort();
}

static bool has_children(const JsonScanKey *keys, size_t n, size_t k) {
        for (size_t i = 0; i < n; i++)
                if (keys[i].parent == (int) k)
                        return true;
        return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        JsonScanKey keys[sizeof(table) / sizeof(table[0])];
        size_t n = sizeof(table) / sizeof(table[0]), pl = 0;
        char *copy, *pruned = NULL;
        json_error_t error;
        json_t *ref, *got;
        bool ref_ok;
        int r;

        memcpy(keys, table, sizeof(table));
        /* An exact-size heap copy, so that ASan sees any read past size. */
        copy = malloc(size ? size : 1);
        if (!copy)
                return 0;
        memcpy(copy, data, size);

        r = json_scan(copy, size, DEPTH_MAX, keys, n);
        ref = json_loadb(copy, size, 0, &error);
        check_each(copy, size, ref);
        if (!ref && json_error_code(&error) == json_error_out_of_memory)
                goto out;
        ref_ok = json_is_object(ref) && tree_depth(ref) <= DEPTH_MAX;
        if (r == -ENOMEM)
                goto out;
        if (r != 0 && r != -EBADMSG)
                abort();
        /* jansson 2.14 drops a NUL byte that follows a number or a literal (its lexer's unget of
         * the NUL leaves an empty buffer, and the next read takes the byte after it), so it accepts
         * "[1\0]"; json_scan() refuses every NUL byte outside a string, and inside one too. */
        if (r == -EBADMSG && ref_ok && memchr(copy, 0, size))
                goto out;
        if ((r == 0) != ref_ok) {
                fprintf(stderr, "json_scan %d, jansson %s (%s)\n", r, ref_ok ? "accepts" : "refuses", error.text);
                abort();
        }
        if (r < 0)
                goto out;

        if (json_scan_prune(copy, keys, n, &pruned, &pl) < 0)
                goto out;
        if (strlen(pruned) != pl)
                abort();
        got = json_loadb(pruned, pl, 0, &error);
        if (!json_is_object(got)) {
                fprintf(stderr, "pruned text does not parse: %s: %s\n", error.text, pruned);
                abort();
        }
        for (size_t i = 0; i < n; i++) {
                json_t *a = lookup(ref, keys, (int) i), *b = lookup(got, keys, (int) i);

                if ((a != NULL) != (keys[i].end > 0))
                        abort();
                check_getters(copy, &keys[i], a);
                if (has_children(keys, n, i))
                        continue; /* rewritten to hold only its children (or null) */
                if ((a != NULL) != (b != NULL) || (a && !json_equal(a, b))) {
                        fprintf(stderr, "member %zu ('%s') differs in: %s\n", i, keys[i].name, pruned);
                        abort();
                }
        }
        json_decref(got);
out:
        json_decref(ref);
        free(pruned);
        free(copy);
        return 0;
}
