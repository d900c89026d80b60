/* SPDX-License-Identifier: MIT */
/*
 * record-compact: how long the record's compaction (record_compact(), daemon/record.c) holds the
 * daemon's loop with N containers to describe: the stall the daemon takes when its record has grown
 * to a few times what it describes (manager.c runs it in the loop).
 *
 *   record-compact DIR N ROUNDS
 *
 * Opens a record in DIR (the state directory; put it on the file system of the host's
 * /var/lib/container-watchd: its fsync() is part of the cost), makes N entries with Docker-like
 * identities, then compacts ROUNDS times and prints one line per round: "compact N BYTES USEC",
 * CLOCK_MONOTONIC from the call to its return. DIR is left with the record.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include "record.h"

static RecordEntry *entries;
static size_t n_entries, next_entry;

static const RecordEntry *next(void *userdata) {
        (void) userdata;
        return next_entry < n_entries ? &entries[next_entry++] : NULL;
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

int main(int argc, char *argv[]) {
        Record *r = NULL;
        unsigned other = 0;
        long n, rounds;
        char path[4200];
        int k;

        if (argc != 4 || (n = strtol(argv[2], NULL, 10)) <= 0 || (rounds = strtol(argv[3], NULL, 10)) <= 0) {
                fprintf(stderr, "usage: record-compact DIR N ROUNDS\n");
                return 1;
        }
        k = record_open(argv[1], &r, &other);
        if (k < 0) {
                fprintf(stderr, "record-compact: record_open(%s): %s\n", argv[1], strerror(-k));
                return 1;
        }
        n_entries = (size_t) n;
        entries = calloc(n_entries, sizeof(RecordEntry));
        if (!entries)
                return 1;
        for (size_t i = 0; i < n_entries; i++) {
                char id[65], p[256], name[32];

                snprintf(id, sizeof(id), "%064zx", i * 2654435761u);
                snprintf(p, sizeof(p), "/run/docker/runtime-runc/moby/%s", id);
                snprintf(name, sizeof(name), "web-%zu", i);
                entries[i] = (RecordEntry) {
                        .path = strdup(p), .pid = (pid_t) (1000 + i), .start_ticks = 123456 + i,
                        .exited = i % 3 == 0, .id = strdup(id), .ns = strdup("moby"), .name = strdup(name),
                        .image = strdup("registry.example/shop/web:1.2.3"), .manager = strdup("docker"),
                        .runtime = strdup("runc"), .created_usec = UINT64_C(1795914148000000) + i,
                };
        }
        snprintf(path, sizeof(path), "%s/reported", argv[1]);
        for (long i = 0; i < rounds; i++) {
                uint64_t t0, t1;
                struct stat st;

                next_entry = 0;
                t0 = now_usec();
                k = record_compact(r, next, NULL);
                t1 = now_usec();
                if (k < 0) {
                        fprintf(stderr, "record-compact: record_compact: %s\n", strerror(-k));
                        return 1;
                }
                if (stat(path, &st) < 0)
                        return 1;
                printf("compact %ld %jd %" PRIu64 "\n", n, (intmax_t) st.st_size, t1 - t0);
        }
        for (size_t i = 0; i < n_entries; i++) {
                free(entries[i].path);
                free(entries[i].id);
                free(entries[i].ns);
                free(entries[i].name);
                free(entries[i].image);
                free(entries[i].manager);
                free(entries[i].runtime);
        }
        free(entries);
        record_free(r);
        return 0;
}
