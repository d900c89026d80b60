/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The few kernel types probe.bpf.c reads, declared by hand instead of a vmlinux.h generated from
 * /sys/kernel/btf/vmlinux. Every struct carries preserve_access_index, so each field access is a
 * CO-RE relocation that libbpf resolves against the running kernel's BTF at load time: the offsets
 * written here do not matter, only the names and the kinds of the fields. Why hand-written:
 *   - the build needs no /sys/kernel/btf (package builders, chroots, containers, distcheck on a
 *     machine whose kernel has no BTF), and its output does not depend on the build machine's
 *     kernel;
 *   - it is 100 lines in the tarball instead of a 3 MB generated file, and it names exactly the
 *     fields the probe depends on.
 * Fields that moved between kernels have "___old"/"___new" flavours (the part after ___ is ignored
 * when matching), picked at load time with bpf_core_type_exists()/bpf_core_field_exists().
 */
#pragma once

typedef signed char __s8;
typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef _Bool bool;
#define true 1
#define false 0

/* The map types and flags the program uses (uapi linux/bpf.h; values are ABI). */
enum bpf_map_type { BPF_MAP_TYPE_LRU_HASH = 9, BPF_MAP_TYPE_RINGBUF = 27 };
#define BPF_ANY 0

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

typedef struct { int counter; } atomic_t;
typedef struct { long counter; } atomic_long_t;
typedef struct { unsigned int val; } kuid_t;

struct ns_common {
        unsigned int inum;
};
struct pid_namespace {
        struct ns_common ns;
};
struct upid {
        int nr;
        struct pid_namespace *ns;
};
struct pid {
        unsigned int level;
        struct upid numbers[1];
};

struct cred {
        kuid_t uid;
};

struct signal_struct {
        atomic_t live;
        int group_exit_code;
        unsigned int flags;
        short oom_score_adj;
};

struct kernfs_node {
        __u64 id;
};
struct cgroup {
        struct kernfs_node *kn;
};
struct cgroup_subsys_state {
        struct cgroup *cgroup;
};
struct css_set {
        struct cgroup_subsys_state *subsys[14];
        struct cgroup *dfl_cgrp;
};
enum cgroup_subsys_id {
        memory_cgrp_id = 4,
};

/* mm counters: MM_FILEPAGES 0, MM_ANONPAGES 1, MM_SWAPENTS 2, MM_SHMEMPAGES 3. Up to 6.1 an
 * atomic_long_t array in struct mm_rss_stat, since 6.2 an array of percpu_counter (whose count
 * lags the per-CPU deltas by at most a batch: good enough for a report). */
struct mm_rss_stat {
        atomic_long_t count[4];
};
struct mm_struct___old {
        struct mm_rss_stat rss_stat;
};
struct percpu_counter {
        __s64 count;
};
struct mm_struct {
        struct percpu_counter rss_stat[4];
        unsigned long total_vm;
};

struct mem_cgroup {
        struct cgroup_subsys_state css;
};
struct oom_control {
        struct mem_cgroup *memcg;
};

union __sifields {
        struct {
                int _pid;
                unsigned int _uid;
        } _kill;
};
struct kernel_siginfo {
        int si_signo;
        int si_errno;
        int si_code;
        union __sifields _sifields;
};

struct task_struct {
        int pid;
        int tgid;
        unsigned int flags;
        int exit_code;
        char comm[16];
        struct task_struct *real_parent;
        struct task_struct *group_leader;
        struct pid *thread_pid;
        const struct cred *real_cred;
        struct signal_struct *signal;
        struct mm_struct *mm;
        struct css_set *cgroups;
        kuid_t loginuid;
};

#pragma clang attribute pop
