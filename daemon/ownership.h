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

/*
 * The uid that controls a container directory: the owner of the directory holding it (dir) or of
 * the container directory itself (dirfd), whichever is not root; 0 when both are root's.
 * Returns 0 and *ret, or -errno.
 */
int state_dir_owner(const char *dir, int dirfd, uid_t *ret);

/*
 * 1 when pid's real uid is uid, or its user namespace (or an ancestor of it below ours) was
 * created by uid; 0 when not; -errno (-ESRCH: gone).
 */
int pid_belongs_to(pid_t pid, uid_t uid);
