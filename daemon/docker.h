/* SPDX-License-Identifier: MIT */
/*
 * Everything read from Docker's own files: <data_root>/containers/<id>/config.v2.json, the record
 * dockerd keeps of a container (its name and image, and once it has stopped, its exit code). Read
 * at discovery (metadata.c) and for an exit found late (container.c); the record is gone for --rm
 * containers. Owns nothing; no logging.
 */
#pragma once

#include <sys/types.h>

#include "util/exit-status.h"

/*
 * The container's name (without Docker's leading '/') and image (Config.Image), each stored into
 * *ret_name / *ret_image only when that is still NULL and the record has a non-empty one. No record
 * (not Docker's, or already removed) is not an error: nothing is stored. With owner not 0 (a
 * rootless dockerd's data root), the record is read with no more than that user's access and is
 * ignored unless it is that user's own file (read_file_as_owner()). Returns 0 or -ENOMEM.
 */
int docker_identity_read(const char *data_root, const char *id, uid_t owner, char **ret_name, char **ret_image);

/*
 * Docker's record of a container that has stopped: State.ExitCode of
 * <data_root>/containers/<id>/config.v2.json when State.Running is false and State.FinishedAt is set
 * (dockerd writes 128+signal for a death by signal, read as killed like conmon's). For exits found
 * late; the record is gone for --rm containers. Returns 0 and *ret (source runtime), -ENOENT when
 * there is no such record or it does not describe a stopped container, -EBADMSG. With owner not 0,
 * read as docker_identity_read() reads it.
 */
int docker_exit_read(const char *data_root, const char *id, uid_t owner, ExitStatus *ret);

/* A rootless dockerd's data root: $XDG_DATA_HOME/docker of its user, by default
 * ~/.local/share/docker (what dockerd-rootless.sh uses). NULL for root, when the user is unknown,
 * or out of memory. */
char *docker_user_data_root(uid_t uid);
