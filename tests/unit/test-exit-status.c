/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for daemon/util/exit-status.c: decoding of wait statuses produced by real children
 * (exit 0/3/255, SIGKILL, SIGTERM, SIGRTMIN+3) and synthetic ones (core dump, stopped, garbage),
 * signal names, short time spans and the message clauses.
 */
#include <check.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/exit-status.h"
#include "util/time.h"

/* Fork a child that exits with code, or (code < 0) raises -code with the default action.
 * Returns the raw wait status the kernel reported. */
static int real_status(int code) {
        pid_t pid;
        int status;

        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                if (code >= 0)
                        _exit(code);
                /* No core file in the build tree (a piped core_pattern may still dump). */
                (void) setrlimit(RLIMIT_CORE, &(struct rlimit) {});
                (void) signal(-code, SIG_DFL);
                (void) raise(-code);
                _exit(200);   /* not reached for a fatal signal */
        }
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        return status;
}

static void assert_status(ExitStatus st, ExitCode code, int status, ExitSource source) {
        ck_assert_int_eq(st.code, code);
        ck_assert_int_eq(st.status, status);
        ck_assert_int_eq(st.source, source);
}

START_TEST(test_from_wait_real) {
        assert_status(exit_status_from_wait(real_status(0), EXIT_SOURCE_PIDFD), EXIT_CODE_EXITED, 0, EXIT_SOURCE_PIDFD);
        assert_status(exit_status_from_wait(real_status(3), EXIT_SOURCE_PROC), EXIT_CODE_EXITED, 3, EXIT_SOURCE_PROC);
        assert_status(exit_status_from_wait(real_status(255), EXIT_SOURCE_PIDFD), EXIT_CODE_EXITED, 255, EXIT_SOURCE_PIDFD);
        assert_status(exit_status_from_wait(real_status(-SIGKILL), EXIT_SOURCE_PIDFD), EXIT_CODE_KILLED, SIGKILL, EXIT_SOURCE_PIDFD);
        assert_status(exit_status_from_wait(real_status(-SIGTERM), EXIT_SOURCE_RUNTIME), EXIT_CODE_KILLED, SIGTERM, EXIT_SOURCE_RUNTIME);
        assert_status(exit_status_from_wait(real_status(-(SIGRTMIN + 3)), EXIT_SOURCE_PROC), EXIT_CODE_KILLED, SIGRTMIN + 3, EXIT_SOURCE_PROC);
}
END_TEST

START_TEST(test_from_wait_synthetic) {
        /* The encodings FACTS.md 1.8 / 1.10 saw from PIDFD_INFO_EXIT and /proc field 52. */
        assert_status(exit_status_from_wait(0x300, EXIT_SOURCE_PIDFD), EXIT_CODE_EXITED, 3, EXIT_SOURCE_PIDFD);
        assert_status(exit_status_from_wait(1792, EXIT_SOURCE_PROC), EXIT_CODE_EXITED, 7, EXIT_SOURCE_PROC);
        assert_status(exit_status_from_wait(0xff00, EXIT_SOURCE_PROC), EXIT_CODE_EXITED, 255, EXIT_SOURCE_PROC);
        assert_status(exit_status_from_wait(9, EXIT_SOURCE_PIDFD), EXIT_CODE_KILLED, 9, EXIT_SOURCE_PIDFD);
        /* core-dumped SIGSEGV: the 0x80 flag */
        assert_status(exit_status_from_wait(SIGSEGV | 0x80, EXIT_SOURCE_PIDFD), EXIT_CODE_DUMPED, SIGSEGV, EXIT_SOURCE_PIDFD);
        assert_status(exit_status_from_wait(SIGABRT | 0x80, EXIT_SOURCE_PROC), EXIT_CODE_DUMPED, SIGABRT, EXIT_SOURCE_PROC);
        /* Not a death: stopped (0x7f) and continued (0xffff); and out of range. */
        assert_status(exit_status_from_wait((SIGSTOP << 8) | 0x7f, EXIT_SOURCE_PIDFD), EXIT_CODE_UNKNOWN, -1, EXIT_SOURCE_NONE);
        assert_status(exit_status_from_wait(0xffff, EXIT_SOURCE_PIDFD), EXIT_CODE_UNKNOWN, -1, EXIT_SOURCE_NONE);
        assert_status(exit_status_from_wait(-1, EXIT_SOURCE_PIDFD), EXIT_CODE_UNKNOWN, -1, EXIT_SOURCE_NONE);
        assert_status(exit_status_from_wait(0x10000, EXIT_SOURCE_PIDFD), EXIT_CODE_UNKNOWN, -1, EXIT_SOURCE_NONE);
        assert_status(exit_status_from_wait(INT_MIN, EXIT_SOURCE_PIDFD), EXIT_CODE_UNKNOWN, -1, EXIT_SOURCE_NONE);

        assert_status(EXIT_STATUS_UNKNOWN, EXIT_CODE_UNKNOWN, -1, EXIT_SOURCE_NONE);
}
END_TEST

/* A real SIGSEGV death: "killed", or "dumped" where a piped core_pattern ignores RLIMIT_CORE. */
START_TEST(test_from_wait_real_segv) {
        ExitStatus st = exit_status_from_wait(real_status(-SIGSEGV), EXIT_SOURCE_PIDFD);

        ck_assert(st.code == EXIT_CODE_KILLED || st.code == EXIT_CODE_DUMPED);
        ck_assert_int_eq(st.status, SIGSEGV);
}
END_TEST

START_TEST(test_strings) {
        ck_assert_str_eq(exit_code_to_string(EXIT_CODE_EXITED), "exited");
        ck_assert_str_eq(exit_code_to_string(EXIT_CODE_KILLED), "killed");
        ck_assert_str_eq(exit_code_to_string(EXIT_CODE_DUMPED), "dumped");
        ck_assert_str_eq(exit_code_to_string(EXIT_CODE_UNKNOWN), "unknown");
        ck_assert_ptr_null(exit_code_to_string(_EXIT_CODE_MAX));
        ck_assert_ptr_null(exit_code_to_string(_EXIT_CODE_INVALID));
        ck_assert_ptr_null(exit_code_to_string((ExitCode) 1000));

        ck_assert_str_eq(exit_source_to_string(EXIT_SOURCE_PIDFD), "pidfd");
        ck_assert_str_eq(exit_source_to_string(EXIT_SOURCE_PROC), "proc");
        ck_assert_str_eq(exit_source_to_string(EXIT_SOURCE_RUNTIME), "runtime");
        ck_assert_str_eq(exit_source_to_string(EXIT_SOURCE_NONE), "none");
        ck_assert_ptr_null(exit_source_to_string(_EXIT_SOURCE_MAX));
        ck_assert_ptr_null(exit_source_to_string(_EXIT_SOURCE_INVALID));
}
END_TEST

START_TEST(test_signal_names) {
        ck_assert_str_eq(signal_to_name(SIGHUP), "SIGHUP");
        ck_assert_str_eq(signal_to_name(SIGINT), "SIGINT");
        ck_assert_str_eq(signal_to_name(SIGKILL), "SIGKILL");
        ck_assert_str_eq(signal_to_name(9), "SIGKILL");
        ck_assert_str_eq(signal_to_name(SIGSEGV), "SIGSEGV");
        ck_assert_str_eq(signal_to_name(SIGTERM), "SIGTERM");
        ck_assert_str_eq(signal_to_name(15), "SIGTERM");
        ck_assert_str_eq(signal_to_name(SIGABRT), "SIGABRT");
        ck_assert_str_eq(signal_to_name(SIGSYS), "SIGSYS");
        ck_assert_str_eq(signal_to_name(SIGCHLD), "SIGCHLD");

        /* Every classic signal has a name. */
        for (int sig = 1; sig < 32; sig++)
                ck_assert_msg(signal_to_name(sig), "no name for %d", sig);

        /* Real-time signals relative to the C library's SIGRTMIN (glibc: 34). */
        ck_assert_int_eq(SIGRTMIN, 34);
        ck_assert_str_eq(signal_to_name(SIGRTMIN), "SIGRTMIN+0");
        ck_assert_str_eq(signal_to_name(SIGRTMIN + 3), "SIGRTMIN+3");
        ck_assert_str_eq(signal_to_name(37), "SIGRTMIN+3");
        ck_assert_str_eq(signal_to_name(SIGRTMAX), "SIGRTMIN+30");
        ck_assert_str_eq(signal_to_name(64), "SIGRTMIN+30");

        /* glibc-internal 32 and 33, zero, negatives, beyond SIGRTMAX. */
        ck_assert_ptr_null(signal_to_name(0));
        ck_assert_ptr_null(signal_to_name(-1));
        ck_assert_ptr_null(signal_to_name(32));
        ck_assert_ptr_null(signal_to_name(33));
        ck_assert_ptr_null(signal_to_name(65));
        ck_assert_ptr_null(signal_to_name(128));
        ck_assert_ptr_null(signal_to_name(INT_MAX));
        ck_assert_ptr_null(signal_to_name(INT_MIN));
}
END_TEST

static const char *span(uint64_t usec) {
        static char buf[64];
        return format_timespan_short(buf, sizeof(buf), usec);
}

START_TEST(test_timespan) {
        const uint64_t S = USEC_PER_SEC;

        ck_assert_str_eq(span(0), "0");
        ck_assert_str_eq(span(1), "0");
        ck_assert_str_eq(span(999), "0");
        ck_assert_str_eq(span(1000), "1ms");
        ck_assert_str_eq(span(1999), "1ms");
        ck_assert_str_eq(span(850 * USEC_PER_MSEC), "850ms");
        ck_assert_str_eq(span(999999), "999ms");
        ck_assert_str_eq(span(S), "1s");
        ck_assert_str_eq(span(3 * S), "3s");
        ck_assert_str_eq(span(3 * S + 999999), "3s");          /* truncated, not rounded */
        ck_assert_str_eq(span(59 * S + 999999), "59s");
        ck_assert_str_eq(span(60 * S), "1min");
        ck_assert_str_eq(span(123 * S), "2min 3s");
        ck_assert_str_eq(span(123 * S + 456789), "2min 3s");
        ck_assert_str_eq(span(3600 * S), "1h");
        ck_assert_str_eq(span(3900 * S), "1h 5min");
        ck_assert_str_eq(span(3903 * S), "1h 5min");           /* only two units */
        ck_assert_str_eq(span(3601 * S), "1h 1s");              /* the two most significant non-zero */
        ck_assert_str_eq(span(86400 * S), "1d");
        ck_assert_str_eq(span((86400 + 7200) * S), "1d 2h");
        ck_assert_str_eq(span((86400 + 7200 + 59) * S), "1d 2h");
        ck_assert_str_eq(span((86400 + 1) * S), "1d 1s");
        ck_assert_str_eq(span(400 * 86400 * S), "400d");
        ck_assert_str_eq(span(UINT64_MAX - 1), "213503982d 8h");
        ck_assert_str_eq(span(USEC_INFINITY), "infinity");
}
END_TEST

START_TEST(test_timespan_truncation) {
        char buf[16];

        /* l == 0: nothing written */
        memcpy(buf, "untouched", 10);
        ck_assert_ptr_eq(format_timespan_short(buf, 0, 123 * USEC_PER_SEC), buf);
        ck_assert_str_eq(buf, "untouched");

        ck_assert_str_eq(format_timespan_short(buf, 1, 123 * USEC_PER_SEC), "");
        ck_assert_str_eq(format_timespan_short(buf, 4, 123 * USEC_PER_SEC), "2mi");
        ck_assert_str_eq(format_timespan_short(buf, 6, 123 * USEC_PER_SEC), "2min ");
        ck_assert_str_eq(format_timespan_short(buf, 7, 123 * USEC_PER_SEC), "2min 3");
        ck_assert_str_eq(format_timespan_short(buf, 8, 123 * USEC_PER_SEC), "2min 3s");
        ck_assert_str_eq(format_timespan_short(buf, 3, 850 * USEC_PER_MSEC), "85");
        ck_assert_str_eq(format_timespan_short(buf, 2, 0), "0");
        ck_assert_ptr_null(format_timespan_short(NULL, 10, 0));
}
END_TEST

static const char *describe(ExitCode code, int status) {
        static char buf[64];
        ExitStatus st = { .code = code, .status = status, .source = EXIT_SOURCE_PIDFD };
        return exit_status_describe(buf, sizeof(buf), &st);
}

START_TEST(test_describe) {
        char buf[128], tbuf[32], sbuf[64];
        ExitStatus st;

        ck_assert_str_eq(describe(EXIT_CODE_EXITED, 0), "exited successfully");
        ck_assert_str_eq(describe(EXIT_CODE_EXITED, 3), "exited with status 3");
        ck_assert_str_eq(describe(EXIT_CODE_EXITED, 255), "exited with status 255");
        ck_assert_str_eq(describe(EXIT_CODE_KILLED, SIGKILL), "killed by SIGKILL");
        ck_assert_str_eq(describe(EXIT_CODE_KILLED, SIGTERM), "killed by SIGTERM");
        ck_assert_str_eq(describe(EXIT_CODE_KILLED, SIGRTMIN + 3), "killed by SIGRTMIN+3");
        ck_assert_str_eq(describe(EXIT_CODE_KILLED, 32), "killed by signal 32");
        ck_assert_str_eq(describe(EXIT_CODE_DUMPED, SIGSEGV), "dumped core on SIGSEGV");
        ck_assert_str_eq(describe(EXIT_CODE_DUMPED, 33), "dumped core on signal 33");
        ck_assert_str_eq(describe(EXIT_CODE_UNKNOWN, -1), "exited, status unknown");
        ck_assert_str_eq(describe(_EXIT_CODE_INVALID, 0), "exited, status unknown");
        ck_assert_str_eq(exit_status_describe(buf, sizeof(buf), NULL), "exited, status unknown");

        st = EXIT_STATUS_UNKNOWN;
        ck_assert_str_eq(exit_status_describe(buf, sizeof(buf), &st), "exited, status unknown");
        ck_assert_str_eq(exit_status_describe(buf, 7, &st), "exited");

        /* The journal MESSAGE as the manager composes it (DESIGN.md). */
        st = exit_status_from_wait(SIGKILL, EXIT_SOURCE_PIDFD);
        snprintf(buf, sizeof(buf), "Container %s (%s) exited: %s after %s", "2bcbf0957fbd", "ws",
                 exit_status_describe(sbuf, sizeof(sbuf), &st),
                 format_timespan_short(tbuf, sizeof(tbuf), 123 * USEC_PER_SEC));
        ck_assert_str_eq(buf, "Container 2bcbf0957fbd (ws) exited: killed by SIGKILL after 2min 3s");
}
END_TEST

static Suite *exit_status_suite(void) {
        Suite *s = suite_create("exit-status");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_from_wait_real);
        tcase_add_test(tc, test_from_wait_synthetic);
        tcase_add_test(tc, test_from_wait_real_segv);
        tcase_add_test(tc, test_strings);
        tcase_add_test(tc, test_signal_names);
        tcase_add_test(tc, test_timespan);
        tcase_add_test(tc, test_timespan_truncation);
        tcase_add_test(tc, test_describe);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(exit_status_suite());
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
