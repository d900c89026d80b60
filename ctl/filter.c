/* SPDX-License-Identifier: MIT */
/*
 * Entry filters for container-watchctl (see filter.h).
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "filter.h"
#include "util/cleanup.h"
#include "util/exit-status.h"
#include "util/strutil.h"

static const char *const reason_words[] = { "exited", "killed", "dumped", "unknown", "oom" };
static const char *const event_words[] = { "started", "exited", "oom", "crashloop" };

/* Calls f(word, len, userdata) for each comma-separated word of list until one returns true. */
static bool list_any(const char *list, bool (*f)(const char *w, size_t l, const void *u), const void *u) {
        for (const char *p = list;;) {
                size_t l = strcspn(p, ",");

                if (l > 0 && f(p, l, u))
                        return true;
                if (!p[l])
                        return false;
                p += l + 1;
        }
}

static bool word_is(const char *w, size_t l, const char *s) {
        return strlen(s) == l && strncmp(w, s, l) == 0;
}

/* "SIGKILL", "sigkill", "KILL", "kill" → 9; -1 when no signal has that name. */
static int signal_from_word(const char *w, size_t l) {
        if (l > 3 && strncasecmp(w, "SIG", 3) == 0) {
                w += 3;
                l -= 3;
        }
        for (int sig = 1; sig < 65; sig++) {
                const char *n = signal_to_name(sig);

                if (n && strlen(n) == l + 3 && strncasecmp(n + 3, w, l) == 0)
                        return sig;
        }
        return -1;
}

static bool word_is_reason(const char *w, size_t l, const void *u) {
        (void) u;
        for (size_t i = 0; i < ELEMENTSOF(reason_words); i++)
                if (word_is(w, l, reason_words[i]))
                        return true;
        return signal_from_word(w, l) > 0;
}

static bool word_is_event(const char *w, size_t l, const void *u) {
        (void) u;
        for (size_t i = 0; i < ELEMENTSOF(event_words); i++)
                if (word_is(w, l, event_words[i]))
                        return true;
        return false;
}

/* true when list has at least one word and f accepts every word of it. */
static bool list_all_valid(const char *list, bool (*f)(const char *w, size_t l, const void *u)) {
        bool any = false;

        for (const char *p = list;;) {
                size_t l = strcspn(p, ",");

                if (l > 0) {
                        if (!f(p, l, NULL))
                                return false;
                        any = true;
                }
                if (!p[l])
                        return any;
                p += l + 1;
        }
}

int filter_validate(const Filter *f, const char **ret_what) {
        if (f->reason && !list_all_valid(f->reason, word_is_reason)) {
                *ret_what = "--reason";
                return -EINVAL;
        }
        if (f->event && !list_all_valid(f->event, word_is_event)) {
                *ret_what = "--event";
                return -EINVAL;
        }
        if (f->since_usec > f->until_usec) {
                *ret_what = "--since/--until";
                return -EINVAL;
        }
        return 0;
}

static bool glob_match(const char *pattern, const char *s) {
        return s && fnmatch(pattern, s, 0) == 0;
}

/* IMAGE_NAME without ":tag" or "@digest" (a ':' in a registry's host:port is not a tag). */
static char *image_untagged(const char *image) {
        const char *at = strchr(image, '@'), *slash = strrchr(image, '/'), *colon;
        size_t l = at ? (size_t) (at - image) : strlen(image);

        colon = memrchr(image, ':', l);
        if (colon && (!slash || colon > slash))
                l = (size_t) (colon - image);
        return strndup(image, l);
}

static bool image_match(const char *pattern, const char *image) {
        _cleanup_free_ char *bare = NULL;

        if (!image)
                return false;
        if (glob_match(pattern, image))
                return true;
        bare = image_untagged(image);
        return bare && glob_match(pattern, bare);
}

static bool pod_match(const char *pattern, const Entry *e) {
        const char *pod = entry_get(e, "K8S_POD_NAME"), *ns = entry_get(e, "K8S_POD_NAMESPACE");
        const char *slash = strchr(pattern, '/');
        _cleanup_free_ char *nsp = NULL;

        if (!pod)
                return false;
        if (!slash)
                return glob_match(pattern, pod);
        nsp = strndup(pattern, (size_t) (slash - pattern));
        return nsp && glob_match(nsp, ns ?: "") && glob_match(slash + 1, pod);
}

static bool word_matches_value(const char *w, size_t l, const void *u) {
        return word_is(w, l, (const char *) u);
}

static bool word_matches_reason(const char *w, size_t l, const void *u) {
        const Entry *e = u;
        const char *code = entry_get(e, "EXIT_CODE");
        int sig;

        if (word_is(w, l, "oom"))
                return streq_ptr(entry_get(e, "OOM_KILLED"), "1");
        for (size_t i = 0; i < ELEMENTSOF(reason_words); i++)
                if (word_is(w, l, reason_words[i]))
                        return streq_ptr(code, reason_words[i]);
        sig = signal_from_word(w, l);
        if (sig <= 0 || !(streq_ptr(code, "killed") || streq_ptr(code, "dumped")))
                return false;
        return streq_ptr(entry_get(e, "EXIT_SIGNAL"), signal_to_name(sig));
}

bool filter_match(const Filter *f, const Entry *e) {
        const char *v;

        if (e->realtime_usec < f->since_usec || e->realtime_usec > f->until_usec)
                return false;
        if (f->name && !glob_match(f->name, entry_get(e, "CONTAINER_NAME")))
                return false;
        if (f->image && !image_match(f->image, entry_get(e, "IMAGE_NAME")))
                return false;
        if (f->pod && !pod_match(f->pod, e))
                return false;
        if (f->manager && (!(v = entry_get(e, "CONTAINER_MANAGER")) || !list_any(f->manager, word_matches_value, v)))
                return false;
        if (f->event && (!(v = entry_get(e, "CONTAINER_EVENT")) || !list_any(f->event, word_matches_value, v)))
                return false;
        if (f->reason && !list_any(f->reason, word_matches_reason, e))
                return false;
        return true;
}

bool entry_match_ident(const Entry *e, const char *ident) {
        const char *id = entry_get(e, "CONTAINER_ID_FULL") ?: entry_get(e, "CONTAINER_ID");
        const char *slash = strchr(ident, '/');

        if (isempty(ident))
                return false;
        if (slash) {
                const char *pod = entry_get(e, "K8S_POD_NAME"), *ns = entry_get(e, "K8S_POD_NAMESPACE"),
                           *cn = entry_get(e, "K8S_CONTAINER_NAME"), *second = strchr(slash + 1, '/');

                if (!pod || !cn)
                        return false;
                if (second) /* NAMESPACE/POD/CONTAINER */
                        return ns && strlen(ns) == (size_t) (slash - ident) &&
                               strncmp(ns, ident, (size_t) (slash - ident)) == 0 &&
                               strlen(pod) == (size_t) (second - slash - 1) &&
                               strncmp(pod, slash + 1, (size_t) (second - slash - 1)) == 0 &&
                               streq(cn, second + 1);
                return strlen(pod) == (size_t) (slash - ident) && strncmp(pod, ident, (size_t) (slash - ident)) == 0 &&
                       streq(cn, slash + 1);
        }
        if (streq_ptr(entry_get(e, "CONTAINER_NAME"), ident))
                return true;
        return id && strncmp(id, ident, strlen(ident)) == 0;
}

bool entry_same_container(const Entry *a, const Entry *b) {
        const char *na = entry_get(a, "CONTAINER_NAME"), *nb = entry_get(b, "CONTAINER_NAME");

        if (!na || !nb)
                return streq_ptr(entry_get(a, "CONTAINER_ID_FULL"), entry_get(b, "CONTAINER_ID_FULL")) &&
                       entry_get(a, "CONTAINER_ID_FULL");
        return streq(na, nb) &&
               streq_ptr(entry_get(a, "CONTAINER_MANAGER"), entry_get(b, "CONTAINER_MANAGER")) &&
               streq_ptr(entry_get(a, "K8S_POD_NAMESPACE"), entry_get(b, "K8S_POD_NAMESPACE")) &&
               streq_ptr(entry_get(a, "K8S_POD_NAME"), entry_get(b, "K8S_POD_NAME"));
}
