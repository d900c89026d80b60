/* SPDX-License-Identifier: MIT */
/*
 * Container events read back from the journal (see entry.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-journal.h>

#include "entry.h"
#include "util/cleanup.h"
#include "util/exit-status.h"
#include "util/json-line.h"
#include "util/strutil.h"

int entry_new(Entry **ret) {
        Entry *e = calloc(1, sizeof(*e));

        if (!e)
                return -ENOMEM;
        *ret = e;
        return 0;
}

Entry *entry_free(Entry *e) {
        if (!e)
                return NULL;
        for (size_t i = 0; i < e->n_fields; i++) {
                free(e->fields[i].key);
                free(e->fields[i].value);
        }
        free(e->fields);
        free(e->cursor);
        free(e);
        return NULL;
}

const char *entry_get(const Entry *e, const char *key) {
        for (size_t i = 0; i < e->n_fields; i++)
                if (streq(e->fields[i].key, key))
                        return e->fields[i].value;
        return NULL;
}

static int entry_add_n(Entry *e, const char *key, size_t key_len, const char *value, size_t value_len) {
        EntryField *n;
        char *k, *v;

        for (size_t i = 0; i < e->n_fields; i++)
                if (strlen(e->fields[i].key) == key_len && strncmp(e->fields[i].key, key, key_len) == 0)
                        return 0;
        n = realloc(e->fields, (e->n_fields + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        e->fields = n;
        k = strndup(key, key_len);
        v = malloc(value_len + 1);
        if (!k || !v) {
                free(k);
                free(v);
                return -ENOMEM;
        }
        /* a value with a NUL inside (journal fields are binary-safe) ends at the NUL */
        memcpy(v, value, value_len);
        v[value_len] = 0;
        e->fields[e->n_fields++] = (EntryField) { .key = k, .value = v };
        return 0;
}

int entry_add(Entry *e, const char *key, const char *value, size_t value_len) {
        return entry_add_n(e, key, strlen(key), value, value_len);
}

int entry_from_journal(sd_journal *j, Entry **ret) {
        _cleanup_(entry_freep) Entry *e = NULL;
        const void *data;
        size_t len;
        int r;

        r = entry_new(&e);
        if (r < 0)
                return r;
        r = sd_journal_get_realtime_usec(j, &e->realtime_usec);
        if (r < 0)
                return r;
        r = sd_journal_get_cursor(j, &e->cursor);
        if (r < 0)
                return r;
        SD_JOURNAL_FOREACH_DATA(j, data, len) {
                const char *d = data, *eq = memchr(d, '=', len);

                if (!eq || eq == d || d[0] == '_')
                        continue;
                r = entry_add_n(e, d, (size_t) (eq - d), eq + 1, len - (size_t) (eq - d) - 1);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(e);
        return 0;
}

const char *entry_reason(const Entry *e) {
        const char *code = entry_get(e, "EXIT_CODE"), *ev = entry_get(e, "CONTAINER_EVENT");

        if (streq_ptr(entry_get(e, "OOM_KILLED"), "1"))
                return "oom";
        if (code)
                return code;
        return ev ?: "-";
}

char *entry_status(const Entry *e, char *buf, size_t l) {
        const char *code = entry_get(e, "EXIT_CODE"), *sig = entry_get(e, "EXIT_SIGNAL"),
                   *st = entry_get(e, "EXIT_STATUS");

        if (streq_ptr(code, "killed") || streq_ptr(code, "dumped"))
                (void) snprintf(buf, l, "%s", sig ?: st ?: "-");
        else
                (void) snprintf(buf, l, "%s", st ?: "-");
        return buf;
}

bool entry_get_u64(const Entry *e, const char *key, uint64_t *ret) {
        const char *v = entry_get(e, key);
        char *end;
        unsigned long long u;

        if (isempty(v) || v[0] == '-')
                return false;
        errno = 0;
        u = strtoull(v, &end, 10);
        if (errno != 0 || *end)
                return false;
        *ret = (uint64_t) u;
        return true;
}

bool entry_lifetime(const Entry *e, uint64_t *ret_usec) {
        return entry_get_u64(e, "CONTAINER_LIFETIME_USEC", ret_usec);
}

const char *entry_image_or_pod(const Entry *e, char *buf, size_t l) {
        const char *pod = entry_get(e, "K8S_POD_NAME"), *ns = entry_get(e, "K8S_POD_NAMESPACE");

        if (pod) {
                if (ns)
                        (void) snprintf(buf, l, "%s/%s", ns, pod);
                else
                        (void) snprintf(buf, l, "%s", pod);
                return buf;
        }
        return entry_get(e, "IMAGE_NAME");
}

char *entry_to_json(const Entry *e) {
        JsonLine j;
        char ts[32];
        int r;

        r = json_line_begin(&j, 1024);
        if (r < 0)
                return NULL;
        (void) snprintf(ts, sizeof(ts), "%" PRIu64, e->realtime_usec);
        r = json_line_member(&j, "__REALTIME_TIMESTAMP", ts);
        for (size_t i = 0; r >= 0 && i < e->n_fields; i++)
                r = json_line_member(&j, e->fields[i].key, e->fields[i].value);
        if (r < 0) {
                json_line_done(&j);
                return NULL;
        }
        return json_line_end(&j, '\0', NULL);
}
