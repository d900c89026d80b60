/* SPDX-License-Identifier: MIT */
/*
 * Who may speak for a process. A state root that an ordinary user owns (rootless runtimes under
 * /run/user/<uid>/) is written by that user, who could name any PID in a state.json: such a
 * container is followed only when its init belongs to that user, directly or through a user
 * namespace that user created (as rootless runtimes do). Owns nothing.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* What path_walk() found at the end of a path. */
typedef struct PathWalk {
        int kind;          /* 1: a directory; 0: something else (what says what); -ENOENT: nothing */
        const char *what;  /* for kind 0, a static phrase ("a symbolic link (...)") */
        uid_t owner;       /* the first owner other than root of a directory on the way: that user
                            * controls everything below it; 0 when every directory is root's */
        char *deepest;     /* the deepest directory reached, links resolved (the path itself for
                            * kind 1): where to watch for the rest to appear. Owned by the caller. */
        dev_t dev;         /* of the path, for kind 1 */
        ino_t ino;
} PathWalk;

/*
 * Walk an absolute path one component at a time from "/" (O_PATH, O_NOFOLLOW), never following a
 * symbolic link that a user other than root controls: a link inside a directory owned by such a
 * user (or below one) ends the walk as "not a directory", as does a link as the last component.
 * Links that only root can change on the way (/var/run → /run) are followed. Returns 0 and *ret
 * (free ret->deepest), or -errno for anything but a missing component.
 */
int path_walk(const char *path, PathWalk *ret);

/*
 * path_walk() for a directory asked about again and again (every container directory of a state
 * root): its last walk is used again for up to a second while the path still leads to the same
 * directory (device and inode). ret->deepest is always NULL. Returns 0 and *ret, or -errno.
 */
int path_walk_cached(const char *path, PathWalk *ret);

/* Forget the walk path_walk_cached() keeps; at the end of the process. */
void ownership_cache_clear(void);

/*
 * The uid that controls a container directory: the first owner other than root along the path of
 * the directory holding it (dir, path_walk()), else the owner of the container directory itself
 * (dirfd); 0 when all of them are root's. Returns 0 and *ret, or -errno (-ENOTDIR when dir is not
 * a directory reached without following a user's link).
 */
int state_dir_owner(const char *dir, int dirfd, uid_t *ret);

/*
 * 1 when pid's real uid is uid, or its user namespace (or an ancestor of it below ours) was
 * created by uid; 0 when not; -errno (-ESRCH: gone).
 */
int pid_belongs_to(pid_t pid, uid_t uid);

/*
 * Read the regular file at path (absolute) with no more than uid's access, for a state root uid
 * controls: walked one component at a time with O_NOFOLLOW (a link only root can change is followed
 * while no directory of uid's has been passed), every directory on the way owned by root or uid and
 * searchable by uid (its permission bits for uid's class: owner, one of uid's groups, other; POSIX
 * ACLs are not read), and the file itself owned by uid and readable by its owner. Hard links to other users' files are
 * the kernel's to refuse (fs.protected_hardlinks). Returns 0 and *ret (NUL-terminated, *ret_len
 * bytes), -EPERM when something on the way belongs to someone else, -EACCES when uid could not
 * search a directory on the way, or another -errno.
 */
int read_file_as_owner(const char *path, uid_t uid, size_t max, char **ret, size_t *ret_len);
