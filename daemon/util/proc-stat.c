/* SPDX-License-Identifier: MIT */
/*
 * Parsing of /proc/<pid>/stat (proc(5)): the PID, state, parent, task flags, start time (field 22),
 * pending signals (field 31) and the wait(2)-style exit code of a zombie (field 52). Owns no state; the fd handed to
 * proc_stat_read_fd() stays the caller's. Knows nothing of containers.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proc-stat.h"

/* The longest line the kernel writes is about 52 fields of at most 20 digits plus a 64-byte comm,
 * well below this. Anything that fills the buffer is refused rather than parsed half-read. */
#define PROC_STAT_BUF_MAX 4096

#define FIELD_STATE      3
#define FIELD_PPID       4
#define FIELD_FLAGS      9
#define FIELD_STARTTIME 22
#define FIELD_SIGNAL    31
#define FIELD_EXIT_CODE 52

/* Parse an unsigned decimal number at *p (bounded by end), advancing *p past it. No sign, no
 * leading whitespace. Returns 0, or -EBADMSG when there is no digit or the value overflows. */
static int parse_u64(const char **p, const char *end, uint64_t *ret) {
        const char *q = *p;
        uint64_t v = 0;

        if (q >= end || *q < '0' || *q > '9')
                return -EBADMSG;
        for (; q < end && *q >= '0' && *q <= '9'; q++) {
                unsigned d = (unsigned) (*q - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return -EBADMSG;
                v = v * 10 + d;
        }
        *p = q;
        *ret = v;
        return 0;
}

/* The whole token [tok, tok_end) as an unsigned decimal number: 0, or -EBADMSG when it is not one. */
static int parse_token_u64(const char *tok, const char *tok_end, uint64_t *ret) {
        const char *q = tok;

        if (parse_u64(&q, tok_end, ret) < 0 || q != tok_end)
                return -EBADMSG;
        return 0;
}

/* Like parse_u64 with an optional leading '-', into an int. */
static int parse_int(const char **p, const char *end, int *ret) {
        const char *q = *p;
        bool neg = false;
        uint64_t v;
        int r;

        if (q < end && *q == '-') {
                neg = true;
                q++;
        }
        r = parse_u64(&q, end, &v);
        if (r < 0)
                return r;
        if (neg ? v > (uint64_t) INT_MAX + 1 : v > (uint64_t) INT_MAX)
                return -EBADMSG;
        *p = q;
        *ret = neg ? (int) -(int64_t) v : (int) v;
        return 0;
}

/* The end of the token that starts at p: the next space or newline, or end. */
static const char *token_end(const char *p, const char *end) {
        while (p < end && *p != ' ' && *p != '\n')
                p++;
        return p;
}

int proc_stat_parse(const char *buf, size_t len, ProcStat *ret) {
        const char *p = buf, *end, *close_paren, *tok, *tok_end;
        ProcStat st = {};
        uint64_t u;
        unsigned field;
        int r;

        assert(buf || len == 0);
        assert(ret);

        /* Before any arithmetic: NULL + 0 is undefined behaviour (UBSan reports it). */
        if (len == 0)
                return -EBADMSG;
        end = buf + len;

        /* Field 1: pid, then " (". */
        r = parse_u64(&p, end, &u);
        if (r < 0 || u == 0 || u > INT_MAX)
                return -EBADMSG;
        st.pid = (pid_t) u;
        if (end - p < 2 || p[0] != ' ' || p[1] != '(')
                return -EBADMSG;

        /* Field 2: comm may contain anything the task put there with PR_SET_NAME, including ") (",
         * spaces and newlines. None of the later fields contain ')', so the last one closes it. */
        close_paren = NULL;
        for (const char *q = end; q > p + 1; q--)
                if (q[-1] == ')') {
                        close_paren = q - 1;
                        break;
                }
        if (!close_paren)
                return -EBADMSG;

        /* Fields 3 and onwards, each preceded by one space. */
        p = close_paren + 1;
        for (field = FIELD_STATE; field <= FIELD_EXIT_CODE; field++) {
                if (p >= end || *p == '\n')
                        break;
                if (*p != ' ')
                        return -EBADMSG;
                tok = p + 1;
                tok_end = token_end(tok, end);
                if (tok_end == tok)
                        return -EBADMSG;

                switch (field) {

                case FIELD_STATE:
                        if (tok_end - tok != 1 || !((*tok >= 'A' && *tok <= 'Z') || (*tok >= 'a' && *tok <= 'z')))
                                return -EBADMSG;
                        st.state = *tok;
                        break;

                case FIELD_PPID:
                        /* 0 for the init of a PID namespace and for kernel threads' parent. */
                        if (parse_token_u64(tok, tok_end, &u) < 0 || u > INT_MAX)
                                return -EBADMSG;
                        st.ppid = (pid_t) u;
                        break;

                case FIELD_FLAGS:
                        if (parse_token_u64(tok, tok_end, &u) < 0 || u > UINT_MAX)
                                return -EBADMSG;
                        st.flags = (unsigned) u;
                        break;

                case FIELD_STARTTIME:
                        if (parse_token_u64(tok, tok_end, &u) < 0)
                                return -EBADMSG;
                        st.starttime = u;
                        break;

                case FIELD_SIGNAL:
                        if (parse_token_u64(tok, tok_end, &u) < 0)
                                return -EBADMSG;
                        st.sigpending = u;
                        break;

                case FIELD_EXIT_CODE: {
                        const char *q = tok;
                        int v;

                        if (parse_int(&q, tok_end, &v) < 0 || q != tok_end)
                                return -EBADMSG;
                        st.exit_code = v;
                        st.has_exit_code = true;
                        break;
                }

                default:
                        break;
                }

                p = tok_end;
        }

        /* Everything up to starttime is mandatory; field 52 is optional (Linux >= 3.5). */
        if (field <= FIELD_STARTTIME)
                return -EBADMSG;

        /* Fields a future kernel may add after 52 are skipped; then at most one final newline. */
        while (p < end && *p == ' ') {
                tok_end = token_end(p + 1, end);
                if (tok_end == p + 1)
                        return -EBADMSG;
                p = tok_end;
        }
        if (p < end && !(*p == '\n' && p + 1 == end))
                return -EBADMSG;

        *ret = st;
        return 0;
}

bool proc_stat_dying(const ProcStat *st) {
        return (st->flags & PROC_PF_EXITING) || (st->sigpending & PROC_SIG_KILL);
}

int proc_stat_read_fd(int fd, ProcStat *ret) {
        char buf[PROC_STAT_BUF_MAX];
        size_t n = 0;

        assert(ret);

        if (fd < 0)
                return -EBADF;

        /* One pread() returns the whole line (a seq_file of one record gives all of it to a buffer
         * that holds it): less than asked for is the end, no second pread() to see it. Longer
         * than asked for, loop, always from our own offset so that the fd can be shared and read
         * again later. */
        for (;;) {
                ssize_t k;

                if (n >= sizeof(buf))
                        return -EBADMSG;
                k = pread(fd, buf + n, sizeof(buf) - n, (off_t) n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;   /* ESRCH once the task has been reaped */
                }
                if (k == 0)
                        break;
                n += (size_t) k;
                if (n < sizeof(buf))
                        break;
        }

        if (n == 0)
                return -EBADMSG;

        return proc_stat_parse(buf, n, ret);
}

int proc_stat_open(pid_t pid) {
        char path[sizeof("/proc//stat") + 3 * sizeof(pid_t)];
        int fd;

        if (pid <= 0)
                return -EINVAL;

        (void) snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;

        return fd;
}
