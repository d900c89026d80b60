/* SPDX-License-Identifier: MIT */
/*
 * Container metadata from managers' records (see metadata.h): Docker's (through docker.c), Podman's
 * containers-storage containers.json, and the OCI annotations of CRI (containerd), CRI-O and Podman.
 */
#include <errno.h>
#include <pwd.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "docker.h"
#include "metadata.h"
#include "ownership.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strutil.h"

/* containers-storage's containers.json: about 1 KB per container of the host. */
#define PODMAN_CONTAINERS_SIZE_MAX ((size_t) 64 * 1024 * 1024)

/* The managers a container can be found to belong to: Meta.manager points into this table. */
typedef enum ManagerKind {
        MANAGER_DOCKER,
        MANAGER_KUBERNETES,
        MANAGER_PODMAN,
        MANAGER_CRIO,
        MANAGER_CONTAINERD,
        MANAGER_RUNC,
        _MANAGER_KIND_MAX,
} ManagerKind;

static const char *const manager_name[_MANAGER_KIND_MAX] = {
        [MANAGER_DOCKER] = "docker",
        [MANAGER_KUBERNETES] = "kubernetes",
        [MANAGER_PODMAN] = "podman",
        [MANAGER_CRIO] = "cri-o",
        [MANAGER_CONTAINERD] = "containerd",
        [MANAGER_RUNC] = "runc",
};

const char *meta_manager_static(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(manager_name); i++)
                if (streq_ptr(name, manager_name[i]))
                        return manager_name[i];
        return manager_name[MANAGER_RUNC];
}

static int dup_label(const RuncState *s, const char *key, char **ret) {
        const char *v = runc_state_label(s, key);

        if (!v || !*v || *ret)
                return 0;
        *ret = strdup(v);
        return *ret ? 0 : -ENOMEM;
}

static int dup_json_string(json_t *o, const char *key, char **ret) {
        const char *v = json_string_value(json_object_get(o, key));

        if (!v || !*v || *ret)
                return 0;
        *ret = strdup(v);
        return *ret ? 0 : -ENOMEM;
}

/*
 * Podman puts no name in the OCI spec; containers-storage records it with the image in
 * <graphroot>/<driver>-containers/containers.json, beside the bundle (FACTS.md 3.8):
 *   bundle = <graphroot>/overlay-containers/<id>/userdata
 *   [{"id": "<id>", "names": ["web"], "metadata": "{\"image-name\":\"localhost/bbox:latest\",...}"}, ...]
 */
static int podman_collect(const char *id, const RuncState *s, uid_t owner, Meta *m) {
        _cleanup_free_ char *path = NULL, *buf = NULL;
        const char *b = s->bundle, *tail;
        size_t len, il = id ? strlen(id) : 0, i;
        json_t *j, *c;
        int r = 0;

        if (!b || !id || !container_id_is_valid(id))
                return 0;
        /* b must end in "/<id>/userdata" */
        len = strlen(b);
        if (len < il + strlen("//userdata"))
                return 0;
        tail = b + len - strlen("/userdata");
        if (!streq(tail, "/userdata") || strncmp(tail - il, id, il) != 0 || tail[-(ssize_t) il - 1] != '/')
                return 0;
        if (asprintf(&path, "%.*scontainers.json", (int) (tail - il - b), b) < 0)
                return -ENOMEM;
        /* the bundle path is the state file's word: in a user's root, read only that user's file */
        if ((owner != 0 ? read_file_as_owner(path, owner, PODMAN_CONTAINERS_SIZE_MAX, &buf, &len)
                        : read_file_path(path, PODMAN_CONTAINERS_SIZE_MAX, &buf, &len)) < 0)
                return 0;
        j = json_loadb(buf, len, 0, NULL);
        json_array_foreach(j, i, c) {
                const char *cid = json_string_value(json_object_get(c, "id")), *name, *mds;
                json_t *md = NULL;

                if (!cid || !streq(cid, id))
                        continue;
                name = json_string_value(json_array_get(json_object_get(c, "names"), 0));
                if (name && *name) {
                        m->name = strdup(name);
                        if (!m->name)
                                r = -ENOMEM;
                }
                /* "metadata" is JSON inside a JSON string */
                mds = json_string_value(json_object_get(c, "metadata"));
                if (r >= 0 && mds)
                        md = json_loads(mds, 0, NULL);
                if (json_is_object(md)) {
                        r = dup_json_string(md, "image-name", &m->image);
                        if (r >= 0)
                                r = dup_json_string(md, "name", &m->name);
                }
                json_decref(md);
                break;
        }
        json_decref(j);
        return r;
}

/* CRI-O keeps the kubelet labels as one JSON object in an annotation. */
static int crio_labels_collect(const RuncState *s, Meta *m) {
        const char *labels = runc_state_label(s, "io.kubernetes.cri-o.Labels");
        json_t *j;
        int r = 0;

        if (!labels)
                return 0;
        j = json_loads(labels, 0, NULL);
        if (json_is_object(j)) {
                r = dup_json_string(j, "io.kubernetes.pod.name", &m->pod_name);
                if (r >= 0)
                        r = dup_json_string(j, "io.kubernetes.pod.namespace", &m->pod_namespace);
                if (r >= 0)
                        r = dup_json_string(j, "io.kubernetes.pod.uid", &m->pod_uid);
                if (r >= 0)
                        r = dup_json_string(j, "io.kubernetes.container.name", &m->k8s_container_name);
        }
        json_decref(j);
        return r;
}

/* The user who controls a state root (ownership.h: the first owner other than root on its path),
 * 0 when it is root's. */
static uid_t root_owner(const char *root) {
        PathWalk w = {};

        if (!root || path_walk(root, &w) < 0)
                return 0;
        free(w.deepest);
        return w.owner;
}

/* A rootless dockerd's data root: $XDG_DATA_HOME/docker of its user, by default
 * ~/.local/share/docker (what dockerd-rootless.sh uses). NULL when the user is unknown. */
static char *user_docker_data_root(uid_t uid) {
        struct passwd pw, *res = NULL;
        char buf[4096], *p = NULL;

        if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || !res || !res->pw_dir || res->pw_dir[0] != '/')
                return NULL;
        if (asprintf(&p, "%s/.local/share/docker", res->pw_dir) < 0)
                return NULL;
        return p;
}

int metadata_collect(const char *id, const char *ns, const char *root, const RuncState *s,
                     const char *docker_data_root, Meta *ret) {
        Meta m = {};
        uid_t owner = root_owner(root);
        const char *v;
        int r = 0;

        if (runc_state_label(s, "io.kubernetes.cri.container-type")) {
                /* containerd's CRI plugin (FACTS.md 3.8) */
                m.manager = manager_name[MANAGER_KUBERNETES];
                r = dup_label(s, "io.kubernetes.cri.container-type", &m.k8s_container_type);
                if (r >= 0)
                        r = dup_label(s, "io.kubernetes.cri.container-name", &m.k8s_container_name);
                if (r >= 0)
                        r = dup_label(s, "io.kubernetes.cri.sandbox-name", &m.pod_name);
                if (r >= 0)
                        r = dup_label(s, "io.kubernetes.cri.sandbox-namespace", &m.pod_namespace);
                if (r >= 0)
                        r = dup_label(s, "io.kubernetes.cri.sandbox-uid", &m.pod_uid);
                if (r >= 0)
                        r = dup_label(s, "io.kubernetes.cri.image-name", &m.image);
                /* the name operators know: the container's, or the pod's for its sandbox */
                if (r >= 0)
                        r = dup_label(s, m.k8s_container_name ? "io.kubernetes.cri.container-name"
                                                              : "io.kubernetes.cri.sandbox-name",
                                      &m.name);
        } else if (runc_state_label(s, "io.kubernetes.cri-o.ContainerType")) {
                m.manager = manager_name[MANAGER_CRIO];
                v = runc_state_label(s, "io.kubernetes.cri-o.ContainerType");
                m.k8s_container_type = strdup(v);
                if (!m.k8s_container_type)
                        r = -ENOMEM;
                if (r >= 0)
                        r = dup_label(s, "io.kubernetes.cri-o.ImageName", &m.image);
                if (r >= 0)
                        r = crio_labels_collect(s, &m);
                /* the name operators know, as for CRI above: the container's, or the pod's for its
                 * sandbox; CRI-O's own "k8s_web_pod_ns_uid_0" only when the labels lack both */
                if (r >= 0 && (m.k8s_container_name || m.pod_name)) {
                        m.name = strdup(m.k8s_container_name ?: m.pod_name);
                        if (!m.name)
                                r = -ENOMEM;
                }
                if (r >= 0)
                        r = dup_label(s, "io.kubernetes.cri-o.ContainerName", &m.name);
        } else if ((v = runc_state_label(s, "io.container.manager")) && streq(v, "libpod")) {
                m.manager = manager_name[MANAGER_PODMAN];
                r = podman_collect(id, s, owner, &m);
        } else if (ns && streq(ns, "moby")) {
                m.manager = manager_name[MANAGER_DOCKER];
                if (owner == 0)
                        r = docker_identity_read(docker_data_root, id, 0, &m.name, &m.image);
                else {
                        /* a rootless dockerd: its user's own store, never the system's (the id is
                         * the user's word) */
                        _cleanup_free_ char *user_root = user_docker_data_root(owner);

                        if (user_root)
                                r = docker_identity_read(user_root, id, owner, &m.name, &m.image);
                }
        } else if (root && strncmp(root, "/run/containerd/", strlen("/run/containerd/")) == 0) {
                m.manager = manager_name[MANAGER_CONTAINERD];
                r = dup_label(s, "nerdctl/name", &m.name);
        } else
                m.manager = manager_name[MANAGER_RUNC];

        if (r < 0) {
                meta_done(&m);
                return r;
        }
        *ret = m;
        return 0;
}

void meta_done(Meta *m) {
        free(m->name);
        free(m->image);
        free(m->pod_name);
        free(m->pod_namespace);
        free(m->pod_uid);
        free(m->k8s_container_name);
        free(m->k8s_container_type);
        *m = (Meta) {};
}
