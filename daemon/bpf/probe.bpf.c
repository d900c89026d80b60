/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The kernel half of the probe (daemon/probe.c loads it): three BTF-typed raw tracepoints (tp_btf,
 * no tracefs needed) feeding one ring buffer, following only PID-namespace inits (FACTS.md §8):
 *   signal_generate     a signal that could end an init, with its sender (the current task);
 *   sched_process_exit  the last thread of an init's group: the status a waiter will get;
 *   mark_victim         an OOM victim in a non-initial PID namespace, init or not, with the task
 *                       that was allocating (current) and the victim's memory cgroup;
 * and one fentry program on out_of_memory() that notes, per allocating task, which memory cgroup
 * hit its limit (oc->memcg, NULL for a global OOM), for mark_victim to report (OOM_SCOPE). It is
 * optional: probe.c does not load it where the kernel's BTF has no out_of_memory function.
 * The filter is decided here alone ("the init of a non-initial PID namespace"), so user space never
 * writes a map and can drop CAP_BPF/CAP_PERFMON once attached. Reads go through BPF_CORE_READ
 * (CO-RE relocations, probe_read_kernel): the same object loads on 6.1 and 6.18.
 */
#include "probe-kernel.h"

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "probe-event.h"

/* "Dual MIT/GPL" is GPL-compatible for the kernel (bpf_probe_read_kernel is GPL-only). */
char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define SIGNAL_GROUP_EXIT 0x00000004     /* include/linux/sched/signal.h, unchanged since 2.6 */
#define MAX_PID_NS_LEVEL 32
#define SI_USER 0
#define SI_QUEUE -1
#define SI_TKILL -6
#define SI_KERNEL 0x80

struct {
        __uint(type, BPF_MAP_TYPE_RINGBUF);
        __uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* Written by the kernel side only: the memory cgroup under OOM, per allocating thread, from
 * out_of_memory() entry to the mark_victim() calls inside it (an OOM group kill marks several). */
struct oom_ctx {
        __u64 memcg_id;
};
struct {
        __uint(type, BPF_MAP_TYPE_LRU_HASH);
        __uint(max_entries, 256);
        __type(key, __u32);
        __type(value, struct oom_ctx);
} oom_ctx SEC(".maps");

/* Records the ring buffer had no room for; user space reads it through the mmap'ed .bss. */
__u64 lost = 0;

/* PID-namespace facts about a task's thread group leader. */
struct ns_facts {
        __u32 level;            /* 0: the initial namespace */
        __u32 nr;               /* its number in its own (innermost) namespace */
        __u32 inum;             /* that namespace's inode */
};

/* The first test in memory, taken for every kept signal and every exit on the machine: the level
 * of the task's own PID namespace, in two direct (CO-RE relocated) loads through the BTF-typed
 * pointer, no helper call. Every thread of a group is in its leader's namespace (clone() refuses
 * CLONE_THREAD across PID namespaces), so the thread's own struct pid tells it without reading
 * group_leader. 0 (a host process) is the common case on a host, and the end of the program. */
static __always_inline unsigned int task_ns_level(struct task_struct *t) {
        struct pid *pid = t->thread_pid;

        return pid ? pid->level : 0;
}

/* The leader's number in its own (innermost) namespace and that namespace: numbers[] is a
 * flexible array indexed by a run-time value, so its address is computed from relocated offsets,
 * on a pid pointer read with probe_read (6.1's verifier refuses that arithmetic on a BTF pointer),
 * and the upid, { int nr; struct pid_namespace *ns; } on every kernel since 2.6.24, is read whole. */
static __always_inline bool leader_upid(struct task_struct *leader, unsigned int level, int *ret_nr,
                                        struct pid_namespace **ret_ns) {
        struct upid u = { .nr = 0, .ns = NULL };
        struct pid *pid = BPF_CORE_READ(leader, thread_pid);
        const char *upid;

        if (!pid || level > MAX_PID_NS_LEVEL)
                return false;
        upid = (const char *) pid + bpf_core_field_offset(struct pid, numbers) +
                (__u64) level * bpf_core_type_size(struct upid);
        if (bpf_probe_read_kernel(&u, sizeof(u), upid) < 0)
                return false;
        *ret_nr = u.nr;
        *ret_ns = u.ns;
        return true;
}

/* The facts about a task's group leader, for the records. */
static __always_inline bool task_ns_facts(struct task_struct *t, struct ns_facts *ret) {
        struct pid_namespace *ns = NULL;
        struct task_struct *leader = t->group_leader;
        unsigned int level = task_ns_level(t);
        int nr = 0;

        if (!leader || !leader_upid(leader, level, &nr, &ns))
                return false;
        ret->level = level;
        ret->nr = (__u32) nr;
        ret->inum = ns ? BPF_CORE_READ(ns, ns.inum) : 0;
        return true;
}

/* The target is the init of a non-initial PID namespace: a container's init. A host task is out
 * after two loads; a container's other tasks after three and two probe_reads (the leader's number
 * in its namespace is not 1); the namespace's inode is read only for an init. */
static __always_inline bool task_is_ns_init(struct task_struct *t, struct ns_facts *f) {
        struct pid_namespace *ns = NULL;
        struct task_struct *leader;
        unsigned int level = task_ns_level(t);
        int nr = 0;

        if (level == 0)
                return false;
        leader = t->group_leader;
        if (!leader || !leader_upid(leader, level, &nr, &ns) || nr != 1)
                return false;
        f->level = level;
        f->nr = 1;
        f->inum = ns ? BPF_CORE_READ(ns, ns.inum) : 0;
        return true;
}

/* Signals that can end an init. Dropped: those whose default action is to ignore, continue or
 * stop (SIGCHLD from its children, SIGURG that runc's Go init sends itself dozens of times,
 * SIGWINCH, SIGCONT, the stop signals). The rest may kill (SIGKILL from an ancestor namespace,
 * or a signal the init handles and exits on) or be part of a stop sequence (SIGTERM, even when
 * ignored), so they are kept. One bit per signal (bit sig - 1 of 1..64): a shift and a mask, the
 * first test of every signal on the machine, on a value already in a register. */
#define SIG_BIT(s) (1ULL << ((s) - 1))
#define SIGNALS_KEPT (~(SIG_BIT(17) /* SIGCHLD */ | SIG_BIT(18) /* SIGCONT */ | \
                        SIG_BIT(19) /* SIGSTOP */ | SIG_BIT(20) /* SIGTSTP */ | \
                        SIG_BIT(21) /* SIGTTIN */ | SIG_BIT(22) /* SIGTTOU */ | \
                        SIG_BIT(23) /* SIGURG */ | SIG_BIT(28) /* SIGWINCH */))

static __always_inline bool signal_can_end(int sig) {
        unsigned int bit = (unsigned int) sig - 1;

        return bit < 64 && ((SIGNALS_KEPT >> bit) & 1);
}

static __always_inline void fill_header(struct probe_ev_header *h, __u32 type, __u32 size) {
        h->type = type;
        h->size = size;
        h->ktime_ns = bpf_ktime_get_ns();
}

static __always_inline __u32 task_loginuid(struct task_struct *t) {
        if (!bpf_core_field_exists(t->loginuid))
                return (__u32) -1;
        return BPF_CORE_READ(t, loginuid.val);
}

/* The record of a signal that can end an init, to a task in a non-initial PID namespace: the rest
 * of the filter and the record, in a function of its own (a BPF-to-BPF call). The JIT gives it a
 * frame of its own, so that the program's entry, which every signal on the machine runs, saves no
 * callee-saved register and reserves no stack. The arguments are read from the tracepoint's
 * context again (the verifier types them from their offsets, as in the program). */
static __noinline int record_signal(unsigned long long *ctx) {
        int sig = (int) ctx[0];
        struct kernel_siginfo *info = (struct kernel_siginfo *) ctx[1];
        struct task_struct *task = (struct task_struct *) ctx[2];
        int group = (int) ctx[3];
        int result = (int) ctx[4];
        struct task_struct *cur, *parent;
        struct probe_ev_signal *e;
        struct ns_facts target, sender;

        if (!task_is_ns_init(task, &target))
                return 0;

        e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
        if (!e) {
                __sync_fetch_and_add(&lost, 1);
                return 0;
        }
        fill_header(&e->hdr, PROBE_EV_SIGNAL, sizeof(*e));
        e->target.pid = (__u32) BPF_CORE_READ(task, tgid);
        e->target.pidns_inum = target.inum;
        BPF_CORE_READ_STR_INTO(&e->target.comm, task, group_leader, comm);
        e->sig = sig;
        e->group = group;
        e->result = result;

        /* info may be one of the special pointers SEND_SIG_NOINFO (0: a user's kill from the
         * current task) or SEND_SIG_PRIV (1: the kernel); the tracepoint itself maps them so. */
        e->info_valid = 0;
        e->info_pid = 0;
        e->info_uid = 0;
        if ((unsigned long) info == 0) {
                e->code = SI_USER;
                e->err = 0;
        } else if ((unsigned long) info == 1) {
                e->code = SI_KERNEL;
                e->err = 0;
        } else {
                e->code = BPF_CORE_READ(info, si_code);
                e->err = BPF_CORE_READ(info, si_errno);
                if (e->code == SI_USER || e->code == SI_TKILL || e->code == SI_QUEUE) {
                        e->info_pid = (__u32) BPF_CORE_READ(info, _sifields._kill._pid);
                        e->info_uid = BPF_CORE_READ(info, _sifields._kill._uid);
                        e->info_valid = 1;
                }
        }

        cur = bpf_get_current_task_btf();
        e->sender_tid = (__u32) BPF_CORE_READ(cur, pid);
        e->sender_tgid = (__u32) BPF_CORE_READ(cur, tgid);
        e->sender_uid = BPF_CORE_READ(cur, real_cred, uid.val);
        e->sender_loginuid = task_loginuid(cur);
        e->sender_pidns_inum = task_ns_facts(cur, &sender) ? sender.inum : 0;
        BPF_CORE_READ_STR_INTO(&e->sender_comm, cur, group_leader, comm);
        parent = BPF_CORE_READ(cur, real_parent);
        e->sender_parent_tgid = parent ? (__u32) BPF_CORE_READ(parent, tgid) : 0;
        if (parent)
                BPF_CORE_READ_STR_INTO(&e->sender_parent_comm, parent, group_leader, comm);
        else
                e->sender_parent_comm[0] = 0;

        bpf_ringbuf_submit(e, 0);
        return 0;
}

/* Every signal generated on the machine passes here: the common case (a target that is no
 * container's init) must end in as few instructions as possible. Neither the signal's result nor
 * its si_code can narrow it (an ignored SIGTERM dates a stop sequence; an already pending SIGKILL
 * may be the fatal one), and no bpf_get_current_*() before the filter: the sender is read only for
 * a record. signal_generate is the one hook with the sender as the current task (signal_deliver
 * runs in the target, after the fact, and a SIGKILL carries no siginfo there). */
SEC("tp_btf/signal_generate")
int BPF_PROG(on_signal_generate, int sig, struct kernel_siginfo *info, struct task_struct *task) {
        if (!signal_can_end(sig) || task_ns_level(task) == 0)
                return 0;
        return record_signal(ctx);
}

/* The record of an exit in a non-initial PID namespace, out of the program's entry as for the
 * signals (record_signal). */
static __noinline int record_exit(unsigned long long *ctx) {
        struct task_struct *p = (struct task_struct *) ctx[0];
        struct signal_struct *sig;
        struct task_struct *leader;
        struct probe_ev_exit *e;
        struct ns_facts f;
        unsigned int flags;

        /* The group is dead when signal->live reached 0: do_exit() decrements it before this
         * tracepoint, so only the last thread of the group sees 0. */
        sig = p->signal;
        if (!sig || sig->live.counter != 0 || !task_is_ns_init(p, &f))
                return 0;

        e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
        if (!e) {
                __sync_fetch_and_add(&lost, 1);
                return 0;
        }
        fill_header(&e->hdr, PROBE_EV_EXIT, sizeof(*e));
        leader = BPF_CORE_READ(p, group_leader);
        e->task.pid = (__u32) BPF_CORE_READ(p, tgid);
        e->task.pidns_inum = f.inum;
        BPF_CORE_READ_STR_INTO(&e->task.comm, leader, comm);
        flags = BPF_CORE_READ(p, signal, flags);
        e->signal_flags = flags;
        e->group_exit_code = BPF_CORE_READ(p, signal, group_exit_code);
        /* The leader's exit_code: a waiter reaps the leader (wait_task_zombie). If the leader is
         * not the last thread, it exited earlier and its exit_code is already final. */
        e->exit_code = BPF_CORE_READ(leader, exit_code);
        e->status = (flags & SIGNAL_GROUP_EXIT) ? e->group_exit_code : e->exit_code;
        bpf_ringbuf_submit(e, 0);
        return 0;
}

/* Every exit on the machine passes here: a host task is out after two loads (task_ns_level),
 * without touching its signal_struct, and with no frame. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_sched_process_exit, struct task_struct *p) {
        if (task_ns_level(p) == 0)
                return 0;
        return record_exit(ctx);
}

/* kernfs id of the cgroup of a task's memory controller (v1 or v2), 0 when there is none. */
static __always_inline __u64 task_memcg_id(struct task_struct *t) {
        struct cgroup_subsys_state *css = NULL;
        struct css_set *cs;
        int id;

        if (!bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
                return 0;
        id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
        if (id < 0 || id >= 64)
                return 0;
        cs = BPF_CORE_READ(t, cgroups);
        if (!cs)
                return 0;
        if (bpf_probe_read_kernel(&css, sizeof(css), (const char *) cs +
                                  bpf_core_field_offset(struct css_set, subsys) +
                                  (__u64) id * sizeof(void *)) < 0 || !css)
                return 0;
        return BPF_CORE_READ(css, cgroup, kn, id);
}

static __always_inline __u64 mm_counter(struct mm_struct *mm, int i) {
        long v;

        if (bpf_core_type_exists(struct mm_rss_stat)) {
                struct mm_struct___old *old = (void *) mm;
                switch (i) {
                case 0: v = BPF_CORE_READ(old, rss_stat.count[0].counter); break;
                case 1: v = BPF_CORE_READ(old, rss_stat.count[1].counter); break;
                default: v = BPF_CORE_READ(old, rss_stat.count[3].counter); break;
                }
        } else {
                switch (i) {
                case 0: v = BPF_CORE_READ(mm, rss_stat[0].count); break;
                case 1: v = BPF_CORE_READ(mm, rss_stat[1].count); break;
                default: v = BPF_CORE_READ(mm, rss_stat[3].count); break;
                }
        }
        return v > 0 ? (__u64) v : 0;
}

SEC("fentry/out_of_memory")
int BPF_PROG(on_out_of_memory, struct oom_control *oc) {
        struct mem_cgroup *memcg = BPF_CORE_READ(oc, memcg);
        struct oom_ctx c = { .memcg_id = 0 };
        __u32 tid = (__u32) bpf_get_current_pid_tgid();

        if (memcg)
                c.memcg_id = BPF_CORE_READ(memcg, css.cgroup, kn, id);
        (void) bpf_map_update_elem(&oom_ctx, &tid, &c, BPF_ANY);
        return 0;
}

/* mark_victim(struct task_struct *task, uid_t uid) on 6.1.192 and 6.18; older kernels had
 * mark_victim(int pid), which probe.c detects from the BTF prototype and then does not load. */
SEC("tp_btf/mark_victim")
int BPF_PROG(on_mark_victim, struct task_struct *task) {
        struct task_struct *cur;
        struct probe_ev_oom_victim *e;
        struct mm_struct *mm;
        struct ns_facts f;

        if (!task_ns_facts(task, &f) || f.level == 0)
                return 0;

        e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
        if (!e) {
                __sync_fetch_and_add(&lost, 1);
                return 0;
        }
        fill_header(&e->hdr, PROBE_EV_OOM_VICTIM, sizeof(*e));
        e->pid = (__u32) BPF_CORE_READ(task, tgid);
        e->tid = (__u32) BPF_CORE_READ(task, pid);
        e->ns_pid = f.nr;
        e->pidns_inum = f.inum;
        e->uid = BPF_CORE_READ(task, real_cred, uid.val);
        e->oom_score_adj = BPF_CORE_READ(task, signal, oom_score_adj);
        BPF_CORE_READ_STR_INTO(&e->comm, task, group_leader, comm);
        mm = BPF_CORE_READ(task, mm);
        if (mm) {
                e->total_vm_pages = BPF_CORE_READ(mm, total_vm);
                e->file_rss_pages = mm_counter(mm, 0);
                e->anon_rss_pages = mm_counter(mm, 1);
                e->shmem_rss_pages = mm_counter(mm, 3);
        } else {
                e->total_vm_pages = e->file_rss_pages = e->anon_rss_pages = e->shmem_rss_pages = 0;
        }
        e->memcg_id = task_memcg_id(task);
        e->dfl_cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);

        cur = bpf_get_current_task_btf();
        e->trigger_tid = (__u32) BPF_CORE_READ(cur, pid);
        e->trigger_tgid = (__u32) BPF_CORE_READ(cur, tgid);
        e->trigger_memcg_id = task_memcg_id(cur);
        {
                __u32 tid = e->trigger_tid;
                struct oom_ctx *c = bpf_map_lookup_elem(&oom_ctx, &tid);
                e->oom_memcg_id = c ? c->memcg_id : 0;
                e->oom_memcg_known = c ? 1 : 0;
                e->pad = 0;
        }
        BPF_CORE_READ_STR_INTO(&e->trigger_comm, cur, group_leader, comm);
        bpf_ringbuf_submit(e, 0);
        return 0;
}
