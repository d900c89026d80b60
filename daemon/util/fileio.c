/* SPDX-License-Identifier: MIT */
/*
 * Safe bounded file reading (see fileio.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fileio.h"

static int read_fd_bounded(int fd, size_t max, char **ret, size_t *ret_len) {
        struct stat st;
        _cleanup_free_ char *buf = NULL;
        size_t n = 0, cap;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if ((uint64_t) st.st_size > max)
                return -EFBIG;

        /* st_size is a hint only (proc and cgroup files report 0 or 4096): read until EOF. */
        cap = st.st_size > 0 ? (size_t) st.st_size + 1 : 4096;
        if (cap > max + 1)
                cap = max + 1;
        buf = malloc(cap + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k;

                if (n == cap) {
                        char *nb;

                        if (cap > max)
                                return -EFBIG;
                        cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
                        nb = realloc(buf, cap + 1);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                }
                k = read(fd, buf + n, cap - n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
                /* A regular file that gave all st_size said, short of the one byte more asked for,
                 * is at its end (a short read of a regular file is its end): no read to see EOF. */
                if (st.st_size > 0 && n == (size_t) st.st_size && n < cap)
                        break;
        }
        if (n > max)
                return -EFBIG;
        buf[n] = 0;
        *ret = TAKE_PTR(buf);
        if (ret_len)
                *ret_len = n;
        return 0;
}

int read_file_at(int dirfd, const char *name, size_t max, char **ret, size_t *ret_len) {
        _cleanup_close_ int fd = -1;

        if (strchr(name, '/'))
                return -EINVAL;
        fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
                return errno == ENXIO ? -EBADFD : -errno; /* ENXIO: a socket */
        return read_fd_bounded(fd, max, ret, ret_len);
}

int read_file_path(const char *path, size_t max, char **ret, size_t *ret_len) {
        _cleanup_close_ int fd = -1;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
                return errno == ENXIO ? -EBADFD : -errno;
        return read_fd_bounded(fd, max, ret, ret_len);
}

char *fd_get_path(int fd) {
        char link[64], buf[PATH_MAX];
        ssize_t l;

        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        l = readlink(link, buf, sizeof(buf) - 1);
        if (l < 0)
                return NULL;
        buf[l] = 0;
        return strdup(buf);
}
