/* SPDX-License-Identifier: MIT */
/*
 * Ownership checks for state roots written by unprivileged users (see ownership.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ownership.h"
#include "util/cleanup.h"
#include "util/fileio.h"

int state_dir_owner(const char *dir, int dirfd, uid_t *ret) {
        struct stat a, b;

        if (stat(dir, &a) < 0)
                return -errno;
        if (fstat(dirfd, &b) < 0)
                return -errno;
        *ret = a.st_uid != 0 ? a.st_uid : b.st_uid;
        return 0;
}

/* The real uid from /proc/<pid>/status ("Uid:\treal\teffective\tsaved\tfs"). */
static int pid_real_uid(pid_t pid, uid_t *ret) {
        _cleanup_free_ char *buf = NULL;
        char path[64];
        unsigned long long uid;
        int r;

        snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
        r = read_file_path(path, (size_t) 64 * 1024, &buf, NULL);
        if (r == -ENOENT)
                return -ESRCH;
        if (r < 0)
                return r;
        {
                const char *p = strstr(buf, "\nUid:");
                char *end;

                if (!p)
                        return -EBADMSG;
                errno = 0;
                uid = strtoull(p + 5, &end, 10); /* skips the tab */
                if (errno != 0 || end == p + 5)
                        return -EBADMSG;
        }
        *ret = (uid_t) uid;
        return 0;
}

int pid_belongs_to(pid_t pid, uid_t uid) {
        _cleanup_close_ int ns = -1;
        char path[64];
        uid_t u;
        int r;

        r = pid_real_uid(pid, &u);
        if (r < 0)
                return r;
        if (u == uid)
                return 1;

        /* Walk up the process's user namespaces: any created by uid will do (a rootless runtime's
         * container may map its root to a subordinate id, but the namespace is the user's). */
        snprintf(path, sizeof(path), "/proc/%d/ns/user", (int) pid);
        ns = open(path, O_RDONLY | O_CLOEXEC);
        if (ns < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        for (int depth = 0; depth < 32; depth++) {
                uid_t owner;
                int parent;

                if (ioctl(ns, NS_GET_OWNER_UID, &owner) < 0)
                        return 0;
                if (owner == uid)
                        return 1;
                parent = ioctl(ns, NS_GET_PARENT);
                if (parent < 0)
                        return 0; /* EPERM: the parent is outside our namespace; ours is the root */
                safe_close(ns);
                ns = parent;
        }
        return 0;
}
