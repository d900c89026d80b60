/* SPDX-License-Identifier: MIT */
/*
 * Parsing of /proc/<pid>/stat. Pure functions over a buffer, plus a reader for an fd that was opened
 * on the file earlier (an fd opened at discovery reads ESRCH once the process is reaped, so it can
 * never describe another process that reuses the PID; FACTS.md 1.10a).
 * Owns nothing; includes nothing else from daemon/.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* PF_EXITING of include/linux/sched.h (stable since 2.6): the task is in do_exit(). */
#define PROC_PF_EXITING 0x00000004U
/* SIGKILL's bit in field 31 (bit signo - 1): a kill the task has not acted on yet. */
#define PROC_SIG_KILL (UINT64_C(1) << (9 - 1))

typedef struct ProcStat {
        pid_t pid;               /* field 1 */
        char state;              /* field 3: 'R', 'S', 'Z', 'X', ... */
        pid_t ppid;              /* field 4 */
        unsigned flags;          /* field 9: the kernel's PF_* task flags (PF_EXITING 0x4) */
        uint64_t starttime;      /* field 22: clock ticks since boot */
        uint64_t sigpending;     /* field 31: the task's own pending signals, bit signo - 1 (the
                                  * first 31 signals); a fatal signal's SIGKILL stays here until
                                  * the task acts on it, as it enters do_exit() */
        bool has_exit_code;      /* field 52 present (Linux >= 3.5) */
        int exit_code;           /* field 52: wait(2)-style status, meaningful for a zombie; the
                                  * kernel prints 0 when the reader may not ptrace-read the task */
} ProcStat;

/*
 * Parse the text of a /proc/<pid>/stat file. The comm field (2) may contain spaces and parentheses:
 * the fields after it are located after the *last* ')'. buf need not be NUL-terminated.
 * Returns 0 and fills *ret, or -EBADMSG when the text is malformed (ret untouched).
 */
int proc_stat_parse(const char *buf, size_t len, ProcStat *ret);

/*
 * pread() the whole file from offset 0 through an fd opened on /proc/<pid>/stat and parse it.
 * Returns 0, -ESRCH when the process has been reaped, -EBADMSG on malformed text, or another -errno.
 */
int proc_stat_read_fd(int fd, ProcStat *ret);

/*
 * The task is on its way out: in do_exit() (PF_EXITING), or killed and not yet running to act on
 * it (SIGKILL pending: a task the OOM killer chose while it waits for the CPU or sleeps
 * uninterruptibly; FACTS.md 1.10c). Either way it will not run its own code again.
 */
bool proc_stat_dying(const ProcStat *st);

/* Open /proc/<pid>/stat (O_RDONLY|O_CLOEXEC). Returns the fd, or -ESRCH/-ENOENT/-errno. */
int proc_stat_open(pid_t pid);
