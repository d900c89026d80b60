/* SPDX-License-Identifier: MIT */
/*
 * Who a container is, in its manager's own words: the manager (docker, kubernetes, podman, cri-o,
 * containerd, or plain runc), the name and image, and the Kubernetes pod it belongs to. Collected at
 * discovery, because the records vanish with the container (Docker's --rm, runc delete).
 * Reads Podman's containers.json (containers-storage, found beside the bundle) and, through docker.c,
 * Docker's config.v2.json; everything else comes from the runtime labels (OCI annotations). The one
 * place where the names of the managers are decided.
 */
#pragma once

#include <stdbool.h>

#include "runc-state.h"

typedef struct Meta {
        const char *manager;        /* static: "docker", "kubernetes", "podman", "cri-o", "containerd", "runc" */
        char *name;
        char *image;
        char *pod_name;
        char *pod_namespace;
        char *pod_uid;
        char *k8s_container_name;
        char *k8s_container_type;   /* "sandbox" or "container" (CRI) */
} Meta;

/*
 * Fill *ret for the container id found in state root namespace ns (may be NULL) with state s.
 * root is the directory holding the container directories (a containerd root under
 * /run/containerd/ makes an otherwise unmanaged container "containerd"). docker_data_root is
 * dockerd's data root (/var/lib/docker). The manager is decided by, in order: CRI annotations
 * (kubernetes), CRI-O annotations (cri-o), io.container.manager=libpod (podman), namespace "moby"
 * (docker), a containerd root (containerd), else runc. Never fails for missing records: whatever
 * is unknown stays NULL. A root an ordinary user controls (ownership.h, path_walk()) is that user's
 * word: its Docker records come from the user's own data root (~/.local/share/docker), never from
 * docker_data_root, and every file read for it must be the user's own (read_file_as_owner()).
 * Returns 0 or -ENOMEM; *ret is to be released with meta_done().
 */
int metadata_collect(const char *id, const char *ns, const char *root, const RuncState *s,
                     const char *docker_data_root, Meta *ret);

/* Free the strings of m and zero it; accepts a zeroed Meta. */
void meta_done(Meta *m);

/* Forget the Podman containers.json files kept parsed between calls of metadata_collect() (each
 * is read again only when it changed); at the end of the process. */
void metadata_cache_clear(void);

/* The static string Meta.manager would hold for a manager's name (as the record stored it);
 * "runc" for a name metadata_collect() never gives. */
const char *meta_manager_static(const char *name);
