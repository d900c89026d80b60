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
#include "util/strutil.h"
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

/* Past JSON's whitespace from p on. */
static const char *skip_ws(const char *p, const char *end) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
                p++;
        return p;
}

/*
 * One JSON string at *p (after its opening quote), unescaped into out (room for its length): the
 * daemon's only kind of value. Only printable ASCII and the one-character escapes; false for
 * anything else (\u, bytes of 0x80 and up, controls, the end of the buffer), which the full
 * parser then judges.
 */
static bool flat_string(const char **p, const char *end, char *out, size_t *ret_len) {
        size_t n = 0;

        for (const char *q = *p; q < end; q++) {
                unsigned char c = (unsigned char) *q;

                if (c == '"') {
                        *p = q + 1;
                        *ret_len = n;
                        return true;
                }
                if (c < 0x20 || c >= 0x7f)
                        return false;
                if (c == '\\') {
                        if (++q >= end)
                                return false;
                        switch (*q) {
                        case '"': case '\\': case '/': c = (unsigned char) *q; break;
                        case 'b': c = '\b'; break;
                        case 'f': c = '\f'; break;
                        case 'n': c = '\n'; break;
                        case 'r': c = '\r'; break;
                        case 't': c = '\t'; break;
                        default: return false;
                        }
                }
                out[n++] = (char) c;
        }
        return false;
}

/*
 * The daemon's messages are flat objects of ASCII strings: read them as such, without jansson,
 * whose json_loadb() was most of container-watchctl's time per live event (issue 15). Returns 1
 * and the entry of all members with *ret_members; 0 when buf is anything else (another shape,
 * \u escapes, non-ASCII, a repeated key, malformed), for json_loadb() to judge; or -ENOMEM.
 */
static int live_parse_flat(const char *buf, size_t len, Entry **ret, size_t *ret_members) {
        _cleanup_(entry_freep) Entry *e = NULL;
        _cleanup_free_ char *scratch = NULL;
        const char *p = buf, *end = buf + len;
        size_t members = 0;
        int r;

        p = skip_ws(p, end);
        if (p >= end || *p++ != '{')
                return 0;
        scratch = malloc(len + 2);  /* any unescaped key and value fits, each with its NUL */
        if (!scratch)
                return -ENOMEM;
        r = entry_new(&e);
        if (r < 0)
                return r;
        p = skip_ws(p, end);
        if (p < end && *p == '}')
                p++;  /* {} */
        else
                for (;;) {
                        size_t klen, vlen;
                        char *key = scratch, *value;

                        if (p >= end || *p++ != '"' || !flat_string(&p, end, key, &klen))
                                return 0;
                        key[klen] = '\0';  /* no NUL inside: controls and \u are not taken here */
                        p = skip_ws(p, end);
                        if (p >= end || *p++ != ':')
                                return 0;
                        p = skip_ws(p, end);
                        value = key + klen + 1;
                        if (p >= end || *p++ != '"' || !flat_string(&p, end, value, &vlen))
                                return 0;
                        r = entry_add(e, key, value, vlen);
                        if (r < 0)
                                return r;
                        if (e->n_fields != ++members)
                                return 0;  /* a repeated key: the last one counts, as jansson has it */
                        p = skip_ws(p, end);
                        if (p < end && *p == '}') {
                                p++;
                                break;
                        }
                        if (p >= end || *p++ != ',')
                                return 0;
                        p = skip_ws(p, end);
                }
        if (skip_ws(p, end) != end)
                return 0;
        *ret_members = members;
        *ret = TAKE_PTR(e);
        return 1;
}

/* Any other JSON text, through jansson: the entry of its string members, *ret_members all of
 * them. Returns 1, 0 when buf is not a JSON object, or -ENOMEM. */
static int live_parse_json(const char *buf, size_t len, Entry **ret, size_t *ret_members) {
        json_auto_t *o = json_loadb(buf, len, 0, NULL);
        _cleanup_(entry_freep) Entry *e = NULL;
        const char *key;
        json_t *v;
        int r;

        if (!json_is_object(o))
                return 0;
        r = entry_new(&e);
        if (r < 0)
                return r;
        json_object_foreach(o, key, v) {
                if (!json_is_string(v))
                        continue;
                r = entry_add(e, key, json_string_value(v), json_string_length(v));
                if (r < 0)
                        return r;
        }
        *ret_members = json_object_size(o);
        *ret = TAKE_PTR(e);
        return 1;
}

int live_parse(const char *buf, size_t len, uint64_t realtime_usec, LiveMessage *ret) {
        _cleanup_(entry_freep) Entry *e = NULL;
        size_t members = 0;
        int r;

        *ret = (LiveMessage) { .kind = LIVE_OTHER };
        r = live_parse_flat(buf, len, &e, &members);
        if (r == 0)
                r = live_parse_json(buf, len, &e, &members);
        if (r <= 0)
                return r;
        if (live_parse_seq(entry_get(e, "EVENT_SEQ_NEXT"), &ret->value)) {
                const char *stop = entry_get(e, "EVENT_SEQ_PREV_STOP");

                if (!live_parse_seq(entry_get(e, "EVENT_SEQ_FIRST"), &ret->first))
                        ret->first = 0;
                if (ret->first > 0 && (streq_ptr(stop, "clean") || streq_ptr(stop, "crash")) &&
                    live_parse_seq(entry_get(e, "EVENT_SEQ_PREV_FIRST"), &ret->prev_first) &&
                    live_parse_seq(entry_get(e, "EVENT_SEQ_PREV_END"), &ret->prev_end) &&
                    ret->prev_first > 0 && ret->prev_first < ret->prev_end && ret->prev_end <= ret->first)
                        ret->prev_clean = streq(stop, "clean");
                else
                        ret->prev_first = ret->prev_end = 0;
                ret->kind = LIVE_HELLO;
                return 0;
        }
        if (members == 1 && live_parse_seq(entry_get(e, "gap"), &ret->value)) {
                ret->kind = LIVE_GAP;
                return 0;
        }
        if (!entry_get(e, "CONTAINER_EVENT"))
                return 0;
        e->realtime_usec = realtime_usec;
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

void live_seam(const LiveMessage *hello, uint64_t followed, uint64_t last, LiveSeam *ret) {
        uint64_t first = hello->first;
        /* the run it followed numbered events, yet the record names an earlier one: the record
         * did not learn of it (unwritable), so it names nothing of use */
        bool stale = followed > 0 && last >= followed && hello->prev_first < followed;

        *ret = (LiveSeam) { .missing = LIVE_MISSING_LOST };
        if (first == 0 || first > hello->value)
                return;
        ret->unused_upto = first;
        if (hello->prev_first > 0 && !stale) {
                /* the run before: from its first to its end, used (clean) or maybe (crash) */
                ret->dense_from = hello->prev_first;
                ret->wait_upto = hello->prev_end;
                ret->missing = hello->prev_clean ? LIVE_MISSING_LOST : LIVE_MISSING_UNSURE;
                if (followed == 0 && !hello->prev_clean)
                        /* history: a crashed run's missing numbers are passed over as those of the
                         * runs before it are (nothing followed them live) */
                        ret->take_upto = hello->prev_end;
                else if (followed == 0 || followed >= hello->prev_first)
                        ret->take_upto = hello->prev_first;
                else
                        /* a whole run passed while it was away: where the one it followed ended is
                         * not known, nor where the next began */
                        ret->missing = LIVE_MISSING_UNSURE;
        } else if (followed > 0) {
                /* reconnected, and nothing known of the run before: all of it might be missing */
                ret->wait_upto = first;
                ret->missing = LIVE_MISSING_UNSURE;
        } else
                /* history: runs long gone, whose numbers are in the journal by now */
                ret->take_upto = ret->wait_upto = first;
}
