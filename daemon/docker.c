/* SPDX-License-Identifier: MIT */
/*
 * What Docker wrote down about a container (see docker.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker.h"
#include "ownership.h"
#include "runtime-exit.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/json-scan.h"
#include "util/strutil.h"

/* config.v2.json holds the whole container config; a few hundred KB at most in practice. */
#define DOCKER_CONFIG_SIZE_MAX ((size_t) 4 * 1024 * 1024)
/* Docker's record nests a few levels (Config.Labels, NetworkSettings.Networks.x.IPAMConfig...). */
#define DOCKER_CONFIG_DEPTH_MAX 64

/* The members of config.v2.json that are read, by index in the table below. */
enum {
        DK_NAME,
        DK_CONFIG,
        DK_IMAGE,               /* Config.Image */
        DK_STATE,
        DK_RUNNING,             /* State.Running */
        DK_EXIT_CODE,           /* State.ExitCode */
        DK_FINISHED,            /* State.FinishedAt */
        _DK_MAX,
};

/*
 * Read Docker's record of container id, <data_root>/containers/<id>/config.v2.json; with owner not
 * 0 (a rootless dockerd's record), with no more than that user's access (ownership.h). The whole
 * file is checked by json_scan() (util/json-scan.h: the grammar, UTF-8, depth) and only keys[] is
 * kept, no jansson document built (one was most of the cost of a Docker container's start).
 * Returns 0, *ret_buf (caller frees) and keys[] filled in; -EINVAL for an invalid id or no data
 * root, -ENOENT (or another -errno) when there is no readable record, -EBADMSG when it is not a
 * JSON object, nests too deeply or is too large.
 */
static int docker_config_read(const char *data_root, const char *id, uid_t owner, JsonScanKey keys[static _DK_MAX],
                              char **ret_buf) {
        static const JsonScanKey table[_DK_MAX] = {
                [DK_NAME]      = JSON_SCAN_KEY("Name", -1),
                [DK_CONFIG]    = JSON_SCAN_KEY("Config", -1),
                [DK_IMAGE]     = JSON_SCAN_KEY("Image", DK_CONFIG),
                [DK_STATE]     = JSON_SCAN_KEY("State", -1),
                [DK_RUNNING]   = JSON_SCAN_KEY("Running", DK_STATE),
                [DK_EXIT_CODE] = JSON_SCAN_KEY("ExitCode", DK_STATE),
                [DK_FINISHED]  = JSON_SCAN_KEY("FinishedAt", DK_STATE),
        };
        _cleanup_free_ char *path = NULL, *buf = NULL;
        size_t len;
        int r;

        if (!data_root || !container_id_is_valid(id))
                return -EINVAL;
        if (asprintf(&path, "%s/containers/%s/config.v2.json", data_root, id) < 0)
                return -ENOMEM;
        r = owner != 0 ? read_file_as_owner(path, owner, DOCKER_CONFIG_SIZE_MAX, &buf, &len)
                       : read_file_path(path, DOCKER_CONFIG_SIZE_MAX, &buf, &len);
        if (r < 0)
                return r == -EFBIG ? -EBADMSG : r;
        memcpy(keys, table, sizeof(table));
        r = json_scan(buf, len, DOCKER_CONFIG_DEPTH_MAX, keys, _DK_MAX);
        if (r < 0)
                return r == -ENOMEM ? r : -EBADMSG;
        *ret_buf = TAKE_PTR(buf);
        return 0;
}

int docker_identity_read(const char *data_root, const char *id, uid_t owner, char **ret_name, char **ret_image) {
        _cleanup_free_ char *buf = NULL, *name = NULL, *image = NULL;
        JsonScanKey keys[_DK_MAX];
        int r;

        if (docker_config_read(data_root, id, owner, keys, &buf) < 0)
                return 0; /* no record (not Docker's, or already removed): nothing known */
        r = json_scan_get_string(buf, &keys[DK_NAME], &name);
        if (r > 0 && *name && !*ret_name) {
                *ret_name = strdup(name[0] == '/' ? name + 1 : name);
                if (!*ret_name)
                        return -ENOMEM;
        }
        if (r >= 0)
                r = json_scan_get_string(buf, &keys[DK_IMAGE], &image);
        if (r > 0 && *image && !*ret_image)
                *ret_image = TAKE_PTR(image);
        return r < 0 ? r : 0;
}

char *docker_user_data_root(uid_t uid) {
        struct passwd pw, *res = NULL;
        char buf[4096], *p = NULL;

        if (uid == 0)
                return NULL;
        if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || !res || !res->pw_dir || res->pw_dir[0] != '/')
                return NULL;
        if (asprintf(&p, "%s/.local/share/docker", res->pw_dir) < 0)
                return NULL;
        return p;
}

int docker_exit_read(const char *data_root, const char *id, uid_t owner, ExitStatus *ret) {
        _cleanup_free_ char *buf = NULL, *finished = NULL;
        JsonScanKey keys[_DK_MAX];
        int64_t code;
        char num[32];
        int r;

        r = docker_config_read(data_root, id, owner, keys, &buf);
        if (r < 0)
                return r;
        /* State must be an object with an integer ExitCode (its children are found only then) */
        if (json_scan_get_integer(buf, &keys[DK_EXIT_CODE], &code) <= 0)
                return -EBADMSG;
        r = json_scan_get_string(buf, &keys[DK_FINISHED], &finished);
        if (r < 0)
                return r;
        if (json_scan_is_true(buf, &keys[DK_RUNNING]) || !finished || strncmp(finished, "0001-", 5) == 0)
                return -ENOENT;
        snprintf(num, sizeof(num), "%" PRId64, code);
        return runtime_exit_parse(num, strlen(num), ret);
}
