/* SPDX-License-Identifier: MIT */
/*
 * Reading files that other programs write, safely: relative to a directory fd, never through a
 * symlink, only regular files, never blocking on a FIFO, bounded in size. Owns nothing.
 */
#pragma once

#include <stddef.h>

/*
 * Read dirfd/name whole into a new NUL-terminated buffer (*ret, length *ret_len without the NUL).
 * name must be a single path component. The file is opened O_NOFOLLOW|O_NONBLOCK|O_NOCTTY and must
 * be a regular file. Returns 0, or
 *   -ELOOP   name is a symlink,
 *   -EBADFD  not a regular file (FIFO, socket, device, directory),
 *   -EFBIG   larger than max bytes,
 *   -ENOENT, -EACCES, ... from open/read.
 */
int read_file_at(int dirfd, const char *name, size_t max, char **ret, size_t *ret_len);

/* Like read_file_at(AT_FDCWD-relative absolute path), following no symlink in the last component. */
int read_file_path(const char *path, size_t max, char **ret, size_t *ret_len);

/* What the fd refers to, as /proc/self/fd/<fd> says ("/run/x", "anon_inode:inotify"): a new
 * string, or NULL (no such fd, OOM). */
char *fd_get_path(int fd);
