/* SPDX-License-Identifier: MIT */
/*
 * sd_notify wrappers (see notify.h).
 */
#include <errno.h>
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

struct NotifyStatus {
        sd_event *event;
        sd_event_source *defer;
        sd_event_source *timer;      /* armed only while a STATUS= change waits */
        uint64_t sent_usec;          /* CLOCK_MONOTONIC of the last STATUS= */
        NotifyStatusText text;
        void *userdata;
};

static int notify_status_on_defer(sd_event_source *source, void *userdata) {
        NotifyStatus *s = userdata;
        char status[256];

        (void) source;
        s->text(status, sizeof(status), s->userdata);
        notify_status(status);
        s->sent_usec = now_monotonic_usec();
        return 0;
}

static int notify_status_on_timer(sd_event_source *source, uint64_t usec, void *userdata) {
        (void) usec;
        return notify_status_on_defer(source, userdata);
}

int notify_status_new(sd_event *e, NotifyStatusText text, void *userdata, NotifyStatus **ret) {
        NotifyStatus *s = calloc(1, sizeof(*s));
        int r;

        if (!s)
                return -ENOMEM;
        *s = (NotifyStatus) { .event = sd_event_ref(e), .text = text, .userdata = userdata };
        r = sd_event_add_defer(e, &s->defer, notify_status_on_defer, s);
        if (r < 0) {
                notify_status_free(s);
                return r;
        }
        (void) sd_event_source_set_enabled(s->defer, SD_EVENT_OFF);
        (void) sd_event_source_set_description(s->defer, "status");
        *ret = s;
        return 0;
}

NotifyStatus *notify_status_free(NotifyStatus *s) {
        if (!s)
                return NULL;
        sd_event_source_disable_unref(s->defer);
        sd_event_source_disable_unref(s->timer);
        sd_event_unref(s->event);
        free(s);
        return NULL;
}

/* A burst of 10,000 exits is then a handful of datagrams, not 10,000. */
void notify_status_dirty(NotifyStatus *s) {
        uint64_t now = now_monotonic_usec(), next = s->sent_usec + NOTIFY_STATUS_INTERVAL_USEC;

        if (s->sent_usec == 0 || now >= next) {
                (void) sd_event_source_set_enabled(s->defer, SD_EVENT_ONESHOT);
                return;
        }
        if (s->timer) {
                if (sd_event_source_get_enabled(s->timer, NULL) > 0)
                        return;
                if (sd_event_source_set_time(s->timer, next) >= 0)
                        (void) sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
        } else if (sd_event_add_time(s->event, &s->timer, CLOCK_MONOTONIC, next, 10 * USEC_PER_MSEC,
                                     notify_status_on_timer, s) >= 0)
                (void) sd_event_source_set_description(s->timer, "status-interval");
}
