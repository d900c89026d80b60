/* SPDX-License-Identifier: MIT */
/*
 * --list: scan the configured roots once (no inotify, no loop) and print what is there, as a table
 * or as JSON lines with the identity fields of a "started" entry (events.c) and CONTAINER_ALIVE.
 */
#pragma once

#include <stdbool.h>

#include "config.h"

/* Print the containers under config's roots to stdout. Returns 0, or -errno when the roots cannot
 * be resolved or scanned. */
int list_run(const Config *config, bool json);
