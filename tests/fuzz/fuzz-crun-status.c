/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for crun_status_parse() and oci_config_parse_annotations() (daemon/runc-state.c):
 * arbitrary bytes as crun's status file and as the config.json crun keeps beside it, and the same
 * bytes as an RFC 3339 timestamp for parse_rfc3339_usec(). Checks the return conventions as well as
 * "no crash, no leak, no read past len". Built and run by tests/fuzz/run-fuzzers.sh.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runc-state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *missing = NULL;
        RuncState *s = NULL;
        uint64_t usec = 0;
        char *copy, *str;
        int r;

        copy = malloc(size ? size : 1);
        if (!copy)
                return 0;
        memcpy(copy, data, size);

        r = crun_status_parse(copy, size, &s, &missing);
        if (r < 0) {
                if (s || (r == -EINVAL) != (missing != NULL))
                        abort();
                if (r != -EINVAL && r != -EBADMSG && r != -EFBIG && r != -ENOMEM)
                        abort();
                s = calloc(1, sizeof(RuncState));
                if (!s) {
                        free(copy);
                        return 0;
                }
                s->runtime = RUNTIME_CRUN;
        } else if (!s || s->runtime != RUNTIME_CRUN || s->pid <= 0 || s->id)
                abort();

        r = oci_config_parse_annotations(copy, size, s);
        if (r < 0 && r != -EBADMSG && r != -EFBIG && r != -ENOMEM)
                abort();
        for (size_t i = 0; i < s->n_labels; i++)
                if (!s->labels[i].key || !s->labels[i].value || !runc_state_label(s, s->labels[i].key))
                        abort();
        s = runc_state_free(s);

        /* The bytes as a C string (cut at the first NUL) for the timestamp parser. Not strndup():
         * ASan's strict_string_checks reads its source as a C string. */
        str = malloc(size + 1);
        if (str) {
                memcpy(str, copy, size);
                str[size] = '\0';
                r = parse_rfc3339_usec(str, &usec);
                if (r < 0 && r != -EINVAL)
                        abort();
                free(str);
        }

        free(copy);
        return 0;
}
