/* SPDX-License-Identifier: MIT */
/*
 * Scope-bound cleanup helpers, in the style of systemd's _cleanup_ attributes but written here
 * (STYLE.md: don't copy systemd's internal macros). Owns nothing; includes nothing from daemon/.
 */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

/* close() that keeps errno, accepts -1 and returns -1, for "fd = safe_close(fd)". */
static inline int safe_close(int fd) {
        if (fd >= 0) {
                int saved = errno;
                (void) close(fd);
                errno = saved;
        }
        return -1;
}
static inline void closep(int *fd) {
        (void) safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f) {
        if (*f)
                (void) fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

static inline void closedirp(DIR **d) {
        if (*d)
                (void) closedir(*d);
}
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Hand ownership of a pointer (or fd) out of a _cleanup_ variable. */
#define TAKE_PTR(p)                                     \
        ({                                              \
                __typeof__(p) *_pp_ = &(p);             \
                __typeof__(p) _ptr_ = *_pp_;            \
                *_pp_ = NULL;                           \
                _ptr_;                                  \
        })
#define TAKE_FD(fd)                                     \
        ({                                              \
                int *_fdp_ = &(fd);                     \
                int _fd_ = *_fdp_;                      \
                *_fdp_ = -1;                            \
                _fd_;                                   \
        })

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
