/* SPDX-License-Identifier: MIT */
/*
 * Exit statuses that a container's monitor wrote down, for kernels that give none (before 6.15 the
 * kernel has no exit status for a process that is not our child, FACTS.md 1.8–1.10): conmon, the
 * parent of Podman's and CRI-O's container inits, writes the status of the init it reaped to
 * <exits dir>/<id> (tmp file + rename) within milliseconds (Podman: /run/libpod/exits, CRI-O:
 * /run/crio/exits); Podman's cleanup deletes it about 70 ms later.
 * dockerd records the status in <data root>/containers/<id>/config.v2.json (State.ExitCode, written
 * with a tmp file + rename) once containerd has told it of the exit: tens of milliseconds later.
 * containerd's CRI plugin (Kubernetes) checkpoints each container's status in
 * <root>/containers/<id>/status (root: /var/lib/containerd/io.containerd.grpc.v1.cri by default;
 * {"Version":"v1",...,"FinishedAt":<ns>,"ExitCode":N,"Reason":"..."}, tmp file + rename) when it
 * handles the exit. [S: containerd pkg/cri/store/container/status.go; not seen on this machine.]
 * Owns the inotify source and the timer of a wait (sd-event's own inotify, not libinotifytools:
 * one short-lived watch on one directory, see runtime_exit_wait). Knows nothing about containers.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "util/exit-status.h"

typedef struct RuntimeExitWait RuntimeExitWait;

/*
 * Parse the content of a conmon exit file: a decimal number, optionally followed by a newline.
 * conmon writes WEXITSTATUS for an exit and 128+signal for a death by signal, so 129..192 are read
 * as "killed by signal N-128" (an init that really called exit(137) cannot be told apart; Docker
 * and Podman show both as 137 too). Returns 0 and *ret (source EXIT_SOURCE_RUNTIME) or -EBADMSG.
 */
int runtime_exit_parse(const char *buf, size_t len, ExitStatus *ret);

/* The directory where the manager's conmon leaves exit files: "/run/libpod/exits" for "podman",
 * "/run/crio/exits" for "cri-o" (rootful defaults), NULL for other managers. */
const char *runtime_exit_dir(const char *manager);

/* Read dir/id now. Returns 0 and *ret; -ENOENT when it is not (or no longer) there; -EBADMSG. */
int runtime_exit_read(const char *dir, const char *id, ExitStatus *ret);

/* Called once: st is the status read, or NULL when no exit file came within the timeout. The
 * handler may free the wait. */
typedef void (*RuntimeExitHandler)(RuntimeExitWait *w, const ExitStatus *st, void *userdata);

/*
 * Wait for dir/id to appear (IN_MOVED_TO / IN_CLOSE_WRITE in dir) for at most timeout_usec.
 * Returns 1 and fills *ret_now when the file is readable already (no wait object is created);
 * 0 and *ret when waiting (the handler will be called exactly once, unless the wait is freed first);
 * -ENOENT when dir does not exist, -EINVAL for an invalid id, other -errno.
 */
int runtime_exit_wait(sd_event *e, const char *dir, const char *id, uint64_t timeout_usec,
                      RuntimeExitHandler handler, void *userdata, RuntimeExitWait **ret, ExitStatus *ret_now);

/*
 * The same wait for Docker's record: <data_root>/containers/<id>/config.v2.json renamed into place
 * and describing a stopped container (docker_exit_read(), as owner: 0 for the system's dockerd).
 * Returns as runtime_exit_wait(); -ENOENT when the container has no directory there (not Docker's,
 * or removed already: --rm).
 */
int runtime_exit_wait_docker(sd_event *e, const char *data_root, uid_t owner, const char *id, uint64_t timeout_usec,
                             RuntimeExitHandler handler, void *userdata, RuntimeExitWait **ret, ExitStatus *ret_now);

/* The CRI plugin's default root directory (rootful containerd). */
#define RUNTIME_EXIT_CRI_ROOT "/var/lib/containerd/io.containerd.grpc.v1.cri"

/*
 * The CRI plugin's checkpoint of container id under cri_root: ExitCode once FinishedAt is set (an
 * exit code of 128+N is read as killed by signal N, as conmon's). Returns 0 and *ret (source
 * runtime); -ENOENT when there is no checkpoint or it describes a container that has not exited;
 * -EBADMSG when it is not a v1 status; -EINVAL for an invalid id.
 */
int runtime_exit_read_cri(const char *cri_root, const char *id, ExitStatus *ret);

/* The same wait for the CRI plugin's checkpoint (runtime_exit_read_cri); returns as
 * runtime_exit_wait(), -ENOENT when the container has no directory under cri_root. */
int runtime_exit_wait_cri(sd_event *e, const char *cri_root, const char *id, uint64_t timeout_usec,
                          RuntimeExitHandler handler, void *userdata, RuntimeExitWait **ret, ExitStatus *ret_now);

/* Cancel and release; accepts NULL; returns NULL. */
RuntimeExitWait *runtime_exit_wait_free(RuntimeExitWait *w);
void runtime_exit_wait_freep(RuntimeExitWait **w);
