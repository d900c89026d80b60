/* SPDX-License-Identifier: MIT */
/*
 * sd_notify wrappers (see notify.h).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>

#include "notify.h"
#include "util/fileio.h"
#include "util/time.h"

void notify_ready(const char *status) {
        (void) sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void notify_status(const char *status) {
        (void) sd_notifyf(0, "STATUS=%s", status);
}

void notify_reloading(void) {
        (void) sd_notifyf(0, "RELOADING=1\nSTATUS=Reloading configuration...\nMONOTONIC_USEC=%" PRIu64,
                          now_monotonic_usec());
}

void notify_stopping(void) {
        (void) sd_notify(0, "STOPPING=1\nSTATUS=Shutting down...");
}

void notify_errno(int error, const char *status) {
        (void) sd_notifyf(0, "STATUS=%s\nERRNO=%i", status, abs(error));
}
