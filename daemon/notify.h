/* SPDX-License-Identifier: MIT */
/*
 * The sd_notify protocol towards the service manager: READY, STATUS, RELOADING, STOPPING, ERRNO,
 * and a throttle for STATUS= updates (NotifyStatus). (WATCHDOG=1 is sent by sd-event itself, see
 * manager.c.) Without $NOTIFY_SOCKET all are no-ops.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "util/time.h"

/* STATUS= at most this often. */
#define NOTIFY_STATUS_INTERVAL_USEC (1 * USEC_PER_SEC)

typedef struct NotifyStatus NotifyStatus;

/* Write the current status line into buf. */
typedef void (*NotifyStatusText)(char *buf, size_t l, void *userdata);

/*
 * STATUS= updates on loop e: sent at the end of the loop iteration that asked for one
 * (notify_status_dirty), but at most once per NOTIFY_STATUS_INTERVAL_USEC; the timer for a
 * deferred one is armed only while a change waits. Returns 0 or -errno.
 */
int notify_status_new(sd_event *e, NotifyStatusText text, void *userdata, NotifyStatus **ret);
NotifyStatus *notify_status_free(NotifyStatus *s);
/* The status changed: send it soon (see notify_status_new). */
void notify_status_dirty(NotifyStatus *s);

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
