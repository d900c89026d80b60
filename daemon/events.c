/* SPDX-License-Identifier: MIT */
/*
 * Events and their fields (see events.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "util/cleanup.h"
#include "util/strutil.h"

void event_init(Event *ev, const char *message_id, int priority) {
        *ev = (Event) { .message_id = message_id, .priority = priority };
}

int event_add(Event *ev, const char *key, const char *value) {
        size_t kl, vl;
        char *kv;

        if (isempty(value))
                return 0;
        if (ev->n_fields >= EVENT_FIELDS_MAX)
                return -E2BIG;
        /* Stored the way the journal takes it, so that sending needs no copy. */
        kl = strlen(key);
        vl = strlen(value);
        kv = malloc(kl + 1 + vl + 1);
        if (!kv)
                return -ENOMEM;
        memcpy(kv, key, kl);
        kv[kl] = '=';
        memcpy(kv + kl + 1, value, vl + 1);
        ev->fields[ev->n_fields++] = (EventField) { .key = key, .kv = kv, .key_len = kl };
        return 0;
}

int event_addf(Event *ev, const char *key, const char *format, ...) {
        _cleanup_free_ char *v = NULL;
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(&v, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return event_add(ev, key, v);
}

const char *event_get(const Event *ev, const char *key) {
        for (size_t i = 0; i < ev->n_fields; i++)
                if (streq(ev->fields[i].key, key))
                        return event_field_value(&ev->fields[i]);
        return NULL;
}

void event_clear(Event *ev) {
        for (size_t i = 0; i < ev->n_fields; i++)
                free(ev->fields[i].kv);
        ev->n_fields = 0;
}
