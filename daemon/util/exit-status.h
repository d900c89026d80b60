/* SPDX-License-Identifier: MIT */
/*
 * Decoding of wait(2)-style statuses into systemd's words (exited / killed / dumped) and signal
 * names, for journal messages. Pure functions; owns nothing.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <errno.h>

typedef enum ExitCode {
        EXIT_CODE_EXITED,        /* normal exit; status = exit code */
        EXIT_CODE_KILLED,        /* killed by a signal; status = signal number */
        EXIT_CODE_DUMPED,        /* killed by a signal and dumped core; status = signal number */
        EXIT_CODE_UNKNOWN,       /* nothing is knowable; status = -1 */
        _EXIT_CODE_MAX,
        _EXIT_CODE_INVALID = -EINVAL,
} ExitCode;

typedef enum ExitSource {
        EXIT_SOURCE_PIDFD,       /* PIDFD_GET_INFO / PIDFD_INFO_EXIT after the reap */
        EXIT_SOURCE_PROC,        /* field 52 of the zombie's /proc/<pid>/stat */
        EXIT_SOURCE_RUNTIME,     /* a file the manager / runtime wrote */
        EXIT_SOURCE_NONE,        /* nothing */
        EXIT_SOURCE_PROBE,       /* the kernel probe saw the group exit (sched_process_exit) */
        _EXIT_SOURCE_MAX,
        _EXIT_SOURCE_INVALID = -EINVAL,
} ExitSource;

typedef struct ExitStatus {
        ExitCode code;
        int status;              /* exit code or signal number; -1 when unknown */
        ExitSource source;
} ExitStatus;

#define EXIT_STATUS_UNKNOWN ((ExitStatus) { .code = EXIT_CODE_UNKNOWN, .status = -1, .source = EXIT_SOURCE_NONE })

/* Decode a wait(2)-style status (as in PIDFD_INFO_EXIT's exit_code or /proc field 52). */
ExitStatus exit_status_from_wait(int wstatus, ExitSource source);

/* "exited", "killed", "dumped", "unknown"; NULL for an invalid value. */
const char *exit_code_to_string(ExitCode c);
/* "pidfd", "proc", "runtime", "none", "probe"; NULL for an invalid value. */
const char *exit_source_to_string(ExitSource s);

/* "SIGKILL" for 9, ... ; for numbers without a name: "SIGRTMIN+3" or NULL when out of range. */
const char *signal_to_name(int sig);

/*
 * One short clause for a journal message: "exited with status 3", "exited successfully",
 * "killed by SIGKILL", "dumped core on SIGSEGV", "exited, status unknown".
 */
char *exit_status_describe(char *buf, size_t l, const ExitStatus *st);
