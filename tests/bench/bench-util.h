/* SPDX-License-Identifier: MIT */
/*
 * Small helpers shared by the benchmark programs in tests/bench/. Header-only: each program is a
 * single .c file plus this. All stamps are CLOCK_REALTIME nanoseconds, so that every program (and
 * journald, and dockerd) is compared on the same clock.
 */
#pragma once

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* PIDFD_GET_INFO (Linux 6.13) and PIDFD_INFO_EXIT (6.15); Debian 12's headers lack them (FACTS 1.7). */
struct bench_pidfd_info {
        uint64_t mask;
        uint64_t cgroupid;
        uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
        int32_t exit_code;
};
#define BENCH_PIDFD_GET_INFO _IOWR(0xFF, 11, struct bench_pidfd_info)
#define BENCH_PIDFD_INFO_EXIT (1ULL << 3)

static inline uint64_t now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

static inline uint64_t mono_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

static inline int bench_pidfd_open(pid_t pid) {
        int fd = (int) syscall(SYS_pidfd_open, pid, 0);

        return fd < 0 ? -errno : fd;
}

static inline void die(const char *prog, const char *what) {
        fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
        exit(1);
}

/* A list of "ID PID" lines (anything after the PID is ignored). */
typedef struct BenchTarget {
        char id[80];
        pid_t pid;
        int fd;
        int state;
} BenchTarget;

static inline size_t read_targets(const char *path, BenchTarget **ret) {
        FILE *f = fopen(path, "re");
        BenchTarget *t = NULL;
        size_t n = 0, cap = 0;
        char line[512];

        if (!f)
                return 0;
        while (fgets(line, sizeof(line), f)) {
                char id[80];
                int pid;

                if (sscanf(line, "%79s %d", id, &pid) != 2 || pid <= 0)
                        continue;
                if (n == cap) {
                        cap = cap ? cap * 2 : 256;
                        t = realloc(t, cap * sizeof(*t));
                        if (!t)
                                exit(1);
                }
                memset(&t[n], 0, sizeof(t[n]));
                snprintf(t[n].id, sizeof(t[n].id), "%s", id);
                t[n].pid = pid;
                t[n].fd = -1;
                n++;
        }
        fclose(f);
        *ret = t;
        return n;
}
