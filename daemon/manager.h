/* SPDX-License-Identifier: MIT */
/*
 * The daemon: owns the sd_event loop, every event source, the StateDir, the Journal, the container
 * table and the active Config; decides what is fatal. The only module that knows all the others.
 * Every event passes its single emission point (manager_emit in manager.c).
 */
#pragma once

#include <stdbool.h>

#include "config.h"

typedef struct Manager Manager;

typedef struct ManagerOptions {
        const char *config_path;       /* for reloads; NULL = none */
        bool config_allow_missing;
        char **cmdline_roots;          /* -r: replaces the configured roots, also across reloads */
        bool json;                     /* --json */
        int log_target_override;       /* a LogTarget, or -1 to use the configuration's */
        const char *record_dir;        /* NULL: $STATE_DIRECTORY or /var/lib/container-watchd */
} ManagerOptions;

/*
 * Set up the loop, signals (SIGTERM/SIGINT stop, SIGHUP reloads), the watchdog and the inotify
 * instance. Takes ownership of config. Nothing is scanned yet.
 */
int manager_new(const ManagerOptions *opts, Config *config, Manager **ret);
Manager *manager_free(Manager *m);
void manager_freep(Manager **m);

/* Watch and scan the roots, then READY=1. */
int manager_start(Manager *m);

/* Run until SIGTERM/SIGINT. Returns 0 on a clean stop, < 0 on a fatal error. */
int manager_run(Manager *m);
