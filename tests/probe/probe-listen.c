/* SPDX-License-Identifier: MIT */
/*
 * probe-listen: load the kernel probe (daemon/probe.c) without the daemon and print every record
 * as one line of key=value words on stdout, for tests/probe/probe-records.sh. With
 * --drop-privileges it becomes nobody (uid and gid 65534, every capability gone) once attached,
 * which shows that the ring buffer is read without CAP_BPF/CAP_PERFMON (FACTS.md §8).
 * PROBE_LISTEN_DEBUG=1 puts libbpf's messages (the verifier's log on a refusal) on stderr.
 * Prints "ready oom_victims=0|1" once attached; runs until SIGTERM or SIGINT.
 * Exit status: 0 after a signal, 77 when built without the probe, 1 when it cannot load (the reason
 * on stderr).
 */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <systemd/sd-event.h>

#include "log.h"
#include "probe-test.h"

static void on_signal(Probe *p, const ProbeSignal *s, void *userdata) {
        (void) p;
        (void) userdata;
        printf("signal target=%d pidns=%u target_comm=%s sig=%d code=%d result=%d group=%d "
               "sender=%d sender_tid=%d sender_comm=%s uid=%u loginuid=%u sender_pidns=%u "
               "parent=%d parent_comm=%s info_valid=%d info_pid=%d usec=%llu\n",
               (int) s->target_pid, s->target_pidns, s->target_comm, s->signo, s->code, s->result,
               (int) s->group, (int) s->sender_pid, (int) s->sender_tid, s->sender_comm,
               (unsigned) s->sender_uid, (unsigned) s->sender_loginuid, s->sender_pidns,
               (int) s->sender_parent_pid, s->sender_parent_comm, (int) s->info_valid,
               (int) s->info_pid, (unsigned long long) s->monotonic_usec);
}

static void on_exit_record(Probe *p, const ProbeExit *x, void *userdata) {
        (void) p;
        (void) userdata;
        printf("exit pid=%d pidns=%u comm=%s status=%d usec=%llu\n", (int) x->pid, x->pidns, x->comm,
               x->status, (unsigned long long) x->monotonic_usec);
}

static void on_oom_victim(Probe *p, const ProbeOomVictim *v, void *userdata) {
        char oom_memcg[32] = "unknown";

        (void) p;
        (void) userdata;
        if (v->oom_memcg_known)
                snprintf(oom_memcg, sizeof(oom_memcg), "%llu", (unsigned long long) v->oom_memcg_id);
        printf("oom pid=%d ns_pid=%d pidns=%u comm=%s uid=%u rss=%llu anon=%llu total_vm=%llu "
               "memcg=%llu cgroup=%llu trigger=%d trigger_comm=%s trigger_memcg=%llu oom_memcg=%s usec=%llu\n",
               (int) v->pid, (int) v->ns_pid, v->pidns, v->comm, (unsigned) v->uid,
               (unsigned long long) v->rss_bytes, (unsigned long long) v->anon_rss_bytes,
               (unsigned long long) v->total_vm_bytes, (unsigned long long) v->memcg_id,
               (unsigned long long) v->cgroup_id, (int) v->trigger_pid, v->trigger_comm,
               (unsigned long long) v->trigger_memcg_id, oom_memcg, (unsigned long long) v->monotonic_usec);
}

int main(int argc, char **argv) {
        static const ProbeCallbacks cb = {
                .on_signal = on_signal,
                .on_exit = on_exit_record,
                .on_oom_victim = on_oom_victim,
        };
        sd_event *e = NULL;
        Probe *p = NULL;
        const char *reason = "unknown";
        bool drop = argc > 1 && strcmp(argv[1], "--drop-privileges") == 0;
        sigset_t ss;
        int r;

        setvbuf(stdout, NULL, _IOLBF, 0);
        /* PROBE_LISTEN_DEBUG=1: libbpf's messages and the verifier's log on stderr. */
        if (getenv("PROBE_LISTEN_DEBUG"))
                log_setup(/* journal= */ false, LOG_DEBUG);
        r = sd_event_default(&e);
        if (r < 0) {
                fprintf(stderr, "sd_event_default: %s\n", strerror(-r));
                return 1;
        }
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigprocmask(SIG_BLOCK, &ss, NULL);
        if (sd_event_add_signal(e, NULL, SIGTERM, NULL, NULL) < 0 ||
            sd_event_add_signal(e, NULL, SIGINT, NULL, NULL) < 0) {
                fprintf(stderr, "cannot add signal sources\n");
                return 1;
        }

        r = probe_new(e, &cb, NULL, &p, &reason);
        if (r < 0) {
                fprintf(stderr, "probe: %s: %s\n", reason, strerror(-r));
                sd_event_unref(e);
                return r == -EOPNOTSUPP ? 77 : 1;
        }
        if (drop) {
                if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0) {
                        fprintf(stderr, "cannot become nobody: %s\n", strerror(errno));
                        return 1;
                }
        }
        printf("ready oom_victims=%d oom_scope=%d uid=%u\n", (int) probe_has_oom_victims(p),
               (int) probe_has_oom_scope(p), (unsigned) getuid());

        r = sd_event_loop(e);
        printf("lost=%llu\n", (unsigned long long) probe_lost(p));
        probe_free(p);
        sd_event_unref(e);
        return r < 0 ? 1 : 0;
}
