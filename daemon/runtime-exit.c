/* SPDX-License-Identifier: MIT */
/*
 * conmon's exit files and Docker's record (see runtime-exit.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>

#include "docker.h"
#include "runtime-exit.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strutil.h"
#include "util/time.h"

/* "255\n" at most; anything longer is not an exit file. */
#define EXIT_FILE_SIZE_MAX 64
/* The CRI plugin's status checkpoint: a small JSON object (with the container's resources). */
#define CRI_STATUS_SIZE_MAX ((size_t) 64 * 1024)

struct RuntimeExitWait {
        sd_event_source *inotify;
        sd_event_source *timer;
        char *dir, *id;
        char *name;                  /* the file in dir that brings the status */
        char *docker_data_root;      /* set: Docker's config.v2.json */
        uid_t docker_owner;          /* whose data root it is (0: the system's) */
        char *cri_root;              /* set: the CRI plugin's status checkpoint; neither: conmon's exit file */
        RuntimeExitHandler handler;
        void *userdata;
};

int runtime_exit_parse(const char *buf, size_t len, ExitStatus *ret) {
        int v = 0;
        size_t i;

        if (len > 0 && buf[len - 1] == '\n')
                len--;
        if (len == 0 || len > 3)
                return -EBADMSG;
        for (i = 0; i < len; i++) {
                if (buf[i] < '0' || buf[i] > '9')
                        return -EBADMSG;
                v = v * 10 + (buf[i] - '0');
        }
        if (v > 255)
                return -EBADMSG;
        if (v > 128 && v <= 128 + 64)
                *ret = (ExitStatus) { .code = EXIT_CODE_KILLED, .status = v - 128, .source = EXIT_SOURCE_RUNTIME };
        else
                *ret = (ExitStatus) { .code = EXIT_CODE_EXITED, .status = v, .source = EXIT_SOURCE_RUNTIME };
        return 0;
}

const char *runtime_exit_dir(const char *manager) {
        if (!manager)
                return NULL;
        if (streq(manager, "podman"))
                return "/run/libpod/exits";
        if (streq(manager, "cri-o"))
                return "/run/crio/exits";
        return NULL;
}

int runtime_exit_read(const char *dir, const char *id, ExitStatus *ret) {
        _cleanup_close_ int dfd = -1;
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r;

        if (!container_id_is_valid(id))
                return -EINVAL;
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        r = read_file_at(dfd, id, EXIT_FILE_SIZE_MAX, &buf, &len);
        if (r == -EFBIG)
                return -EBADMSG;
        if (r < 0)
                return r;
        return runtime_exit_parse(buf, len, ret);
}

int runtime_exit_read_cri(const char *cri_root, const char *id, ExitStatus *ret) {
        _cleanup_free_ char *path = NULL, *buf = NULL;
        json_t *j, *code, *finished;
        char num[32];
        size_t len;
        int r;

        if (!cri_root || !container_id_is_valid(id))
                return -EINVAL;
        if (asprintf(&path, "%s/containers/%s/status", cri_root, id) < 0)
                return -ENOMEM;
        r = read_file_path(path, CRI_STATUS_SIZE_MAX, &buf, &len);
        if (r < 0)
                return r == -EFBIG ? -EBADMSG : r;
        j = json_loadb(buf, len, 0, NULL);
        if (!json_is_object(j) || !streq_ptr(json_string_value(json_object_get(j, "Version")), "v1")) {
                json_decref(j);
                return -EBADMSG;
        }
        code = json_object_get(j, "ExitCode");
        finished = json_object_get(j, "FinishedAt");
        if (!json_is_integer(code) || !json_is_integer(finished)) {
                json_decref(j);
                return -EBADMSG;
        }
        if (json_integer_value(finished) == 0) {
                json_decref(j);
                return -ENOENT; /* not exited (yet) */
        }
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(code));
        json_decref(j);
        return runtime_exit_parse(num, strlen(num), ret);
}

/* What the wait is for, read now. */
static int wait_read(RuntimeExitWait *w, ExitStatus *ret) {
        if (w->docker_data_root)
                return docker_exit_read(w->docker_data_root, w->id, w->docker_owner, ret);
        if (w->cri_root)
                return runtime_exit_read_cri(w->cri_root, w->id, ret);
        return runtime_exit_read(w->dir, w->id, ret);
}

static void wait_finish(RuntimeExitWait *w, const ExitStatus *st) {
        w->inotify = sd_event_source_disable_unref(w->inotify);
        w->timer = sd_event_source_disable_unref(w->timer);
        w->handler(w, st, w->userdata); /* may free w */
}

static int wait_on_inotify(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        RuntimeExitWait *w = userdata;
        ExitStatus st;

        (void) s;
        if (ev->mask & (IN_IGNORED | IN_DELETE_SELF)) {
                wait_finish(w, NULL); /* the directory went away */
                return 0;
        }
        if (ev->len == 0 || !streq(ev->name, w->name))
                return 0;
        if (wait_read(w, &st) >= 0)
                wait_finish(w, &st);
        return 0;
}

static int wait_on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        RuntimeExitWait *w = userdata;
        ExitStatus st;

        (void) s;
        (void) usec;
        /* one last look: an event may be queued behind this timer */
        wait_finish(w, wait_read(w, &st) >= 0 ? &st : NULL);
        return 0;
}

/* The wait for dir/name, read by wait_read(); as runtime_exit_wait() returns. */
static int wait_start(sd_event *e, const char *dir, const char *name, const char *id, const char *docker_data_root,
                      uid_t docker_owner, const char *cri_root, uint64_t timeout_usec, RuntimeExitHandler handler, void *userdata,
                      RuntimeExitWait **ret, ExitStatus *ret_now) {
        _cleanup_(runtime_exit_wait_freep) RuntimeExitWait *w = NULL;
        int r;

        if (!e || !dir || !handler || !ret || !ret_now)
                return -EINVAL;
        if (!container_id_is_valid(id))
                return -EINVAL;

        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->handler = handler;
        w->userdata = userdata;
        w->dir = strdup(dir);
        w->id = strdup(id);
        w->name = strdup(name);
        if (!w->dir || !w->id || !w->name)
                return -ENOMEM;
        w->docker_owner = docker_owner;
        if (docker_data_root) {
                w->docker_data_root = strdup(docker_data_root);
                if (!w->docker_data_root)
                        return -ENOMEM;
        }
        if (cri_root) {
                w->cri_root = strdup(cri_root);
                if (!w->cri_root)
                        return -ENOMEM;
        }

        /* The watch first, then the look: a file renamed in between is seen by one or the other. */
        r = sd_event_add_inotify(e, &w->inotify, dir, IN_MOVED_TO | IN_CLOSE_WRITE | IN_ONLYDIR, wait_on_inotify, w);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(w->inotify, "runtime-exit");
        if (wait_read(w, ret_now) >= 0)
                return 1;

        r = sd_event_add_time(e, &w->timer, CLOCK_MONOTONIC, now_monotonic_usec() + timeout_usec,
                              USEC_PER_MSEC, wait_on_timer, w);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(w->timer, "runtime-exit-timeout");
        *ret = TAKE_PTR(w);
        return 0;
}

int runtime_exit_wait(sd_event *e, const char *dir, const char *id, uint64_t timeout_usec,
                      RuntimeExitHandler handler, void *userdata, RuntimeExitWait **ret, ExitStatus *ret_now) {
        return wait_start(e, dir, id, id, NULL, 0, NULL, timeout_usec, handler, userdata, ret, ret_now);
}

int runtime_exit_wait_docker(sd_event *e, const char *data_root, uid_t owner, const char *id, uint64_t timeout_usec,
                             RuntimeExitHandler handler, void *userdata, RuntimeExitWait **ret, ExitStatus *ret_now) {
        _cleanup_free_ char *dir = NULL;

        if (!data_root || !container_id_is_valid(id))
                return -EINVAL;
        if (asprintf(&dir, "%s/containers/%s", data_root, id) < 0)
                return -ENOMEM;
        return wait_start(e, dir, "config.v2.json", id, data_root, owner, NULL, timeout_usec, handler, userdata, ret,
                          ret_now);
}

int runtime_exit_wait_cri(sd_event *e, const char *cri_root, const char *id, uint64_t timeout_usec,
                          RuntimeExitHandler handler, void *userdata, RuntimeExitWait **ret, ExitStatus *ret_now) {
        _cleanup_free_ char *dir = NULL;

        if (!cri_root || !container_id_is_valid(id))
                return -EINVAL;
        if (asprintf(&dir, "%s/containers/%s", cri_root, id) < 0)
                return -ENOMEM;
        return wait_start(e, dir, "status", id, NULL, 0, cri_root, timeout_usec, handler, userdata, ret, ret_now);
}

RuntimeExitWait *runtime_exit_wait_free(RuntimeExitWait *w) {
        if (!w)
                return NULL;
        sd_event_source_disable_unref(w->inotify);
        sd_event_source_disable_unref(w->timer);
        free(w->dir);
        free(w->id);
        free(w->name);
        free(w->docker_data_root);
        free(w->cri_root);
        free(w);
        return NULL;
}

void runtime_exit_wait_freep(RuntimeExitWait **w) {
        runtime_exit_wait_free(*w);
}
