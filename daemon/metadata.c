/* SPDX-License-Identifier: MIT */
/*
 * Container metadata from managers' records (see metadata.h): Docker's config.v2.json, Podman's
 * containers-storage containers.json, and the OCI annotations of CRI (containerd), CRI-O and Podman.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "metadata.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strutil.h"

/* config.v2.json holds the whole container config; a few hundred KB at most in practice. */
#define DOCKER_CONFIG_SIZE_MAX ((size_t) 4 * 1024 * 1024)
/* containers-storage's containers.json: about 1 KB per container of the host. */
#define PODMAN_CONTAINERS_SIZE_MAX ((size_t) 64 * 1024 * 1024)

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

int docker_config_read(const char *data_root, const char *id, json_t **ret) {
        _cleanup_free_ char *path = NULL, *buf = NULL;
        size_t len;
        json_t *j;
        int r;

        if (!data_root || !container_id_is_valid(id))
                return -EINVAL;
        if (asprintf(&path, "%s/containers/%s/config.v2.json", data_root, id) < 0)
                return -ENOMEM;
        r = read_file_path(path, DOCKER_CONFIG_SIZE_MAX, &buf, &len);
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

static int docker_collect(const char *id, const char *data_root, Meta *m) {
        json_t *j, *cfg;
        const char *name;
        int r = 0;

        if (docker_config_read(data_root, id, &j) < 0)
                return 0; /* no record (not Docker's, or already removed): nothing known */
        name = json_string_value(json_object_get(j, "Name"));
        if (name && *name) {
                m->name = strdup(name[0] == '/' ? name + 1 : name);
                if (!m->name)
                        r = -ENOMEM;
        }
        cfg = json_object_get(j, "Config");
        if (r >= 0 && json_is_object(cfg))
                r = dup_json_string(cfg, "Image", &m->image);
        json_decref(j);
        return r;
}

/*
 * Podman puts no name in the OCI spec; containers-storage records it with the image in
 * <graphroot>/<driver>-containers/containers.json, beside the bundle (FACTS.md 3.8):
 *   bundle = <graphroot>/overlay-containers/<id>/userdata
 *   [{"id": "<id>", "names": ["web"], "metadata": "{\"image-name\":\"localhost/bbox:latest\",...}"}, ...]
 */
static int podman_collect(const char *id, const RuncState *s, Meta *m) {
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
        if (read_file_path(path, PODMAN_CONTAINERS_SIZE_MAX, &buf, &len) < 0)
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

int metadata_collect(const char *id, const char *ns, const char *root, const RuncState *s,
                     const char *docker_data_root, Meta *ret) {
        Meta m = {};
        const char *v;
        int r = 0;

        if (runc_state_label(s, "io.kubernetes.cri.container-type")) {
                /* containerd's CRI plugin (FACTS.md 3.8) */
                m.manager = "kubernetes";
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
                m.manager = "cri-o";
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
                m.manager = "podman";
                r = podman_collect(id, s, &m);
        } else if (ns && streq(ns, "moby")) {
                m.manager = "docker";
                r = docker_collect(id, docker_data_root, &m);
        } else if (root && strncmp(root, "/run/containerd/", strlen("/run/containerd/")) == 0) {
                m.manager = "containerd";
                r = dup_label(s, "nerdctl/name", &m.name);
        } else
                m.manager = "runc";

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
