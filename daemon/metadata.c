/* SPDX-License-Identifier: MIT */
/*
 * Container metadata from managers' records (see metadata.h): Docker's (through docker.c), Podman's
 * containers-storage containers.json, and the OCI annotations of CRI (containerd), CRI-O and Podman.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "docker.h"
#include "metadata.h"
#include "ownership.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/json-scan.h"
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

/* One container of a containers.json: its id, its name and image as podman_collect() finds them. */
typedef struct PodmanRecord {
        char *id, *name, *image;
        size_t pos;             /* in the file: the first of two records of one id wins */
} PodmanRecord;

/*
 * A containers.json read whole once and kept as a sorted index, as long as the file is the same
 * (device, inode, size, mtime, ctime): one file describes every Podman container of a graph root,
 * and reading it again for each container made a start-up with N of them O(N²) (issue 17).
 */
typedef struct PodmanIndex {
        char *path;
        uid_t owner;
        struct stat st;
        PodmanRecord *records;
        size_t n;
} PodmanIndex;

/* The files of the few graph roots of a host (root's, and each rootless user's). */
#define PODMAN_INDEX_MAX 8
static PodmanIndex podman_index[PODMAN_INDEX_MAX];
static unsigned podman_index_next;

static void podman_index_done(PodmanIndex *x) {
        for (size_t i = 0; i < x->n; i++) {
                free(x->records[i].id);
                free(x->records[i].name);
                free(x->records[i].image);
        }
        free(x->records);
        free(x->path);
        *x = (PodmanIndex) {};
}

void metadata_cache_clear(void) {
        for (size_t i = 0; i < PODMAN_INDEX_MAX; i++)
                podman_index_done(&podman_index[i]);
}

/* The members of one containers.json record that are read. */
enum { PK_ID, PK_NAMES, PK_METADATA, _PK_MAX };

typedef struct PodmanBuild {
        const char *buf;
        PodmanRecord *records;
        size_t n, cap;
} PodmanBuild;

static char *mfree(char *p) {
        free(p);
        return NULL;
}

static int first_string(const char *s, size_t len, void *userdata) {
        char **ret = userdata;

        if (*ret)
                return 0;
        *ret = strndup(s, len);
        return *ret ? 0 : -ENOMEM;
}

/* "metadata" is JSON inside a JSON string: {"image-name": ..., "name": ...} */
static int podman_metadata_parse(const char *md, char **name, char **image) {
        JsonScanKey keys[] = { JSON_SCAN_KEY("image-name", -1), JSON_SCAN_KEY("name", -1) };
        _cleanup_free_ char *n = NULL;
        int r;

        if (json_scan(md, strlen(md), 64, keys, ELEMENTSOF(keys)) < 0)
                return 0;
        r = json_scan_get_string(md, &keys[0], image);
        if (r >= 0 && !*name) {
                r = json_scan_get_string(md, &keys[1], &n);
                if (r > 0)
                        *name = TAKE_PTR(n);
        }
        return r < 0 ? r : 0;
}

static int podman_record_add(const JsonScanKey *keys, void *userdata) {
        PodmanBuild *b = userdata;
        _cleanup_free_ char *id = NULL, *name = NULL, *image = NULL, *md = NULL;
        int r;

        r = json_scan_get_string(b->buf, &keys[PK_ID], &id);
        if (r <= 0 || !container_id_is_valid(id))
                return r;
        r = json_scan_foreach_string(b->buf, &keys[PK_NAMES], first_string, &name);
        if (r < 0)
                return r;
        if (name && !*name)
                name = mfree(name);
        r = json_scan_get_string(b->buf, &keys[PK_METADATA], &md);
        if (r < 0)
                return r;
        if (r > 0) {
                r = podman_metadata_parse(md, &name, &image);
                if (r < 0)
                        return r;
        }
        if (name && !*name)
                name = mfree(name);
        if (image && !*image)
                image = mfree(image);
        if (b->n == b->cap) {
                size_t cap = b->cap ? b->cap * 2 : 64;
                PodmanRecord *p = reallocarray(b->records, cap, sizeof(PodmanRecord));

                if (!p)
                        return -ENOMEM;
                b->records = p;
                b->cap = cap;
        }
        b->records[b->n] = (PodmanRecord) { .id = TAKE_PTR(id), .name = TAKE_PTR(name), .image = TAKE_PTR(image),
                                            .pos = b->n };
        b->n++;
        return 0;
}

static int record_cmp(const void *a, const void *b) {
        const PodmanRecord *x = a, *y = b;
        int c = strcmp(x->id, y->id);

        return c != 0 ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

static bool stat_same(const struct stat *a, const struct stat *b) {
        return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
               a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
               a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/*
 * The index of the containers.json at path, read with owner's access when owner is not 0 (the
 * bundle path is the state file's word: in a user's root, read only that user's file). Read again
 * only when the file changed; a file that cannot be read or parsed gives an empty index. Returns
 * the index (owned by the cache) or NULL (out of memory).
 */
static const PodmanIndex *podman_index_get(const char *path, uid_t owner) {
        JsonScanKey keys[_PK_MAX] = {
                [PK_ID]       = JSON_SCAN_KEY("id", -1),
                [PK_NAMES]    = JSON_SCAN_KEY("names", -1),
                [PK_METADATA] = JSON_SCAN_KEY("metadata", -1),
        };
        _cleanup_free_ char *buf = NULL;
        PodmanBuild b = {};
        PodmanIndex *x = NULL;
        struct stat st = {};
        size_t len = 0, k = 0;
        bool have_st;

        /* a changed file (podman rewrites it whole) is a new inode, size or mtime; checked by
         * stat() only: what is cached was read with owner's access, and the same file says the same */
        have_st = stat(path, &st) >= 0;
        for (size_t i = 0; i < PODMAN_INDEX_MAX; i++) {
                PodmanIndex *c = &podman_index[i];

                if (c->path && c->owner == owner && streq(c->path, path)) {
                        if (have_st && stat_same(&c->st, &st))
                                return c;
                        x = c;
                }
        }
        if (!x) {
                x = &podman_index[podman_index_next];
                podman_index_next = (podman_index_next + 1) % PODMAN_INDEX_MAX;
        }
        podman_index_done(x);
        x->path = strdup(path);
        if (!x->path)
                return NULL;
        x->owner = owner;
        if (!have_st)
                return x; /* not there: an empty index, looked at again next time */
        x->st = st;
        if ((owner != 0 ? read_file_as_owner(path, owner, PODMAN_CONTAINERS_SIZE_MAX, &buf, &len)
                        : read_file_path(path, PODMAN_CONTAINERS_SIZE_MAX, &buf, &len)) < 0)
                return x;
        b.buf = buf;
        if (json_scan_each(buf, len, 64, keys, _PK_MAX, podman_record_add, &b) < 0) {
                /* not JSON, or out of memory: nothing is known from this file */
                for (size_t i = 0; i < b.n; i++) {
                        free(b.records[i].id);
                        free(b.records[i].name);
                        free(b.records[i].image);
                }
                free(b.records);
                return x;
        }
        /* sorted by id, the first record of an id kept */
        qsort(b.records, b.n, sizeof(PodmanRecord), record_cmp);
        for (size_t i = 0; i < b.n; i++) {
                if (k > 0 && streq(b.records[k - 1].id, b.records[i].id)) {
                        free(b.records[i].id);
                        free(b.records[i].name);
                        free(b.records[i].image);
                        continue;
                }
                b.records[k++] = b.records[i];
        }
        x->records = b.records;
        x->n = k;
        return x;
}

static int id_cmp(const void *key, const void *r) {
        return strcmp(key, ((const PodmanRecord *) r)->id);
}

/*
 * Podman puts no name in the OCI spec; containers-storage records it with the image in
 * <graphroot>/<driver>-containers/containers.json, beside the bundle (FACTS.md 3.8):
 *   bundle = <graphroot>/overlay-containers/<id>/userdata
 *   [{"id": "<id>", "names": ["web"], "metadata": "{\"image-name\":\"localhost/bbox:latest\",...}"}, ...]
 */
static int podman_collect(const char *id, const RuncState *s, uid_t owner, Meta *m) {
        _cleanup_free_ char *path = NULL;
        const char *b = s->bundle, *tail;
        const PodmanIndex *x;
        const PodmanRecord *rec;
        size_t len, il = id ? strlen(id) : 0;

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
        x = podman_index_get(path, owner);
        if (!x)
                return -ENOMEM;
        rec = x->n > 0 ? bsearch(id, x->records, x->n, sizeof(PodmanRecord), id_cmp) : NULL;
        if (!rec)
                return 0;
        if (rec->name && !(m->name = strdup(rec->name)))
                return -ENOMEM;
        if (rec->image && !(m->image = strdup(rec->image)))
                return -ENOMEM;
        return 0;
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

        if (!root || path_walk_cached(root, &w) < 0)
                return 0;
        return w.owner;
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
                        _cleanup_free_ char *user_root = docker_user_data_root(owner);

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
