/* SPDX-License-Identifier: MIT */
/*
 * The daemon's subscriber socket (see live.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "live.h"
#include "util/cleanup.h"
#include "util/time.h"

/* the daemon's messages are far smaller; a larger one is cut and then ignored */
#define LIVE_MESSAGE_MAX ((size_t) 256 * 1024)

int live_connect(const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path) + 1);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        /* a local socket connects at once or not at all (EAGAIN: the backlog is full) */
        if (connect(fd, (const struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        return TAKE_FD(fd);
}

/* An unsigned decimal number ("12"); false when s is not one. */
static bool live_parse_seq(const char *s, uint64_t *ret) {
        char *end;
        unsigned long long v;

        if (!s || *s < '0' || *s > '9')
                return false;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno != 0 || *end != '\0')
                return false;
        *ret = v;
        return true;
}

int live_parse(const char *buf, size_t len, uint64_t realtime_usec, LiveMessage *ret) {
        json_auto_t *o = json_loadb(buf, len, 0, NULL);
        _cleanup_(entry_freep) Entry *e = NULL;
        const char *key;
        json_t *v;
        int r;

        *ret = (LiveMessage) { .kind = LIVE_OTHER };
        if (!json_is_object(o))
                return 0;
        if (live_parse_seq(json_string_value(json_object_get(o, "EVENT_SEQ_NEXT")), &ret->value)) {
                if (!live_parse_seq(json_string_value(json_object_get(o, "EVENT_SEQ_FIRST")), &ret->first))
                        ret->first = 0;
                ret->kind = LIVE_HELLO;
                return 0;
        }
        if (json_object_size(o) == 1 && live_parse_seq(json_string_value(json_object_get(o, "gap")), &ret->value)) {
                ret->kind = LIVE_GAP;
                return 0;
        }
        if (!json_is_string(json_object_get(o, "CONTAINER_EVENT")))
                return 0;
        r = entry_new(&e);
        if (r < 0)
                return r;
        e->realtime_usec = realtime_usec;
        json_object_foreach(o, key, v) {
                if (!json_is_string(v))
                        continue;
                r = entry_add(e, key, json_string_value(v), json_string_length(v));
                if (r < 0)
                        return r;
        }
        if (!entry_get_u64(e, "EVENT_SEQ", &ret->value))
                ret->value = 0;
        ret->kind = LIVE_EVENT;
        ret->entry = TAKE_PTR(e);
        return 0;
}

int live_receive(int fd, LiveMessage *ret) {
        static char buf[LIVE_MESSAGE_MAX]; /* one process, one reader: no malloc per message */
        ssize_t n;
        int r;

        n = recv(fd, buf, LIVE_MESSAGE_MAX, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        if (n == 0)
                return 0;
        if ((size_t) n > LIVE_MESSAGE_MAX) {
                *ret = (LiveMessage) { .kind = LIVE_OTHER };
                return 1;
        }
        r = live_parse(buf, (size_t) n, now_realtime_usec(), ret);
        return r < 0 ? r : 1;
}
