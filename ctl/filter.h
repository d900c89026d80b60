/* SPDX-License-Identifier: MIT */
/*
 * Which entries container-watchctl shows: --since/--until, --name/--image/--pod (shell globs),
 * --manager, --reason and --event, and the container an "info" argument names. Pure functions over
 * an Entry; owns nothing (the strings are the caller's, usually argv).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "entry.h"

typedef struct Filter {
        uint64_t since_usec;     /* 0: no lower bound */
        uint64_t until_usec;     /* UINT64_MAX: no upper bound */
        const char *name;        /* glob over CONTAINER_NAME */
        const char *image;       /* glob over IMAGE_NAME, with or without its tag or digest */
        const char *pod;         /* glob over K8S_POD_NAME, or NAMESPACE/POD */
        const char *manager;     /* CONTAINER_MANAGER, comma-separated alternatives */
        const char *reason;      /* comma-separated: exited killed dumped unknown oom, or a signal */
        const char *event;       /* comma-separated CONTAINER_EVENT values: started exited oom crashloop */
} Filter;

#define FILTER_INIT ((Filter) { .since_usec = 0, .until_usec = UINT64_MAX })

/* Check the values that have a fixed vocabulary (--reason, --event) and the time bounds. Returns 0,
 * or -EINVAL with *ret_what naming the option at fault. */
int filter_validate(const Filter *f, const char **ret_what);

/* true when e passes every set part of f. */
bool filter_match(const Filter *f, const Entry *e);

/*
 * true when e is the container that ident names: its CONTAINER_NAME, a prefix of its
 * CONTAINER_ID_FULL (or CONTAINER_ID), or "POD/CONTAINER" / "NAMESPACE/POD/CONTAINER" of a
 * Kubernetes container.
 */
bool entry_match_ident(const Entry *e, const char *ident);

/* true when a and b are deaths of the same container as people see it: the same CONTAINER_NAME
 * (and pod, for Kubernetes), or the same CONTAINER_ID_FULL when there is no name. */
bool entry_same_container(const Entry *a, const Entry *b);
