/* SPDX-License-Identifier: MIT */
/*
 * What a signal's sender was, read from /proc at once while it still exists (issue 13): its
 * executable and the systemd unit or scope its cgroup belongs to. Owns nothing; includes nothing
 * else from daemon/.
 */
#pragma once

#include <sys/types.h>

/* readlink /proc/PID/exe into a new string. Returns 0, -ESRCH/-ENOENT when the process is gone,
 * -EACCES without ptrace-read access, -ENOMEM. */
int proc_read_exe(pid_t pid, char **ret);

/*
 * The systemd unit of a /proc/PID/cgroup text: the deepest path component ending in ".service" or
 * ".scope" of the unified ("0::") line, or of the "name=systemd" line on a v1 host; e.g.
 * "0::/system.slice/docker.service" -> "docker.service",
 * "1:name=systemd:/user.slice/user-0.slice/session-3.scope" -> "session-3.scope".
 * text need not be NUL-terminated. Returns 0 and a new string, -ENODATA when no line names a unit,
 * -ENOMEM.
 */
int cgroup_text_to_unit(const char *text, size_t len, char **ret);

/* cgroup_text_to_unit() over /proc/PID/cgroup. -ENOENT/-ESRCH when the process is gone. */
int proc_read_unit(pid_t pid, char **ret);
