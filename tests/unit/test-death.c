/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for daemon/death.c (the verdict over a container init's last signals, its exit
 * status and the OOM facts; SIGNALS= and SIGNAL_CODE= words; the MESSAGE clause) and
 * daemon/util/proc-sender.c (the systemd unit of a /proc/PID/cgroup text; this process's exe).
 * The signal sequences are the ones the probe recorded on this host (FACTS.md §8, and
 * tests/probe/probe-records.sh): a SIGTERM ignored by a handler-less init, then SIGKILL from the
 * same sender; an OOM kill (SIGKILL, SI_KERNEL, the victim current); a fault (SIGSEGV,
 * SEGV_MAPERR).
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "death.h"
#include "util/cleanup.h"
#include "util/proc-sender.h"
#include "why.h"

#define S(x) ((uint64_t) (x) * 1000000)

static SignalEntry entry(uint64_t t, int signo, int code, int result, pid_t pid, const char *comm) {
        SignalEntry e = {
                .monotonic_usec = t,
                .signo = signo,
                .code = code,
                .result = result,
                .sender_pid = pid,
                .sender_uid = 0,
                .sender_loginuid = (uid_t) -1,
                .sender_parent_pid = 1,
        };
        strncpy(e.sender_comm, comm, sizeof(e.sender_comm) - 1);
        return e;
}

static void add(SignalHistory *h, uint64_t t, int signo, int code, int result, pid_t pid, const char *comm) {
        SignalEntry e = entry(t, signo, code, result, pid, comm);
        signal_history_add(h, &e);
}

static DeathFacts facts(const SignalHistory *h, int wstatus, uint64_t exit_t) {
        return (DeathFacts) {
                .status = exit_status_from_wait(wstatus, EXIT_SOURCE_PROC),
                .exit_monotonic_usec = exit_t,
                .init_pid = 4000,
                .probe = h != NULL,
                .signals = h,
        };
}

START_TEST(test_stop_timeout) {
        SignalHistory h = { 0 };
        DeathVerdict v;
        DeathFacts f;
        char buf[512];

        add(&h, S(100), SIGTERM, 0, 1, 812, "containerd-shim");
        add(&h, S(102) + 3000, SIGKILL, 0, 0, 812, "containerd-shim");
        h.entries[0].sender_unit = strdup("docker.service");
        f = facts(&h, SIGKILL, S(102) + 3100);
        death_judge(&f, &v);
        ck_assert_str_eq(death_reason_to_string(v.reason), "stop-timeout");
        ck_assert_str_eq(reason_source_to_string(v.source), "probe");
        ck_assert_ptr_eq(v.signal, &h.entries[1]);
        ck_assert(v.has_stop_grace);
        ck_assert_uint_eq(v.stop_grace_usec, S(2) + 3100);
        ck_assert(!v.oom_killed);
        ck_assert_str_eq(death_describe(buf, sizeof(buf), &f, &v, NULL),
                         "was stopped: SIGTERM from containerd-shim[812] (docker.service), no exit after 2s, then SIGKILL");
        ck_assert_str_eq(signal_history_format(&h, buf, sizeof(buf)),
                         "SIGTERM@-2.003s:containerd-shim[812] SIGKILL@0:containerd-shim[812]");
        signal_history_clear(&h);
        ck_assert_uint_eq(h.n, 0);
}
END_TEST

START_TEST(test_stopped_and_killed) {
        SignalHistory h = { 0 };
        DeathVerdict v;
        DeathFacts f;
        char buf[512];

        /* SIGTERM handled, the init exits 143 by itself: stopped. */
        add(&h, S(10), SIGTERM, 0, 0, 900, "runc");
        f = facts(&h, 143 << 8, S(11));
        death_judge(&f, &v);
        ck_assert_str_eq(death_reason_to_string(v.reason), "stopped");
        ck_assert_ptr_eq(v.signal, &h.entries[0]);
        ck_assert_uint_eq(v.stop_grace_usec, S(1));
        ck_assert_str_eq(death_describe(buf, sizeof(buf), &f, &v, NULL), "was stopped: SIGTERM from runc[900], exited after 1s");
        signal_history_clear(&h);

        /* SIGKILL with no stop before it: killed, naming the sender. */
        add(&h, S(10), SIGKILL, 0, 0, 4242, "cw-killer");
        h.entries[0].sender_unit = strdup("session-3.scope");
        f = facts(&h, SIGKILL, S(10));
        death_judge(&f, &v);
        ck_assert_str_eq(death_reason_to_string(v.reason), "killed");
        ck_assert_str_eq(death_describe(buf, sizeof(buf), &f, &v, NULL), "was killed: SIGKILL from cw-killer[4242] (session-3.scope)");
        signal_history_clear(&h);

        /* SIGTERM from one sender, SIGKILL from a different one: killed, not a stop timeout. */
        add(&h, S(10), SIGTERM, 0, 1, 812, "containerd-shim");
        add(&h, S(11), SIGKILL, 0, 0, 4242, "cw-killer");
        f = facts(&h, SIGKILL, S(11));
        death_judge(&f, &v);
        ck_assert_str_eq(death_reason_to_string(v.reason), "killed");
        ck_assert_int_eq(v.signal->sender_pid, 4242);
        signal_history_clear(&h);

        /* No signal at all: exited / failed. */
        f = facts(&h, 0, S(1));
        death_judge(&f, &v);
        ck_assert_str_eq(death_reason_to_string(v.reason), "exited");
        ck_assert_ptr_null(v.signal);
        f = facts(&h, 3 << 8, S(1));
        death_judge(&f, &v);
        ck_assert_str_eq(death_reason_to_string(v.reason), "failed");
        ck_assert_str_eq(death_describe(buf, sizeof(buf), &f, &v, NULL), "failed with status 3");
}
END_TEST

START_TEST(test_crash_and_oom) {
        SignalHistory h = { 0 };
        DeathVerdict v;
        DeathFacts f;
        char buf[512], cb[16];

        /* A fault: SIGSEGV with SEGV_MAPERR while the init itself is current. */
        add(&h, S(5), SIGSEGV, 1, 0, 4000, "app");
        f = facts(&h, SIGSEGV | 0x80, S(5));
        death_judge(&f, &v);
        ck_assert_str_eq(death_reason_to_string(v.reason), "crashed");
        ck_assert_str_eq(death_describe(buf, sizeof(buf), &f, &v, NULL), "crashed: SIGSEGV (SEGV_MAPERR), core dumped");
        signal_history_clear(&h);

        /* abort(): SIGABRT sent by the init to itself. */
        add(&h, S(5), SIGABRT, -6, 0, 4000, "app");
        f = facts(&h, SIGABRT, S(5));
        death_judge(&f, &v);
        ck_assert_str_eq(death_reason_to_string(v.reason), "crashed");
        signal_history_clear(&h);

        /* SIGSEGV sent by someone else with kill(1): killed, not crashed. */
        add(&h, S(5), SIGSEGV, 0, 0, 77, "kill");
        f = facts(&h, SIGSEGV, S(5));
        death_judge(&f, &v);
        ck_assert_str_eq(death_reason_to_string(v.reason), "killed");
        signal_history_clear(&h);

        /* The OOM killer chose the init: SIGKILL, SI_KERNEL, the victim itself current. */
        add(&h, S(5), SIGKILL, 0x80, 0, 4000, "dd");
        f = facts(&h, SIGKILL, S(5));
        f.oom_victim_init = true;
        death_judge(&f, &v);
        ck_assert_str_eq(death_reason_to_string(v.reason), "oom-killed");
        ck_assert(v.oom_killed);
        ck_assert_str_eq(signal_code_to_string(v.signal->signo, v.signal->code, cb, sizeof(cb)), "SI_KERNEL");
        ck_assert_str_eq(death_describe(buf, sizeof(buf), &f, &v, "init dd used 16.0M of its 16M limit"),
                         "was killed by the OOM killer: init dd used 16.0M of its 16M limit");
        signal_history_clear(&h);

        /* A child's OOM kill, then docker kill: the probe says killed, never oom-killed. */
        add(&h, S(9), SIGKILL, 0, 0, 812, "containerd-shim");
        f = facts(&h, SIGKILL, S(9));
        f.oom_counter_rose = true;          /* the counter rose, but the probe knows better */
        death_judge(&f, &v);
        ck_assert_str_eq(death_reason_to_string(v.reason), "killed");
        ck_assert(!v.oom_killed);
        signal_history_clear(&h);
}
END_TEST

START_TEST(test_without_probe) {
        DeathVerdict v;
        DeathFacts f;

        f = facts(NULL, SIGKILL, 0);
        f.oom_counter_rose = true;
        death_judge(&f, &v);
        ck_assert_str_eq(death_reason_to_string(v.reason), "oom-killed");
        ck_assert_str_eq(reason_source_to_string(v.source), "counters");
        ck_assert(v.oom_killed);

        f = facts(NULL, SIGKILL, 0);
        death_judge(&f, &v);
        ck_assert_str_eq(death_reason_to_string(v.reason), "killed");
        ck_assert_str_eq(reason_source_to_string(v.source), "none");
        ck_assert_ptr_null(v.signal);

        f = facts(NULL, SIGSEGV, 0);
        death_judge(&f, &v);
        ck_assert_str_eq(death_reason_to_string(v.reason), "crashed");

        f = facts(NULL, 0, 0);
        f.status.source = EXIT_SOURCE_RUNTIME;
        death_judge(&f, &v);
        ck_assert_str_eq(death_reason_to_string(v.reason), "exited");
        ck_assert_str_eq(reason_source_to_string(v.source), "runtime");

        f = facts(NULL, 0, 0);
        f.status = EXIT_STATUS_UNKNOWN;
        death_judge(&f, &v);
        ck_assert_str_eq(death_reason_to_string(v.reason), "unknown");
        ck_assert_str_eq(reason_source_to_string(v.source), "none");
        ck_assert(!v.oom_killed);
}
END_TEST

START_TEST(test_history_bounds) {
        SignalHistory h = { 0 };
        char buf[64], cb[16];

        /* Older than a minute before the newest: dropped. */
        add(&h, S(1), SIGUSR1, 0, 0, 1, "a");
        add(&h, S(100), SIGUSR2, 0, 0, 2, "b");
        ck_assert_uint_eq(h.n, 1);
        ck_assert_int_eq(h.entries[0].signo, SIGUSR2);
        signal_history_clear(&h);

        /* Full: the leading stop signal stays, the next oldest goes. */
        add(&h, S(1), SIGTERM, 0, 1, 1, "shim");
        for (int i = 0; i < SIGNAL_HISTORY_MAX + 3; i++)
                add(&h, S(2) + (uint64_t) i, SIGUSR1, 0, 0, 2, "noisy");
        ck_assert_uint_eq(h.n, SIGNAL_HISTORY_MAX);
        ck_assert_int_eq(h.entries[0].signo, SIGTERM);
        ck_assert_uint_eq(h.entries[SIGNAL_HISTORY_MAX - 1].monotonic_usec, S(2) + SIGNAL_HISTORY_MAX + 2);

        /* A short buffer is cut and says so. */
        signal_history_format(&h, buf, sizeof(buf));
        ck_assert_uint_eq(strlen(buf), sizeof(buf) - 1);
        ck_assert_str_eq(buf + sizeof(buf) - 4, "...");
        signal_history_clear(&h);

        ck_assert_str_eq(signal_code_to_string(SIGTERM, -6, cb, sizeof(cb)), "SI_TKILL");
        ck_assert_str_eq(signal_code_to_string(SIGBUS, 2, cb, sizeof(cb)), "BUS_ADRERR");
        ck_assert_str_eq(signal_code_to_string(SIGTERM, 5, cb, sizeof(cb)), "5");
        ck_assert(signal_is_stop(SIGTERM) && signal_is_stop(SIGINT) && !signal_is_stop(SIGKILL));
}
END_TEST

START_TEST(test_cgroup_unit) {
        static const struct {
                const char *text, *unit;
        } cases[] = {
                { "0::/system.slice/docker.service\n", "docker.service" },
                { "0::/system.slice/containerd.service/kubepods-pod1.slice:cri-containerd:ab\n", "containerd.service" },
                { "0::/user.slice/user-0.slice/session-3.scope\n", "session-3.scope" },
                { "0::/system.slice/docker-0123abcd.scope\n", "docker-0123abcd.scope" },
                /* a v1 host: the unified line says "/", name=systemd places it */
                { "12:memory:/x\n1:name=systemd:/system.slice/kubelet.service\n0::/\n", "kubelet.service" },
                { "0::/init.scope", "init.scope" },                 /* no trailing newline */
                { "0::/\n", NULL },
                { "4:memory:/process_api/a3994b\n1:name=systemd:/\n0::/\n", NULL },
                { "garbage\n::\n", NULL },
                { "0::/.service\n", NULL },                         /* a bare suffix is no unit */
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_free_ char *u = NULL;
                int r = cgroup_text_to_unit(cases[i].text, strlen(cases[i].text), &u);
                if (cases[i].unit) {
                        ck_assert_msg(r == 0, "case %zu: %d", i, r);
                        ck_assert_str_eq(u, cases[i].unit);
                } else
                        ck_assert_msg(r == -ENODATA, "case %zu: %d", i, r);
        }
}
END_TEST

START_TEST(test_proc_exe) {
        _cleanup_free_ char *exe = NULL, *mine = NULL;
        char buf[4096];
        ssize_t n;

        ck_assert_int_eq(proc_read_exe(getpid(), &exe), 0);
        n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
        ck_assert_int_gt(n, 0);
        buf[n] = 0;
        ck_assert_str_eq(exe, buf);
        /* A PID that cannot exist (above pid_max's ceiling): gone. */
        ck_assert_int_eq(proc_read_exe(1 << 23, &mine), -ENOENT);
        ck_assert_int_eq(proc_read_unit(1 << 23, &mine), -ENOENT);
}
END_TEST

START_TEST(test_why_words) {
        WhyState s = { .pid = 4000, .memcg_ino = 77, .mem_limit = 16 * 1024 * 1024 };
        ProbeOomVictim v = { .pid = 4000, .ns_pid = 1, .rss_bytes = 17 * 1024 * 1024, .anon_rss_bytes = 16 * 1024 * 1024 + 104858, .memcg_id = 77,
                             .oom_memcg_known = true, .oom_memcg_id = 77 };
        ExitStatus st = EXIT_STATUS_UNKNOWN, out;
        DeathFacts f;
        char buf[128];

        strcpy(v.comm, "dd");
        ck_assert_str_eq(why_oom_scope(&s, &v), "container");
        ck_assert_str_eq(why_oom_detail(buf, sizeof(buf), &s, &v), "init dd used 16.1M of its 16M limit");
        v.oom_memcg_id = 5;
        ck_assert_str_eq(why_oom_scope(&s, &v), "ancestor");
        v.pid = 4242;
        v.ns_pid = 7;
        ck_assert_str_eq(why_oom_detail(buf, sizeof(buf), &s, &v), "process dd[4242] used 16.1M when a parent cgroup's limit was hit");
        v.oom_memcg_id = 0;
        ck_assert_str_eq(why_oom_scope(&s, &v), "host");
        v.oom_memcg_known = false;
        ck_assert_ptr_null(why_oom_scope(&s, &v));

        /* Without the probe: the other sources' status, nothing from the state. */
        s.has_exit = true;
        s.exit_wstatus = 3 << 8;
        why_facts(NULL, &s, &st, true, &f, &out);
        ck_assert_int_eq(out.code, EXIT_CODE_UNKNOWN);
        ck_assert(!f.probe);
        ck_assert_ptr_null(f.signals);
        ck_assert(f.oom_counter_rose);
        ck_assert_str_eq(exit_source_to_string(EXIT_SOURCE_PROBE), "probe");
}
END_TEST

int main(void) {
        Suite *s = suite_create("death");
        TCase *tc = tcase_create("death");
        SRunner *sr;
        int failed;

        tcase_add_test(tc, test_stop_timeout);
        tcase_add_test(tc, test_stopped_and_killed);
        tcase_add_test(tc, test_crash_and_oom);
        tcase_add_test(tc, test_without_probe);
        tcase_add_test(tc, test_history_bounds);
        tcase_add_test(tc, test_cgroup_unit);
        tcase_add_test(tc, test_proc_exe);
        tcase_add_test(tc, test_why_words);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
