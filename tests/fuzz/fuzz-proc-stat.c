/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for proc_stat_parse() (daemon/util/proc-stat.c), cross-checked against
 * proc_stat_read_fd() reading the same bytes from a memfd (the pread path the daemon uses), and for
 * the decoding of whatever field 52 held (daemon/util/exit-status.c): exit_status_from_wait(),
 * exit_status_describe() and format_timespan_short() into small buffers. Built and run by
 * tests/fuzz/run-fuzzers.sh.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/exit-status.h"
#include "util/proc-stat.h"
#include "util/time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd_with(const void *buf, size_t size) {
        int fd = memfd_create("fuzz-proc-stat", MFD_CLOEXEC);

        if (fd < 0)
                abort();
        for (size_t done = 0; done < size;) {
                ssize_t k = write(fd, (const char *) buf + done, size - done);

                if (k <= 0)
                        abort();
                done += (size_t) k;
        }
        return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        ProcStat a = {}, b = {};
        char msg[64], span[16], tiny[3];
        char *copy;
        int r, r2, fd;

        copy = malloc(size ? size : 1);
        if (!copy)
                return 0;
        memcpy(copy, data, size);

        r = proc_stat_parse(copy, size, &a);
        if (r < 0 && r != -EBADMSG)
                abort();
        if (r == 0 && a.pid <= 0)
                abort();

        /* Through an fd the answer must be the same (inputs that fit the reader's buffer). */
        if (size > 0 && size < 4096) {
                fd = memfd_with(copy, size);
                r2 = proc_stat_read_fd(fd, &b);
                (void) close(fd);
                if (r2 != r)
                        abort();
                if (r == 0 && (a.pid != b.pid || a.ppid != b.ppid || a.state != b.state ||
                               a.starttime != b.starttime || a.has_exit_code != b.has_exit_code ||
                               a.exit_code != b.exit_code))
                        abort();
        }

        if (r == 0) {
                ExitStatus st = exit_status_from_wait(a.has_exit_code ? a.exit_code : -1, EXIT_SOURCE_PROC);

                if (!exit_code_to_string(st.code) || !exit_source_to_string(st.source))
                        abort();
                if (st.code == EXIT_CODE_KILLED || st.code == EXIT_CODE_DUMPED)
                        (void) signal_to_name(st.status);
                if (strlen(exit_status_describe(msg, sizeof(msg), &st)) >= sizeof(msg))
                        abort();
                /* Cut to fit, and still terminated. */
                (void) exit_status_describe(tiny, sizeof(tiny), &st);
                if (!memchr(tiny, '\0', sizeof(tiny)))
                        abort();
                /* starttime is in ticks; as µs it covers the whole uint64_t range. */
                if (strlen(format_timespan_short(span, sizeof(span), a.starttime)) >= sizeof(span))
                        abort();
                (void) format_timespan_short(tiny, sizeof(tiny), a.starttime * 1000);
                if (!memchr(tiny, '\0', sizeof(tiny)))
                        abort();
        }

        free(copy);
        return 0;
}
