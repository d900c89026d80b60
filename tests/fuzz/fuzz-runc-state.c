/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for runc_state_parse() (daemon/runc-state.c): arbitrary bytes as a runc
 * state.json. Beyond "no crash, no leak, no read past len" it checks what callers rely on: a
 * success has a PID > 0 and well-formed labels, a failure leaves *ret NULL and names the missing key
 * only for -EINVAL, and OCI annotations merged from the same bytes keep every lookup working.
 * Built and run by tests/fuzz/run-fuzzers.sh.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runc-state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_state(const RuncState *s) {
        if (s->runtime != RUNTIME_RUNC || s->pid <= 0)
                abort();
        if (s->n_labels > 0 && !s->labels)
                abort();
        for (size_t i = 0; i < s->n_labels; i++) {
                if (!s->labels[i].key || !s->labels[i].value || s->labels[i].key[0] == '\0')
                        abort();
                if (!runc_state_label(s, s->labels[i].key))
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *missing = NULL;
        RuncState *s = NULL;
        char *copy;
        int r;

        /* An exact-size heap copy, so that ASan sees any read past size. */
        copy = malloc(size ? size : 1);
        if (!copy)
                return 0;
        memcpy(copy, data, size);

        r = runc_state_parse(copy, size, &s, &missing);
        if (r < 0) {
                if (s)
                        abort();
                if (r != -EINVAL && r != -EBADMSG && r != -EFBIG && r != -ENOMEM)
                        abort();
                if ((r == -EINVAL) != (missing != NULL))
                        abort();
                free(copy);
                return 0;
        }

        if (!s || missing)
                abort();
        check_state(s);

        /* The same bytes as a config.json: whatever it appends must stay consistent. */
        r = oci_config_parse_annotations(copy, size, s);
        if (r < 0 && r != -EBADMSG && r != -EFBIG && r != -ENOMEM)
                abort();
        check_state(s);

        s = runc_state_free(s);
        free(copy);
        return 0;
}
