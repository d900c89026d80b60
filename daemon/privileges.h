/* SPDX-License-Identifier: MIT */
/*
 * Least privilege at run time. Beyond setting up the loop the daemon needs exactly two capabilities,
 * and drops the rest before its start-up scan parses the first file someone else wrote:
 *   CAP_DAC_READ_SEARCH  read state files and directories it does not own (runc writes state.json
 *                        0600, rootless runtimes' files belong to their users);
 *   CAP_SYS_PTRACE       ptrace-read access to other users' /proc/<pid> (field 52 of stat, the
 *                        /proc/<pid>/ns links); nothing is ever traced.
 * Started as root outside the unit (which grants only these two), it drops every other capability
 * from its effective, permitted, inheritable and bounding sets, and sets no_new_privs. As uid 0 it
 * still owns the files it writes (the record, cgroup.event_control on cgroup v1).
 */
#pragma once

#include <stdint.h>

/* The capabilities kept, as a bit mask of CAP_* numbers. */
#define PRIVILEGES_KEEP ((UINT64_C(1) << 2) | (UINT64_C(1) << 19)) /* CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE */

/*
 * Drop everything but PRIVILEGES_KEEP. Without CAP_SETPCAP (an unprivileged run, or the unit's
 * bounding set already applied) the bounding set is left as it is and only the other sets shrink.
 * Returns 0 or -errno.
 */
int privileges_drop(void);
