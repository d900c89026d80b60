/* SPDX-License-Identifier: MIT */
/*
 * Discovery of container state directories. Owns the one inotify instance (libinotifytools, driven
 * as FACTS.md R2 says) and every watch: the state roots, the nearest existing parent of a root that
 * does not exist yet, namespace directories under a "DIR/ *" root, and, briefly, each new container
 * directory until its state file appears. Emits "a container directory with a state file is here"
 * and "a container directory is gone"; knows no JSON and no PIDs.
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "runc-state.h"

typedef struct StateDir StateDir;

typedef struct StateDirEntry {
        const char *root;        /* the configured root, as written ("/run/containerd/runc/ *") */
        const char *dir;         /* the directory holding container directories */
        const char *ns;          /* runtime namespace ("moby", "k8s.io"), or NULL */
        const char *id;          /* the container directory's name */
        const char *path;        /* dir/id */
        int dirfd;               /* O_DIRECTORY fd of path; valid during on_found only, else -1 */
        Runtime runtime;         /* which state file is there: state.json → runc, status → crun */
} StateDirEntry;

typedef struct StateDirOps {
        /* A root started or stopped being watched (appeared, vanished, added, removed). */
        void (*on_roots_changed)(void *userdata);
        void (*on_found)(const StateDirEntry *e, void *userdata);
        void (*on_removed)(const StateDirEntry *e, void *userdata);
        /* A full rescan (start-up, overflow, reload) begins / ended: every existing container is
         * passed to on_found in between. */
        void (*on_rescan_begin)(void *userdata);
        void (*on_rescan_end)(void *userdata);
} StateDirOps;

/*
 * Initialise libinotifytools (must be the first inotify user and run before descriptors pile up:
 * its select() aborts on fds >= 1024), find its fd, and add it to e. No roots yet.
 */
int statedir_new(sd_event *e, const StateDirOps *ops, void *userdata, StateDir **ret);
StateDir *statedir_free(StateDir *sd);
void statedir_freep(StateDir **sd);

/*
 * Watch exactly these roots (NULL-terminated). Roots already watched stay as they are; new ones are
 * watched (or their nearest existing parent) and scanned, calling on_found for what they hold;
 * dropped ones stop being watched. Returns 0 or -ENOMEM.
 */
int statedir_set_roots(StateDir *sd, char *const *roots);

/* Rescan every root (between on_rescan_begin and on_rescan_end). */
int statedir_rescan(StateDir *sd);

/* Number of configured roots, and of those whose directory exists and is watched. */
unsigned statedir_n_roots(const StateDir *sd);
unsigned statedir_n_roots_watched(const StateDir *sd);

/* Scan roots once without inotify (for --list): on_found for every container found. */
int statedir_scan_once(char *const *roots, void (*on_found)(const StateDirEntry *e, void *userdata),
                       void *userdata);
