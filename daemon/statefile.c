/* SPDX-License-Identifier: MIT */
/*
 * One container directory's state file, read and parsed (see statefile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "catalog-ids.h"
#include "log.h"
#include "statefile.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strutil.h"

/* The one table of state-file names, in the order a directory is looked at. */
static const char *const state_file_name[_RUNTIME_MAX] = {
        [RUNTIME_RUNC] = "state.json",
        [RUNTIME_CRUN] = "status",
};

static const char *statefile_name(Runtime runtime) {
        if (runtime < 0 || runtime >= _RUNTIME_MAX)
                return NULL;
        return state_file_name[runtime];
}

Runtime statefile_runtime_of(const char *name) {
        for (Runtime rt = 0; rt < _RUNTIME_MAX; rt++)
                if (streq(name, state_file_name[rt]))
                        return rt;
        return _RUNTIME_INVALID;
}

Runtime statefile_detect(int dirfd) {
        for (Runtime rt = 0; rt < _RUNTIME_MAX; rt++)
                if (faccessat(dirfd, state_file_name[rt], F_OK, AT_SYMLINK_NOFOLLOW) >= 0)
                        return rt;
        return _RUNTIME_INVALID;
}

int statefile_read(int dirfd, const char *path, Runtime runtime, RuncState **ret) {
        _cleanup_free_ char *buf = NULL, *cfg = NULL;
        const char *name = statefile_name(runtime), *missing = NULL;
        size_t len = 0, cfg_len = 0;
        RuncState *s = NULL;
        int r;

        r = read_file_at(dirfd, name, RUNC_STATE_SIZE_MAX, &buf, &len);
        if (r == -ENOENT)
                return r; /* deleted meanwhile: the container is gone, nothing to say */
        if (r < 0) {
                const char *why = r == -ELOOP ? "it is a symbolic link" :
                                  r == -EBADFD ? "it is not a regular file" :
                                  r == -EFBIG ? "it is larger than 1 MiB" : NULL;

                if (why)
                        log_id(LOG_WARNING, MESSAGE_ID_STATE_REFUSED, "Refusing state file '%s/%s': %s.", path,
                               name, why);
                else
                        log_id_errno(LOG_WARNING, r, MESSAGE_ID_STATE_REFUSED, "Failed to read '%s/%s', ignoring: %m",
                                     path, name);
                return r;
        }
        r = runtime == RUNTIME_CRUN ? crun_status_parse(buf, len, &s, &missing)
                                       : runc_state_parse(buf, len, &s, &missing);
        if (r == -EINVAL) {
                log_id(LOG_WARNING, MESSAGE_ID_STATE_REFUSED,
                       "Failed to parse '%s/%s', ignoring: key '%s' is missing or invalid.", path, name,
                       missing ?: "?");
                return r;
        }
        if (r < 0) {
                log_id_errno(LOG_WARNING, r, MESSAGE_ID_STATE_REFUSED, "Failed to parse '%s/%s', ignoring: %s.",
                             path, name,
                             r == -EBADMSG ? "not valid JSON or nested too deeply" :
                             r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
                return r;
        }
        if (!s)
                return -EBADMSG; /* the parsers return an object whenever they succeed */
        if (runtime == RUNTIME_CRUN && read_file_at(dirfd, "config.json", RUNC_STATE_SIZE_MAX, &cfg, &cfg_len) >= 0)
                (void) oci_config_parse_annotations(cfg, cfg_len, s);
        *ret = s;
        return 0;
}
