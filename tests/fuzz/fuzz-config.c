/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for daemon/config.c: the input is written to a memfd and loaded through
 * config_load() exactly as a file on disk would be (its drop-in directory, "<path>.d", never
 * exists). Beyond "no crash, no leak", it checks the contract of config_dump(): whatever loads
 * must dump to a file that loads again, silently, to the same dump.
 *
 *   clang -std=gnu11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
 *         tests/fuzz/fuzz-config.c daemon/config.c -o fuzz-config
 *   ./fuzz-config -max_total_time=60 CORPUS_DIR   (seed it with conf/container-watchd.conf)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Relative to this file, so that neither autoconf's config.h (-I. in automake builds) nor the
 * include path of run-fuzzers.sh can pick the wrong config.h. */
#include "../../daemon/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Write buf to a fresh memfd; returns the fd and its /proc path in path. */
static int memfd_with(const void *buf, size_t size, char *path, size_t path_size) {
        int fd = memfd_create("fuzz-config", MFD_CLOEXEC);

        if (fd < 0)
                abort();
        for (size_t done = 0; done < size;) {
                ssize_t k = write(fd, (const char *) buf + done, size - done);
                if (k <= 0)
                        abort();
                done += (size_t) k;
        }
        snprintf(path, path_size, "/proc/self/fd/%d", fd);
        return fd;
}

static char *dump(const Config *c, size_t *ret_size) {
        char *s = NULL;
        FILE *f = open_memstream(&s, ret_size);

        if (!f)
                abort();
        config_dump(c, f);
        if (fclose(f) != 0)
                abort();
        return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(config_freep) Config *c = NULL, *again = NULL;
        _cleanup_free_ char *text = NULL, *text2 = NULL, *log = NULL;
        size_t text_size = 0, text2_size = 0, log_size = 0;
        char path[64];
        FILE *log_f;
        int fd, r;

        if (size > 64 * 1024)
                return 0;

        fd = memfd_with(data, size, path, sizeof(path));
        r = config_load(path, /* allow_missing= */ false, NULL, &c);
        (void) close(fd);
        if (r < 0) {
                if (r != -EINVAL)
                        abort(); /* a memfd has no I/O errors */
                return 0;
        }

        /* Round trip: the dump must load without a single diagnostic and dump identically. */
        text = dump(c, &text_size);
        fd = memfd_with(text, text_size, path, sizeof(path));
        log_f = open_memstream(&log, &log_size);
        if (!log_f)
                abort();
        r = config_load(path, /* allow_missing= */ false, log_f, &again);
        (void) close(fd);
        if (fclose(log_f) != 0)
                abort();
        if (r < 0 || log_size > 0) {
                fprintf(stderr, "dump does not reload (r=%d):\n%s\n--- diagnostics:\n%s", r, text, log);
                abort();
        }
        text2 = dump(again, &text2_size);
        if (text_size != text2_size || memcmp(text, text2, text_size) != 0) {
                fprintf(stderr, "dump is not stable:\n%s\n--- second dump:\n%s", text, text2);
                abort();
        }
        return 0;
}
