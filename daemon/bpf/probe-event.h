/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The records the kernel probe (probe.bpf.c) writes into its ring buffer, shared byte for byte by
 * the BPF program and daemon/probe.c. Fixed-width types only, no pointers, every field naturally
 * aligned, so that both compilers (clang -target bpf and the host's) lay them out alike. Owns no
 * logic; daemon/probe.h has the plain C structs the rest of the daemon sees.
 */
#pragma once

#ifndef __bpf__
#include <linux/types.h>
#endif

#define PROBE_COMM_LEN 16

enum {
        PROBE_EV_SIGNAL = 1,            /* signal_generate for a PID-namespace init */
        PROBE_EV_EXIT = 2,              /* the last thread of a PID-namespace init's group exited */
        PROBE_EV_OOM_VICTIM = 3,        /* mark_victim for a task in a non-initial PID namespace */
};

/* Every record starts with this. ktime_ns is CLOCK_MONOTONIC (bpf_ktime_get_ns). */
struct probe_ev_header {
        __u32 type;
        __u32 size;                     /* sizeof the whole record */
        __u64 ktime_ns;
};

/* A PID-namespace init (the target of a signal, the one that exited). */
struct probe_ev_task {
        __u32 pid;                      /* tgid in the initial PID namespace */
        __u32 pidns_inum;               /* inode of its /proc/<pid>/ns/pid (0 if unknown) */
        char comm[PROBE_COMM_LEN];
};

struct probe_ev_signal {
        struct probe_ev_header hdr;
        struct probe_ev_task target;
        __s32 sig;
        __s32 code;                     /* si_code: SI_USER 0, SI_KERNEL 0x80, SI_TKILL -6, ... */
        __s32 err;                      /* si_errno */
        __s32 result;                   /* TRACE_SIGNAL_DELIVERED 0, _IGNORED 1, _ALREADY_PENDING 2, ... */
        __s32 group;                    /* a group-wide signal (kill) rather than one for a thread */
        /* The sender: the task that was current when the kernel generated the signal. For a fault
         * or an OOM kill that is the faulting or allocating task itself. */
        __u32 sender_tid;
        __u32 sender_tgid;
        __u32 sender_uid;               /* real uid */
        __u32 sender_loginuid;          /* audit login uid; (__u32)-1 if unset or no CONFIG_AUDIT */
        __u32 sender_parent_tgid;
        /* What siginfo claims (kill, tgkill, rt_sigqueueinfo); info_valid=0 for SEND_SIG_NOINFO,
         * SEND_SIG_PRIV and codes that carry no sender. */
        __u32 info_pid;
        __u32 info_uid;
        __u32 info_valid;
        __u32 sender_pidns_inum;        /* the sender's PID namespace: a container's or the host's */
        char sender_comm[PROBE_COMM_LEN];
        char sender_parent_comm[PROBE_COMM_LEN];
};

struct probe_ev_exit {
        struct probe_ev_header hdr;
        struct probe_ev_task task;
        __s32 status;                   /* as wait(2) reports it: group_exit_code or exit_code */
        __s32 exit_code;                /* the leader's exit_code */
        __s32 group_exit_code;
        __u32 signal_flags;             /* signal_struct.flags (SIGNAL_GROUP_EXIT 0x4) */
};

struct probe_ev_oom_victim {
        struct probe_ev_header hdr;
        __u32 pid;                      /* tgid, initial PID namespace */
        __u32 tid;
        __u32 ns_pid;                   /* its number in its own PID namespace (1: the init) */
        __u32 pidns_inum;
        __u32 uid;
        __s32 oom_score_adj;
        __u64 total_vm_pages;
        __u64 anon_rss_pages;
        __u64 file_rss_pages;
        __u64 shmem_rss_pages;
        /* kernfs id (= inode number on 64-bit) of the victim's memory-controller cgroup, on v1
         * and v2 alike, and of its default-hierarchy (v2) cgroup; 0 when unknown. */
        __u64 memcg_id;
        __u64 dfl_cgroup_id;
        /* The task that was allocating when the OOM killer ran (current). */
        __u32 trigger_tid;
        __u32 trigger_tgid;
        __u64 trigger_memcg_id;
        /* The memory cgroup whose limit was hit (out_of_memory's oc->memcg), 0 for a global OOM;
         * oom_memcg_known=0 when the kernel offered no fentry on out_of_memory. */
        __u64 oom_memcg_id;
        __u32 oom_memcg_known;
        __u32 pad;
        char comm[PROBE_COMM_LEN];
        char trigger_comm[PROBE_COMM_LEN];
};
