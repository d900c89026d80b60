/* SPDX-License-Identifier: MIT */
/*
 * The sd_notify protocol towards the service manager: READY, STATUS, RELOADING, STOPPING, ERRNO.
 * (WATCHDOG=1 is sent by sd-event itself, see manager.c.) Without $NOTIFY_SOCKET all are no-ops.
 */
#pragma once

#include <stdint.h>

/* READY=1 with a STATUS= line. */
void notify_ready(const char *status);
/* STATUS=... alone. */
void notify_status(const char *status);
/* RELOADING=1 with MONOTONIC_USEC= (ignored by managers before v253). */
void notify_reloading(void);
/* STOPPING=1. */
void notify_stopping(void);
/* ERRNO= and STATUS= for a fatal error. */
void notify_errno(int error, const char *status);
