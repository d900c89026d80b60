/* SPDX-License-Identifier: MIT */
/*
 * Pure parsers for per-container runtime state: runc's state.json, crun's status, and the
 * annotations of an OCI config.json. Buffer in, RuncState out. Owns only the RuncState it returns
 * (freed with runc_state_free); never opens files, checks PIDs or logs (FACTS.md 3.3–3.7).
 *
 * Input is bounded before jansson sees it: by size (RUNC_STATE_SIZE_MAX), then validated whole by
 * json_scan() (util/json-scan.h: jansson's grammar, nesting depth RUNC_STATE_DEPTH_MAX, since
 * jansson's own limit is 2048 levels), and jansson parses only the members the daemon reads.
 */
#include <assert.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "runc-state-test.h" /* runc-state.h and what only its tests call */
#include "util/cleanup.h"
#include "util/json-scan.h"
#include "util/time.h"

/* cgroup v2 mount point; crun's "cgroup-path" is relative to it. */
#define CGROUP_ROOT "/sys/fs/cgroup"

static const char *const ns_kind_table[_NS_MAX] = {
        [NS_PID]    = "PID",
        [NS_NET]    = "NET",
        [NS_MNT]    = "MNT",
        [NS_IPC]    = "IPC",
        [NS_UTS]    = "UTS",
        [NS_USER]   = "USER",
        [NS_CGROUP] = "CGROUP",
};

/* Keys of runc's namespace_paths (libcontainer/configs NamespaceType). NEWTIME (runc >= 1.2) has
 * no field in the journal contract and is ignored. */
static const char *const ns_runc_key_table[_NS_MAX] = {
        [NS_PID]    = "NEWPID",
        [NS_NET]    = "NEWNET",
        [NS_MNT]    = "NEWNS",
        [NS_IPC]    = "NEWIPC",
        [NS_UTS]    = "NEWUTS",
        [NS_USER]   = "NEWUSER",
        [NS_CGROUP] = "NEWCGROUP",
};

static const char *const runtime_table[_RUNTIME_MAX] = {
        [RUNTIME_RUNC] = "runc",
        [RUNTIME_CRUN] = "crun",
};

static void label_done(Label *l) {
        free(l->key);
        free(l->value);
}

RuncState *runc_state_free(RuncState *s) {
        if (!s)
                return NULL;

        free(s->id);
        free(s->bundle);
        for (size_t i = 0; i < s->n_labels; i++)
                label_done(&s->labels[i]);
        free(s->labels);
        free(s->cgroup_v1_memory);
        free(s->cgroup_unified);
        for (size_t i = 0; i < _NS_MAX; i++)
                free(s->ns_path[i]);
        free(s);
        return NULL;
}

void runc_state_freep(RuncState **s) {
        if (*s)
                *s = runc_state_free(*s);
}

/*
 * Bounds-check buf, validate it whole with json_scan() (depth at most RUNC_STATE_DEPTH_MAX) and
 * parse into a JSON object only the members of keys that it holds (json_scan_prune()). The rest
 * (a Docker state.json's config.seccomp, about 21 of its 30 KB, and most of config) is checked and
 * skipped, never built: building it in jansson was most of the start-up with 10,000 Docker
 * containers and of the instructions per container (docs/BENCHMARKS.md).
 * Returns 0, -EFBIG, -EBADMSG or -ENOMEM.
 */
static int json_load_object(const char *buf, size_t len, JsonScanKey *keys, size_t n_keys, json_t **ret) {
        _cleanup_free_ char *pruned = NULL;
        size_t pruned_len = 0;
        json_error_t error;
        json_t *j;
        int r;

        assert(buf || len == 0);
        assert(ret);

        if (len > RUNC_STATE_SIZE_MAX)
                return -EFBIG;
        if (len == 0)
                return -EBADMSG;
        r = json_scan(buf, len, RUNC_STATE_DEPTH_MAX, keys, n_keys);
        if (r < 0)
                return r == -ENOMEM ? r : -EBADMSG;
        r = json_scan_prune(buf, keys, n_keys, &pruned, &pruned_len);
        if (r < 0)
                return r;

        /* Without JSON_ALLOW_NUL jansson refuses "\u0000", so every string is a C string. */
        j = json_loadb(pruned, pruned_len, 0, &error);
        if (!j)
                return json_error_code(&error) == json_error_out_of_memory ? -ENOMEM : -EBADMSG;
        if (!json_is_object(j)) {
                json_decref(j);
                return -EBADMSG;
        }

        *ret = j;
        return 0;
}

/* Copy the non-empty string at obj[key] into *ret. Absent, empty or not a string: *ret untouched,
 * returns 0. Returns -ENOMEM only. */
static int json_dup_string(json_t *obj, const char *key, char **ret) {
        json_t *v = json_object_get(obj, key);
        char *s;

        if (!json_is_string(v) || json_string_length(v) == 0)
                return 0;

        s = strndup(json_string_value(v), json_string_length(v));
        if (!s)
                return -ENOMEM;
        free(*ret);
        *ret = s;
        return 0;
}

/* An integer pid in (0, INT_MAX]. */
static int json_get_pid(json_t *v, pid_t *ret) {
        json_int_t i;

        if (!json_is_integer(v))
                return -EINVAL;
        i = json_integer_value(v);
        if (i <= 0 || i > INT_MAX)
                return -EINVAL;
        *ret = (pid_t) i;
        return 0;
}

/* A string of decimal digits (no sign, at least one) within uint64. */
static int parse_ticks(const char *p, size_t n, uint64_t *ret) {
        uint64_t u = 0;

        if (n == 0)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                unsigned d;

                if (p[i] < '0' || p[i] > '9')
                        return -EINVAL;
                d = (unsigned) (p[i] - '0');
                if (u > (UINT64_MAX - d) / 10)
                        return -EINVAL;
                u = u * 10 + d;
        }
        *ret = u;
        return 0;
}

/* A start time in clock ticks: a non-negative integer, or a string of decimal digits (some runc
 * releases marshal the uint64 as a string). */
static int json_get_start(json_t *v, uint64_t *ret) {
        if (json_is_integer(v)) {
                json_int_t i = json_integer_value(v);

                if (i < 0)
                        return -EINVAL;
                *ret = (uint64_t) i;
                return 0;
        }
        if (json_is_string(v))
                return parse_ticks(json_string_value(v), json_string_length(v), ret);
        return -EINVAL;
}

/* Make room for n more labels. */
static int labels_reserve(RuncState *s, size_t n) {
        Label *l;

        if (n == 0)
                return 0;
        if (n > SIZE_MAX / sizeof(Label) - s->n_labels)
                return -ENOMEM;
        l = realloc(s->labels, (s->n_labels + n) * sizeof(Label));
        if (!l)
                return -ENOMEM;
        s->labels = l;
        return 0;
}

/* Append a copy of key/value; room must have been reserved. */
static int labels_append(RuncState *s, const char *key, size_t key_len, const char *value, size_t value_len) {
        _cleanup_free_ char *k = NULL, *v = NULL;

        k = strndup(key, key_len);
        v = strndup(value, value_len);
        if (!k || !v)
                return -ENOMEM;

        s->labels[s->n_labels++] = (Label) {
                .key = TAKE_PTR(k),
                .value = TAKE_PTR(v),
        };
        return 0;
}

/* The part both state formats share: the JSON object, and the two keys without which there is
 * nothing to watch (the init's pid and its start time). */
static int state_parse_common(const char *buf, size_t len, JsonScanKey *keys, size_t n_keys, Runtime runtime,
                              const char *pid_key, const char *start_key, json_t **ret_json, RuncState **ret,
                              const char **ret_missing) {
        json_auto_t *j = NULL;
        _cleanup_(runc_state_freep) RuncState *s = NULL;
        int r;

        r = json_load_object(buf, len, keys, n_keys, &j);
        if (r < 0)
                return r;
        s = calloc(1, sizeof(RuncState));
        if (!s)
                return -ENOMEM;
        s->runtime = runtime;
        if (json_get_pid(json_object_get(j, pid_key), &s->pid) < 0) {
                if (ret_missing)
                        *ret_missing = pid_key;
                return -EINVAL;
        }
        if (json_get_start(json_object_get(j, start_key), &s->start_ticks) < 0) {
                if (ret_missing)
                        *ret_missing = start_key;
                return -EINVAL;
        }
        *ret_json = TAKE_PTR(j);
        *ret = TAKE_PTR(s);
        return 0;
}

/* The members of a runc state.json that are read, by index in runc_keys[]. */
enum {
        RK_ID,
        RK_PID,
        RK_START,
        RK_CREATED,
        RK_ROOTLESS,
        RK_CONFIG,
        RK_LABELS,              /* config.labels */
        RK_CGROUPS,
        RK_CGROUP_MEMORY,       /* cgroup_paths.memory: v1 */
        RK_CGROUP_UNIFIED,      /* cgroup_paths[""]: v2 or hybrid */
        RK_NAMESPACES,
        RK_NS_FIRST,            /* namespace_paths.NEWPID ... in the order of ns_runc_key_table[] */
        _RK_MAX = RK_NS_FIRST + _NS_MAX,
};

/* A copy of the non-empty string found for k into *ret (replacing it). Absent, empty or not a
 * string: *ret untouched. Returns 0 or -ENOMEM. */
static int scan_dup_string(const char *buf, const JsonScanKey *k, char **ret) {
        char *v = NULL;
        int r;

        r = json_scan_get_string(buf, k, &v);
        if (r <= 0)
                return r;
        if (v[0] == '\0') {
                free(v);
                return 0;
        }
        free(*ret);
        *ret = v;
        return 0;
}

/* One of config.labels: "key=value", split at the first '=' (values may contain '='), "bundle="
 * taken out into s->bundle. Entries without '=' or with an empty key are skipped, as runc's own
 * utils.Annotations() does. */
static int runc_add_label(const char *str, size_t n, void *userdata) {
        RuncState *s = userdata;
        const char *eq = memchr(str, '=', n);
        int r;

        if (!eq || eq == str)
                return 0;
        if ((size_t) (eq - str) == strlen("bundle") && memcmp(str, "bundle", strlen("bundle")) == 0) {
                char *b = NULL;

                if (eq + 1 < str + n) {
                        b = strndup(eq + 1, (size_t) (str + n - eq - 1));
                        if (!b)
                                return -ENOMEM;
                }
                free(s->bundle);
                s->bundle = b;
                return 0;
        }
        /* room doubles at each power of two (labels start empty here) */
        if (s->n_labels == 0 || (s->n_labels & (s->n_labels - 1)) == 0) {
                r = labels_reserve(s, s->n_labels == 0 ? 4 : s->n_labels);
                if (r < 0)
                        return r;
        }
        return labels_append(s, str, (size_t) (eq - str), eq + 1, (size_t) (str + n - eq - 1));
}

int runc_state_parse(const char *buf, size_t len, RuncState **ret, const char **ret_missing) {
        JsonScanKey keys[_RK_MAX] = {
                [RK_ID]             = JSON_SCAN_KEY("id", -1),
                [RK_PID]            = JSON_SCAN_KEY("init_process_pid", -1),
                [RK_START]          = JSON_SCAN_KEY("init_process_start", -1),
                [RK_CREATED]        = JSON_SCAN_KEY("created", -1),
                [RK_ROOTLESS]       = JSON_SCAN_KEY("rootless", -1),
                [RK_CONFIG]         = JSON_SCAN_KEY("config", -1),
                [RK_LABELS]         = JSON_SCAN_KEY("labels", RK_CONFIG),
                [RK_CGROUPS]        = JSON_SCAN_KEY("cgroup_paths", -1),
                [RK_CGROUP_MEMORY]  = JSON_SCAN_KEY("memory", RK_CGROUPS),
                [RK_CGROUP_UNIFIED] = JSON_SCAN_KEY("", RK_CGROUPS),
                [RK_NAMESPACES]     = JSON_SCAN_KEY("namespace_paths", -1),
        };
        _cleanup_(runc_state_freep) RuncState *s = NULL;
        _cleanup_free_ char *created = NULL, *start = NULL;
        int64_t i;
        int r;

        assert(ret);

        /* The whole file is checked; what is read below is decoded straight from it: no jansson
         * document at all (it cost more than the scan). */
        for (size_t k = 0; k < _NS_MAX; k++)
                keys[RK_NS_FIRST + k] = (JsonScanKey) JSON_SCAN_KEY(ns_runc_key_table[k], RK_NAMESPACES);
        if (len > RUNC_STATE_SIZE_MAX)
                return -EFBIG;
        r = json_scan(buf, len, RUNC_STATE_DEPTH_MAX, keys, ELEMENTSOF(keys));
        if (r < 0)
                return r == -ENOMEM ? r : -EBADMSG;

        s = calloc(1, sizeof(RuncState));
        if (!s)
                return -ENOMEM;
        s->runtime = RUNTIME_RUNC;

        /* the two keys without which there is nothing to watch */
        if (json_scan_get_integer(buf, &keys[RK_PID], &i) <= 0 || i <= 0 || i > INT_MAX) {
                if (ret_missing)
                        *ret_missing = "init_process_pid";
                return -EINVAL;
        }
        s->pid = (pid_t) i;
        if (json_scan_get_integer(buf, &keys[RK_START], &i) > 0 && i >= 0)
                s->start_ticks = (uint64_t) i;
        else {
                /* some runc releases marshal the uint64 as a string of digits */
                r = json_scan_get_string(buf, &keys[RK_START], &start);
                if (r < 0)
                        return r;
                if (r == 0 || parse_ticks(start, strlen(start), &s->start_ticks) < 0) {
                        if (ret_missing)
                                *ret_missing = "init_process_start";
                        return -EINVAL;
                }
        }

        r = scan_dup_string(buf, &keys[RK_ID], &s->id);
        if (r < 0)
                return r;

        r = json_scan_get_string(buf, &keys[RK_CREATED], &created);
        if (r < 0)
                return r;
        if (r > 0 && parse_rfc3339_usec(created, &s->created_usec) < 0)
                s->created_usec = 0;

        /* runc >= 1.4 omits it when false. */
        s->rootless = json_scan_is_true(buf, &keys[RK_ROOTLESS]);

        r = json_scan_foreach_string(buf, &keys[RK_LABELS], runc_add_label, s);
        if (r < 0)
                return r;

        /* v1 and hybrid: one key per controller; v2: only "" (FACTS.md 3.5). */
        r = scan_dup_string(buf, &keys[RK_CGROUP_MEMORY], &s->cgroup_v1_memory);
        if (r < 0)
                return r;
        r = scan_dup_string(buf, &keys[RK_CGROUP_UNIFIED], &s->cgroup_unified);
        if (r < 0)
                return r;

        for (size_t k = 0; k < _NS_MAX; k++) {
                r = scan_dup_string(buf, &keys[RK_NS_FIRST + k], &s->ns_path[k]);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(s);
        return 0;
}

int crun_status_parse(const char *buf, size_t len, RuncState **ret, const char **ret_missing) {
        JsonScanKey keys[] = {
                JSON_SCAN_KEY("pid", -1),
                JSON_SCAN_KEY("process-start-time", -1),
                JSON_SCAN_KEY("bundle", -1),
                JSON_SCAN_KEY("created", -1),
                JSON_SCAN_KEY("cgroup-path", -1),
        };
        json_auto_t *j = NULL;
        _cleanup_(runc_state_freep) RuncState *s = NULL;
        json_t *v;
        int r;

        assert(ret);

        r = state_parse_common(buf, len, keys, ELEMENTSOF(keys), RUNTIME_CRUN, "pid", "process-start-time", &j,
                               &s, ret_missing);
        if (r < 0)
                return r;

        r = json_dup_string(j, "bundle", &s->bundle);
        if (r < 0)
                return r;

        v = json_object_get(j, "created");
        if (json_is_string(v) && parse_rfc3339_usec(json_string_value(v), &s->created_usec) < 0)
                s->created_usec = 0;

        /* crun records the path below the cgroup mount, with or without a leading '/'; empty
         * with --cgroup-manager=disabled. */
        v = json_object_get(j, "cgroup-path");
        if (json_is_string(v) && json_string_length(v) > 0) {
                const char *p = json_string_value(v);

                if (asprintf(&s->cgroup_unified, CGROUP_ROOT "%s%s", p[0] == '/' ? "" : "/", p) < 0) {
                        s->cgroup_unified = NULL;
                        return -ENOMEM;
                }
        }

        *ret = TAKE_PTR(s);
        return 0;
}

int oci_config_parse_annotations(const char *buf, size_t len, RuncState *s) {
        JsonScanKey keys[] = { JSON_SCAN_KEY("annotations", -1) };
        json_auto_t *j = NULL;
        json_t *annotations, *v;
        const char *key;
        int r;

        if (!s)
                return -EINVAL;

        r = json_load_object(buf, len, keys, ELEMENTSOF(keys), &j);
        if (r < 0)
                return r;

        /* Docker 20.10 writes "annotations": null. */
        annotations = json_object_get(j, "annotations");
        if (!json_is_object(annotations))
                return 0;

        r = labels_reserve(s, json_object_size(annotations));
        if (r < 0)
                return r;

        json_object_foreach(annotations, key, v) {
                if (!json_is_string(v) || key[0] == '\0')
                        continue;
                r = labels_append(s, key, strlen(key), json_string_value(v), json_string_length(v));
                if (r < 0)
                        return r;
        }

        return 0;
}

const char *runc_state_label(const RuncState *s, const char *key) {
        if (!s || !key)
                return NULL;

        /* Backwards: a key appended later (an OCI annotation merged after the state's labels)
         * overrides an earlier one. */
        for (size_t i = s->n_labels; i > 0; i--)
                if (strcmp(s->labels[i - 1].key, key) == 0)
                        return s->labels[i - 1].value;

        return NULL;
}

/* Exactly n decimal digits at *p, advancing it. */
static bool take_digits(const char **p, unsigned n, unsigned *ret) {
        unsigned v = 0;

        for (unsigned i = 0; i < n; i++) {
                char c = (*p)[i];

                if (c < '0' || c > '9')
                        return false;
                v = v * 10 + (unsigned) (c - '0');
        }
        *p += n;
        *ret = v;
        return true;
}

static bool take_char(const char **p, char c) {
        if (**p != c)
                return false;
        (*p)++;
        return true;
}

static bool is_leap_year(unsigned y) {
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
        int64_t era, yoe, doy, doe;

        y -= m <= 2;
        era = (y >= 0 ? y : y - 399) / 400;
        yoe = y - era * 400;
        doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
        doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

int parse_rfc3339_usec(const char *s, uint64_t *ret) {
        static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        unsigned year, month, day, hour, minute, second, oh = 0, om = 0;
        uint64_t frac = 0;
        int64_t secs, offset = 0;
        const char *p = s;

        if (!s || !ret)
                return -EINVAL;

        if (!take_digits(&p, 4, &year) || !take_char(&p, '-') ||
            !take_digits(&p, 2, &month) || !take_char(&p, '-') ||
            !take_digits(&p, 2, &day))
                return -EINVAL;
        if (*p != 'T' && *p != 't' && *p != ' ')
                return -EINVAL;
        p++;
        if (!take_digits(&p, 2, &hour) || !take_char(&p, ':') ||
            !take_digits(&p, 2, &minute) || !take_char(&p, ':') ||
            !take_digits(&p, 2, &second))
                return -EINVAL;

        if (month < 1 || month > 12 || day < 1 ||
            day > mdays[month - 1] + (month == 2 && is_leap_year(year)) ||
            hour > 23 || minute > 59 || second > 60)   /* 60: a leap second */
                return -EINVAL;

        /* Fraction: any number of digits (Go writes up to 9, trailing zeros trimmed); µs kept,
         * the rest truncated. */
        if (take_char(&p, '.')) {
                unsigned frac_digits = 0;

                if (*p < '0' || *p > '9')
                        return -EINVAL;
                for (; *p >= '0' && *p <= '9'; p++)
                        if (frac_digits < 6) {
                                frac = frac * 10 + (uint64_t) (*p - '0');
                                frac_digits++;
                        }
                for (; frac_digits < 6; frac_digits++)
                        frac *= 10;
        }

        if (*p == 'Z' || *p == 'z')
                p++;
        else if (*p == '+' || *p == '-') {
                bool neg = *p == '-';

                p++;
                if (!take_digits(&p, 2, &oh) || !take_char(&p, ':') || !take_digits(&p, 2, &om))
                        return -EINVAL;
                if (oh > 23 || om > 59)
                        return -EINVAL;
                offset = (int64_t) (oh * 3600 + om * 60) * (neg ? -1 : 1);
        } else
                return -EINVAL;

        if (*p != '\0')
                return -EINVAL;

        secs = days_from_civil(year, month, day) * 86400 + (int64_t) hour * 3600 + (int64_t) minute * 60 + second - offset;
        if (secs < 0)
                return -EINVAL;

        *ret = (uint64_t) secs * USEC_PER_SEC + frac;
        return 0;
}

const char *ns_kind_to_string(NsKind k) {
        if (k < 0 || k >= _NS_MAX)
                return NULL;
        return ns_kind_table[k];
}

const char *runtime_to_string(Runtime r) {
        if (r < 0 || r >= _RUNTIME_MAX)
                return NULL;
        return runtime_table[r];
}
