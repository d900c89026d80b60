/* SPDX-License-Identifier: MIT */
/*
 * What Docker wrote down about a container (see docker.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker.h"
#include "ownership.h"
#include "runtime-exit.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strutil.h"

/* config.v2.json holds the whole container config; a few hundred KB at most in practice. */
#define DOCKER_CONFIG_SIZE_MAX ((size_t) 4 * 1024 * 1024)

/*
 * Read and parse Docker's record of container id, <data_root>/containers/<id>/config.v2.json; with
 * owner not 0 (a rootless dockerd's record), with no more than that user's access (ownership.h).
 * Returns 0 and *ret (a JSON object; json_decref() it), -EINVAL for an invalid id or no data root,
 * -ENOENT (or another -errno) when there is no readable record, -EBADMSG when it is not a JSON object
 * or is too large.
 */
static int docker_config_read(const char *data_root, const char *id, uid_t owner, json_t **ret) {
        _cleanup_free_ char *path = NULL, *buf = NULL;
        size_t len;
        json_t *j;
        int r;

        if (!data_root || !container_id_is_valid(id))
                return -EINVAL;
        if (asprintf(&path, "%s/containers/%s/config.v2.json", data_root, id) < 0)
                return -ENOMEM;
        r = owner != 0 ? read_file_as_owner(path, owner, DOCKER_CONFIG_SIZE_MAX, &buf, &len)
                       : read_file_path(path, DOCKER_CONFIG_SIZE_MAX, &buf, &len);
        if (r < 0)
                return r == -EFBIG ? -EBADMSG : r;
        j = json_loadb(buf, len, 0, NULL);
        if (!json_is_object(j)) {
                json_decref(j);
                return -EBADMSG;
        }
        *ret = j;
        return 0;
}

int docker_identity_read(const char *data_root, const char *id, uid_t owner, char **ret_name, char **ret_image) {
        json_t *j, *cfg;
        const char *name, *image;
        int r = 0;

        if (docker_config_read(data_root, id, owner, &j) < 0)
                return 0; /* no record (not Docker's, or already removed): nothing known */
        name = json_string_value(json_object_get(j, "Name"));
        if (name && *name && !*ret_name) {
                *ret_name = strdup(name[0] == '/' ? name + 1 : name);
                if (!*ret_name)
                        r = -ENOMEM;
        }
        cfg = json_object_get(j, "Config");
        image = json_is_object(cfg) ? json_string_value(json_object_get(cfg, "Image")) : NULL;
        if (r >= 0 && image && *image && !*ret_image) {
                *ret_image = strdup(image);
                if (!*ret_image)
                        r = -ENOMEM;
        }
        json_decref(j);
        return r;
}

int docker_exit_read(const char *data_root, const char *id, ExitStatus *ret) {
        json_t *j, *state, *code;
        const char *finished;
        int r;

        r = docker_config_read(data_root, id, 0, &j);
        if (r < 0)
                return r;
        state = json_object_get(j, "State");
        code = json_object_get(state, "ExitCode");
        finished = json_string_value(json_object_get(state, "FinishedAt"));
        if (!json_is_object(state) || !json_is_integer(code)) {
                json_decref(j);
                return -EBADMSG;
        }
        if (json_is_true(json_object_get(state, "Running")) || !finished || strncmp(finished, "0001-", 5) == 0) {
                json_decref(j);
                return -ENOENT;
        }
        {
                char num[32];

                snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(code));
                r = runtime_exit_parse(num, strlen(num), ret);
        }
        json_decref(j);
        return r;
}
