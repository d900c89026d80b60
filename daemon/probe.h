/* SPDX-License-Identifier: MIT */
/*
 * The kernel probe (issue 13): why a container's init died. Loads and attaches the CO-RE program
 * of daemon/bpf/probe.bpf.c (libbpf skeleton) and turns its ring buffer into one sd-event io
 * source with three callbacks: a signal generated for a PID-namespace init (with its sender), the
 * exit status of such an init as a waiter sees it, and an OOM victim in a non-initial PID
 * namespace. The kernel side filters alone, so after probe_new() no bpf() call is ever made: the
 * caller may drop CAP_BPF and CAP_PERFMON at once (FACTS.md §8).
 * Owns the BPF objects, the ring buffer and its event source. Knows nothing about containers:
 * mapping a PID, a PID namespace or a memory cgroup to a container is the caller's business.
 * Built without libbpf (configure --enable-probe=no, or no clang/bpftool/libbpf found), every
 * probe_new() fails with -EOPNOTSUPP.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

typedef struct Probe Probe;

#define PROBE_COMM_MAX 16       /* TASK_COMM_LEN, with its NUL */

/* A signal that could end a PID-namespace init (SIGCHLD, SIGURG, SIGWINCH, SIGCONT and the stop
 * signals are dropped in the kernel). */
typedef struct ProbeSignal {
        uint64_t monotonic_usec;        /* CLOCK_MONOTONIC when the kernel generated it */
        pid_t target_pid;               /* the init, as the host sees it */
        uint32_t target_pidns;          /* inode of its PID namespace */
        char target_comm[PROBE_COMM_MAX];
        int signo;
        int code;                       /* si_code: SI_USER 0, SI_KERNEL 0x80, SI_TKILL -6, ... */
        int result;                     /* 0 delivered, 1 ignored, 2 already pending, 3 overflow,
                                         * 4 lose info, 5 ... (TRACE_SIGNAL_*) */
        bool group;                     /* sent to the whole group (kill), not a thread */
        /* The sender: the current task when the kernel generated the signal. For a fault (SIGSEGV
         * with SI_KERNEL or a positive code) or an OOM kill it is the init itself or the task
         * that was allocating, not a "sender". */
        pid_t sender_pid;               /* tgid */
        pid_t sender_tid;
        uid_t sender_uid;
        uid_t sender_loginuid;          /* (uid_t) -1 when unset */
        uint32_t sender_pidns;          /* the sender's PID namespace inode */
        pid_t sender_parent_pid;
        char sender_comm[PROBE_COMM_MAX];
        char sender_parent_comm[PROBE_COMM_MAX];
        bool info_valid;                /* siginfo carried a pid and uid (kill, tgkill, sigqueue) */
        pid_t info_pid;                 /* ... as seen from the target's namespace */
        uid_t info_uid;
} ProbeSignal;

/* The last thread of a PID-namespace init's thread group exited. */
typedef struct ProbeExit {
        uint64_t monotonic_usec;
        pid_t pid;
        uint32_t pidns;
        char comm[PROBE_COMM_MAX];
        int status;                     /* wait(2) status: 0x300 = exited 3, 0x9 = SIGKILL */
} ProbeExit;

/* The OOM killer chose a task in a non-initial PID namespace (an init or any other process). */
typedef struct ProbeOomVictim {
        uint64_t monotonic_usec;
        pid_t pid;                      /* tgid, host */
        pid_t ns_pid;                   /* in its own PID namespace: 1 is the init */
        uint32_t pidns;
        char comm[PROBE_COMM_MAX];
        uid_t uid;
        int oom_score_adj;
        uint64_t rss_bytes;             /* anon + file + shmem */
        uint64_t anon_rss_bytes;
        uint64_t file_rss_bytes;
        uint64_t shmem_rss_bytes;
        uint64_t total_vm_bytes;
        uint64_t memcg_id;              /* inode of the victim's memory cgroup directory (v1 or v2) */
        uint64_t cgroup_id;             /* its v2 (default hierarchy) cgroup id */
        pid_t trigger_pid;              /* the task that was allocating */
        char trigger_comm[PROBE_COMM_MAX];
        uint64_t trigger_memcg_id;
        /* The memory cgroup whose limit was hit (inode of its directory), 0 for a global OOM;
         * meaningful only when oom_memcg_known (the kernel allowed the fentry program). */
        bool oom_memcg_known;
        uint64_t oom_memcg_id;
} ProbeOomVictim;

typedef struct ProbeCallbacks {
        void (*on_signal)(Probe *p, const ProbeSignal *s, void *userdata);
        void (*on_exit)(Probe *p, const ProbeExit *x, void *userdata);
        void (*on_oom_victim)(Probe *p, const ProbeOomVictim *v, void *userdata);
} ProbeCallbacks;

/*
 * Load and attach the probe and add its ring buffer to the loop e. cb (copied; any member may be
 * NULL) is called from e with userdata. The caller owns *ret (probe_free).
 * Returns 0, or -errno with *ret_reason (when not NULL) set to a static one-line reason:
 *   -EOPNOTSUPP  built without the probe;
 *   -ENOENT      the kernel has no BTF (/sys/kernel/btf/vmlinux);
 *   -ENOSYS      kernel too old (no BPF ring buffer: < 5.8; or no tp_btf);
 *   -EPERM       not privileged enough (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN);
 *   other        the verifier or the attach refused it (the libbpf log is at debug level).
 * Nothing is logged above debug: the caller decides what a failure means.
 */
int probe_new(sd_event *e, const ProbeCallbacks *cb, void *userdata, Probe **ret, const char **ret_reason);

/*
 * Whether probe_new() could work here, without loading anything or needing a privilege (for
 * --check-config): built with the probe, and the kernel has BTF. Returns 0, or -EOPNOTSUPP /
 * -ENOENT with *ret_reason as for probe_new().
 */
int probe_check(const char **ret_reason);

/* Detach and free; accepts NULL, returns NULL. */
Probe *probe_free(Probe *p);
static inline void probe_freep(Probe **p) {
        probe_free(*p);
}

/* Whether OOM victims come with the memory cgroup that hit its limit (oom_memcg_known). */
bool probe_has_oom_scope(const Probe *p);

/* Read every record queued now (the io source does this by itself). Returns the number handled
 * or -errno. */
int probe_drain(Probe *p);
