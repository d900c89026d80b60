/* SPDX-License-Identifier: MIT */
/*
 * The state file of one container directory: which runtime's it is (the one table of state-file
 * names: runc's state.json, crun's status), and reading and parsing it, with crun's copy of the
 * OCI config beside it. Files are opened relative to the directory's fd, never through a symlink,
 * bounded in size. Knows no inotify and no PIDs beyond what the parsers return.
 */
#pragma once

#include "runc-state.h"

/* The runtime whose state file is called name, or _RUNTIME_INVALID. */
Runtime statefile_runtime_of(const char *name);

/* Which state file the directory dirfd holds (runc's looked for first), or _RUNTIME_INVALID. */
Runtime statefile_detect(int dirfd);

/*
 * Read and parse the state file of runtime in the container directory dirfd (path names it in
 * messages). Bad input gets one warning (MESSAGE_ID_STATE_REFUSED) naming what is wrong: a symlink,
 * not a regular file, too large, not JSON, a required key missing. Returns 0 and *ret (caller
 * frees with runc_state_free), -ENOENT silently when the file is gone meanwhile, other -errno.
 */
int statefile_read(int dirfd, const char *path, Runtime runtime, RuncState **ret);
