/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for live_parse() (ctl/live.c), which reads the daemon's flat ASCII messages
 * without jansson and anything else through it: whatever the bytes, the result must be what
 * jansson's reading says (DESIGN.md §5's hello, gap and event, restated here as the oracle), and
 * an event's entry exactly the object's string members in order. Built and run by
 * tests/fuzz/run-fuzzers.sh.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/live.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A decimal number as live.c takes one: digits only, no sign, no overflow. */
static bool seq_of(json_t *o, const char *key) {
        const char *s = json_string_value(json_object_get(o, key));
        uint64_t v = 0;

        if (!s || !*s)
                return false;
        for (; *s; s++) {
                if (*s < '0' || *s > '9' || v > (UINT64_MAX - (uint64_t) (*s - '0')) / 10)
                        return false;
                v = v * 10 + (uint64_t) (*s - '0');
        }
        return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        json_t *o = json_loadb((const char *) data, size, 0, NULL), *v;
        LiveKind want = LIVE_OTHER;
        LiveMessage m;
        const char *key;
        size_t i = 0;

        if (live_parse((const char *) data, size, 1, &m) < 0)
                abort();  /* only ENOMEM may fail it */
        if (json_is_object(o)) {
                if (seq_of(o, "EVENT_SEQ_NEXT"))
                        want = LIVE_HELLO;
                else if (json_object_size(o) == 1 && seq_of(o, "gap"))
                        want = LIVE_GAP;
                else if (json_is_string(json_object_get(o, "CONTAINER_EVENT")))
                        want = LIVE_EVENT;
        }
        if (m.kind != want)
                abort();
        if (want == LIVE_EVENT) {
                json_object_foreach(o, key, v) {
                        if (!json_is_string(v))
                                continue;
                        if (i >= m.entry->n_fields || strcmp(m.entry->fields[i].key, key) != 0 ||
                            strcmp(m.entry->fields[i].value, json_string_value(v)) != 0)
                                abort();
                        i++;
                }
                if (i != m.entry->n_fields)
                        abort();
        } else if (m.entry)
                abort();
        entry_free(m.entry);
        json_decref(o);
        return 0;
}
