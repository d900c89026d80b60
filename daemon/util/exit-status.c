/* SPDX-License-Identifier: MIT */
/*
 * wait(2)-status decoding in systemd's words (EXIT_CODE=exited/killed/dumped), signal names and
 * short human time spans for journal messages. Pure functions over their arguments; the only
 * state is constant tables. Knows nothing of containers or of where a status came from.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

#include "cleanup.h"
#include "exit-status.h"

static const char *const exit_code_table[_EXIT_CODE_MAX] = {
        [EXIT_CODE_EXITED]  = "exited",
        [EXIT_CODE_KILLED]  = "killed",
        [EXIT_CODE_DUMPED]  = "dumped",
        [EXIT_CODE_UNKNOWN] = "unknown",
};

static const char *const exit_source_table[_EXIT_SOURCE_MAX] = {
        [EXIT_SOURCE_PIDFD]   = "pidfd",
        [EXIT_SOURCE_PROC]    = "proc",
        [EXIT_SOURCE_RUNTIME] = "runtime",
        [EXIT_SOURCE_NONE]    = "none",
        [EXIT_SOURCE_PROBE]   = "probe",
};

/* Indexed by the signal numbers of this architecture, so the table is right on every one of them. */
static const char *const signal_table[] = {
        [SIGHUP]    = "SIGHUP",
        [SIGINT]    = "SIGINT",
        [SIGQUIT]   = "SIGQUIT",
        [SIGILL]    = "SIGILL",
        [SIGTRAP]   = "SIGTRAP",
        [SIGABRT]   = "SIGABRT",
        [SIGBUS]    = "SIGBUS",
        [SIGFPE]    = "SIGFPE",
        [SIGKILL]   = "SIGKILL",
        [SIGUSR1]   = "SIGUSR1",
        [SIGSEGV]   = "SIGSEGV",
        [SIGUSR2]   = "SIGUSR2",
        [SIGPIPE]   = "SIGPIPE",
        [SIGALRM]   = "SIGALRM",
        [SIGTERM]   = "SIGTERM",
#ifdef SIGSTKFLT
        [SIGSTKFLT] = "SIGSTKFLT",
#endif
        [SIGCHLD]   = "SIGCHLD",
        [SIGCONT]   = "SIGCONT",
        [SIGSTOP]   = "SIGSTOP",
        [SIGTSTP]   = "SIGTSTP",
        [SIGTTIN]   = "SIGTTIN",
        [SIGTTOU]   = "SIGTTOU",
        [SIGURG]    = "SIGURG",
        [SIGXCPU]   = "SIGXCPU",
        [SIGXFSZ]   = "SIGXFSZ",
        [SIGVTALRM] = "SIGVTALRM",
        [SIGPROF]   = "SIGPROF",
        [SIGWINCH]  = "SIGWINCH",
        [SIGIO]     = "SIGIO",
#ifdef SIGPWR
        [SIGPWR]    = "SIGPWR",
#endif
        [SIGSYS]    = "SIGSYS",
};

/* Real-time signals are named relative to the C library's SIGRTMIN (34 with glibc, which keeps 32
 * and 33 for itself), as kill -l and systemd do. Constant strings, so no static buffer is needed. */
#define RT(n) "SIGRTMIN+" #n
static const char *const signal_rt_table[] = {
        RT(0),  RT(1),  RT(2),  RT(3),  RT(4),  RT(5),  RT(6),  RT(7),  RT(8),  RT(9),  RT(10),
        RT(11), RT(12), RT(13), RT(14), RT(15), RT(16), RT(17), RT(18), RT(19), RT(20), RT(21),
        RT(22), RT(23), RT(24), RT(25), RT(26), RT(27), RT(28), RT(29), RT(30), RT(31), RT(32),
};
#undef RT

ExitStatus exit_status_from_wait(int wstatus, ExitSource source) {
        /* Only the low 16 bits carry anything; a value outside them, or a "stopped"/"continued"
         * status, cannot describe a death. */
        if (wstatus < 0 || wstatus > 0xffff)
                return EXIT_STATUS_UNKNOWN;

        if (WIFEXITED(wstatus))
                return (ExitStatus) {
                        .code = EXIT_CODE_EXITED,
                        .status = WEXITSTATUS(wstatus),
                        .source = source,
                };

        if (WIFSIGNALED(wstatus))
                return (ExitStatus) {
                        .code = WCOREDUMP(wstatus) ? EXIT_CODE_DUMPED : EXIT_CODE_KILLED,
                        .status = WTERMSIG(wstatus),
                        .source = source,
                };

        return EXIT_STATUS_UNKNOWN;
}

const char *exit_code_to_string(ExitCode c) {
        if (c < 0 || c >= _EXIT_CODE_MAX)
                return NULL;
        return exit_code_table[c];
}

const char *exit_source_to_string(ExitSource s) {
        if (s < 0 || s >= _EXIT_SOURCE_MAX)
                return NULL;
        return exit_source_table[s];
}

const char *signal_to_name(int sig) {
        if (sig > 0 && (size_t) sig < ELEMENTSOF(signal_table) && signal_table[sig])
                return signal_table[sig];

        if (sig >= SIGRTMIN && sig <= SIGRTMAX && (size_t) (sig - SIGRTMIN) < ELEMENTSOF(signal_rt_table))
                return signal_rt_table[sig - SIGRTMIN];

        return NULL;
}


char *exit_status_describe(char *buf, size_t l, const ExitStatus *st) {
        const char *name;

        if (!buf || l == 0)
                return buf;

        if (!st) {
                (void) snprintf(buf, l, "exited, status unknown");
                return buf;
        }

        switch (st->code) {

        case EXIT_CODE_EXITED:
                if (st->status == 0)
                        (void) snprintf(buf, l, "exited successfully");
                else
                        (void) snprintf(buf, l, "exited with status %d", st->status);
                break;

        case EXIT_CODE_KILLED:
        case EXIT_CODE_DUMPED:
                name = signal_to_name(st->status);
                if (name)
                        (void) snprintf(buf, l, "%s %s",
                                        st->code == EXIT_CODE_KILLED ? "killed by" : "dumped core on", name);
                else
                        (void) snprintf(buf, l, "%s signal %d",
                                        st->code == EXIT_CODE_KILLED ? "killed by" : "dumped core on", st->status);
                break;

        default:
                (void) snprintf(buf, l, "exited, status unknown");
                break;
        }

        return buf;
}
