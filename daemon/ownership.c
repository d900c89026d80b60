/* SPDX-License-Identifier: MIT */
/*
 * Ownership checks for state roots written by unprivileged users (see ownership.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/nsfs.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ownership.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strutil.h"
#include "util/time.h"

/* The start of a walk down an absolute path: a copy of it to cut into components (*ret_copy) and
 * an O_PATH fd of "/". Returns the fd, or -EINVAL (not absolute), -ENOMEM, -errno. */
static int walk_begin(const char *path, char **ret_copy) {
        _cleanup_free_ char *copy = NULL;
        int fd;

        if (!path || path[0] != '/')
                return -EINVAL;
        copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        *ret_copy = TAKE_PTR(copy);
        return fd;
}

int path_walk(const char *path, PathWalk *ret) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *copy = NULL;
        PathWalk w = { .kind = -ENOENT };
        char *save = NULL, *c, *next;
        struct stat st;

        fd = walk_begin(path, &copy);
        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return -errno;
        w.dev = st.st_dev;
        w.ino = st.st_ino;
        w.kind = 1;
        for (c = strtok_r(copy, "/", &save); c; c = next) {
                int nfd;

                next = strtok_r(NULL, "/", &save);
                w.kind = -ENOENT;
                if (fstatat(fd, c, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno != ENOENT)
                                return -errno;
                        break;
                }
                if (S_ISLNK(st.st_mode)) {
                        if (!next) {
                                w.kind = 0;
                                w.what = "a symbolic link (roots are not followed through one)";
                                break;
                        }
                        if (w.owner != 0) {
                                w.kind = 0;
                                w.what = "below a symbolic link that an ordinary user controls (not followed)";
                                break;
                        }
                        nfd = openat(fd, c, O_PATH | O_DIRECTORY | O_CLOEXEC); /* root's link */
                } else if (!S_ISDIR(st.st_mode)) {
                        w.kind = 0;
                        w.what = "not a directory";
                        break;
                } else
                        nfd = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (nfd < 0) {
                        if (errno == ENOENT || errno == ENOTDIR)
                                break; /* replaced meanwhile, or a dangling link of root's */
                        return -errno;
                }
                safe_close(fd);
                fd = nfd;
                if (fstat(fd, &st) < 0)
                        return -errno;
                if (w.owner == 0 && st.st_uid != 0)
                        w.owner = st.st_uid;
                w.dev = st.st_dev;
                w.ino = st.st_ino;
                w.kind = 1;
        }
        w.deepest = fd_get_path(fd);
        if (!w.deepest)
                return -ENOMEM;
        *ret = w;
        return 0;
}

/*
 * The last walk of a directory that holds container directories. A scan asks for the owner of
 * every container directory of one such directory in turn (10,000 times at the start on a busy
 * host, once more for its metadata), and a walk costs four system calls per component: half of all
 * the system calls of a start-up. The walk is used again for at most DIR_WALK_CACHE_USEC and only
 * while the path still leads to the directory it found (one stat(): same device and inode). What
 * the walk says can change only by a change of a directory on the way, which only root or the
 * owner it found can make, and the walk was a moment's view before too.
 */
#define DIR_WALK_CACHE_USEC (1 * USEC_PER_SEC)
static struct {
        char *path;
        PathWalk w;                  /* deepest: NULL */
        uint64_t at;
} dir_walk_cache;

void ownership_cache_clear(void) {
        free(dir_walk_cache.path);
        dir_walk_cache.path = NULL;
}

int path_walk_cached(const char *path, PathWalk *ret) {
        PathWalk w = {};
        struct stat st;
        uint64_t now = now_monotonic_usec();
        int r;

        if (path && dir_walk_cache.path && streq(dir_walk_cache.path, path) &&
            now - dir_walk_cache.at < DIR_WALK_CACHE_USEC && stat(path, &st) >= 0 &&
            S_ISDIR(st.st_mode) && st.st_dev == dir_walk_cache.w.dev && st.st_ino == dir_walk_cache.w.ino) {
                *ret = dir_walk_cache.w;
                return 0;
        }
        r = path_walk(path, &w);
        if (r < 0)
                return r;
        free(w.deepest);
        w.deepest = NULL;
        if (w.kind == 1) {
                char *p = strdup(path);

                if (p) {
                        free(dir_walk_cache.path);
                        dir_walk_cache.path = p;
                        dir_walk_cache.w = w;
                        dir_walk_cache.at = now;
                }
        }
        *ret = w;
        return 0;
}

int state_dir_owner(const char *dir, int dirfd, uid_t *ret) {
        PathWalk w = {};
        struct stat b;
        int r;

        r = path_walk_cached(dir, &w);
        if (r < 0)
                return r;
        if (w.kind <= 0)
                return w.kind < 0 ? w.kind : -ENOTDIR;
        if (fstat(dirfd, &b) < 0)
                return -errno;
        *ret = w.owner != 0 ? w.owner : b.st_uid;
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

/* The groups of uid (its passwd entry's and the supplementary ones), at most max; how many, or -ENOENT
 * for a uid without a passwd entry (then only "other" permissions apply). */
static int user_groups(uid_t uid, gid_t *groups, int max) {
        struct passwd pw, *res = NULL;
        char buf[4096];
        int n = max;

        if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || !res)
                return -ENOENT;
        if (getgrouplist(res->pw_name, res->pw_gid, groups, &n) < 0) {
                /* more than max: the first max, the primary group among them */
                n = max;
        }
        return n;
}

/* May a process of uid (in groups) search the directory st, by its permission bits? The class is
 * the kernel's: owner, else group, else other, the first that matches decides. */
static bool may_search(const struct stat *st, uid_t uid, const gid_t *groups, int n_groups) {
        if (st->st_uid == uid)
                return st->st_mode & S_IXUSR;
        for (int i = 0; i < n_groups; i++)
                if (st->st_gid == groups[i])
                        return st->st_mode & S_IXGRP;
        return st->st_mode & S_IXOTH;
}

int read_file_as_owner(const char *path, uid_t uid, size_t max, char **ret, size_t *ret_len) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *copy = NULL;
        char *save = NULL, *c, *next;
        bool seen = false;
        gid_t groups[256];
        int n_groups;
        struct stat st;

        if (uid == 0)
                return -EINVAL;
        n_groups = user_groups(uid, groups, (int) ELEMENTSOF(groups));
        if (n_groups < 0)
                n_groups = 0;
        fd = walk_begin(path, &copy);
        if (fd < 0)
                return fd;
        /* every directory on the way must be one uid could search: CAP_DAC_READ_SEARCH lends it no
         * more than that user's access (by permission bits; ACLs are not read) */
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!may_search(&st, uid, groups, n_groups))
                return -EACCES;
        for (c = strtok_r(copy, "/", &save); c; c = next) {
                int nfd;

                next = strtok_r(NULL, "/", &save);
                if (fstatat(fd, c, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
                if (!next) {
                        /* the file: uid's own, a regular file its owner may read */
                        if (!S_ISREG(st.st_mode))
                                return -EPERM;
                        if (st.st_uid != uid || !(st.st_mode & S_IRUSR))
                                return -EPERM;
                        return read_file_at(fd, c, max, ret, ret_len);
                }
                if (S_ISLNK(st.st_mode) && (seen || st.st_uid != 0))
                        return -EPERM;
                nfd = openat(fd, c, O_PATH | O_DIRECTORY | O_CLOEXEC | (S_ISLNK(st.st_mode) ? 0 : O_NOFOLLOW));
                if (nfd < 0)
                        return -errno;
                safe_close(fd);
                fd = nfd;
                if (fstat(fd, &st) < 0)
                        return -errno;
                if (st.st_uid != 0 && st.st_uid != uid)
                        return -EPERM;
                if (st.st_uid == uid)
                        seen = true;
                if (!may_search(&st, uid, groups, n_groups))
                        return -EACCES;
        }
        return -EISDIR;
}
