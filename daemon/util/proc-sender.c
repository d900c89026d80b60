/* SPDX-License-Identifier: MIT */
/*
 * A signal sender's executable and systemd unit from /proc (proc-sender.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/proc-sender.h"

int proc_read_exe(pid_t pid, char **ret) {
        char path[64], target[PATH_MAX];
        ssize_t n;
        char *s;

        (void) snprintf(path, sizeof(path), "/proc/%d/exe", (int) pid);
        n = readlink(path, target, sizeof(target) - 1);
        if (n < 0)
                return -errno;
        target[n] = 0;
        s = strdup(target);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static bool has_suffix(const char *s, size_t n, const char *suffix) {
        size_t k = strlen(suffix);
        return n > k && memcmp(s + n - k, suffix, k) == 0;
}

/* The deepest unit component of one cgroup path (not NUL-terminated). */
static int path_to_unit(const char *p, size_t len, char **ret) {
        const char *best = NULL;
        size_t best_len = 0;

        for (size_t i = 0; i < len;) {
                size_t j = i;
                while (j < len && p[j] != '/')
                        j++;
                if (has_suffix(p + i, j - i, ".service") || has_suffix(p + i, j - i, ".scope")) {
                        best = p + i;
                        best_len = j - i;
                }
                i = j + 1;
        }
        if (!best)
                return -ENODATA;
        *ret = strndup(best, best_len);
        return *ret ? 0 : -ENOMEM;
}

int cgroup_text_to_unit(const char *text, size_t len, char **ret) {
        const char *v2 = NULL, *v1 = NULL;
        size_t v2_len = 0, v1_len = 0;

        for (size_t i = 0; i < len;) {
                const char *line = text + i, *nl = memchr(line, '\n', len - i);
                size_t l = nl ? (size_t) (nl - line) : len - i;
                const char *c1 = memchr(line, ':', l), *c2;

                i += l + 1;
                if (!c1)
                        continue;
                c2 = memchr(c1 + 1, ':', l - (size_t) (c1 + 1 - line));
                if (!c2)
                        continue;
                if (c1 == line + 1 && line[0] == '0' && c2 == c1 + 1) {
                        v2 = c2 + 1;
                        v2_len = l - (size_t) (v2 - line);
                } else if ((size_t) (c2 - c1 - 1) == strlen("name=systemd") &&
                           memcmp(c1 + 1, "name=systemd", strlen("name=systemd")) == 0) {
                        v1 = c2 + 1;
                        v1_len = l - (size_t) (v1 - line);
                }
        }
        /* On a hybrid host the unified line exists but says "/": the v1 name=systemd line has the
         * real placement then. */
        if (v2 && path_to_unit(v2, v2_len, ret) == 0)
                return 0;
        if (v1)
                return path_to_unit(v1, v1_len, ret);
        return -ENODATA;
}

int proc_read_unit(pid_t pid, char **ret) {
        _cleanup_free_ char *text = NULL;
        char path[64];
        size_t len;
        int r;

        (void) snprintf(path, sizeof(path), "/proc/%d/cgroup", (int) pid);
        r = read_file_path(path, (size_t) 64 * 1024, &text, &len);
        if (r < 0)
                return r;
        return cgroup_text_to_unit(text, len, ret);
}
