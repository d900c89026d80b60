/* SPDX-License-Identifier: MIT */
/*
 * The user-space half of the kernel probe (probe.h): checks what the kernel offers, loads and
 * attaches the libbpf skeleton generated from daemon/bpf/probe.bpf.c, and decodes its ring buffer
 * records into ProbeSignal/ProbeExit/ProbeOomVictim for the caller's callbacks. After attach only
 * the ring buffer's mmap and its epoll fd are used, never bpf(). Owns the skeleton (programs,
 * links, map), the ring buffer and its event source; knows nothing about containers.
 */
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "log.h"
#include "probe-test.h" /* probe.h and what only its tests call */

#if HAVE_PROBE

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpf/probe-event.h"
#include "bpf/probe.skel.h"
#include "util/cleanup.h"

#define PROBE_VMLINUX_BTF "/sys/kernel/btf/vmlinux"

struct Probe {
        struct probe_bpf *skel;
        struct ring_buffer *rb;
        sd_event_source *io;
        ProbeCallbacks cb;
        void *userdata;
        uint64_t page_size;
        bool oom_victims;
        bool oom_scope;
};

/* libbpf's own messages (and the verifier's log on a refusal: one message of many lines) at
 * debug level, one log line per line. */
static int probe_libbpf_print(enum libbpf_print_level level, const char *format, va_list ap) {
        _cleanup_free_ char *buf = NULL;
        char *line, *save = NULL;

        (void) level;   /* all of it at debug: only a load failure makes it interesting */
        if (vasprintf(&buf, format, ap) < 0)
                return 0;
        for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
                (void) log_debug("libbpf: %s", line);
        return 0;
}

static void probe_copy_comm(char dst[PROBE_COMM_MAX], const char *src) {
        /* The kernel's comm is NUL-terminated within 16 bytes, but never trust a record. */
        memcpy(dst, src, PROBE_COMM_MAX);
        dst[PROBE_COMM_MAX - 1] = 0;
}

static void probe_decode_signal(Probe *p, const struct probe_ev_signal *e) {
        ProbeSignal s = {
                .monotonic_usec = e->hdr.ktime_ns / 1000,
                .target_pid = (pid_t) e->target.pid,
                .target_pidns = e->target.pidns_inum,
                .signo = e->sig,
                .code = e->code,
                .result = e->result,
                .group = e->group != 0,
                .sender_pid = (pid_t) e->sender_tgid,
                .sender_tid = (pid_t) e->sender_tid,
                .sender_uid = (uid_t) e->sender_uid,
                .sender_loginuid = (uid_t) e->sender_loginuid,
                .sender_pidns = e->sender_pidns_inum,
                .sender_parent_pid = (pid_t) e->sender_parent_tgid,
                .info_valid = e->info_valid != 0,
                .info_pid = (pid_t) e->info_pid,
                .info_uid = (uid_t) e->info_uid,
        };

        probe_copy_comm(s.target_comm, e->target.comm);
        probe_copy_comm(s.sender_comm, e->sender_comm);
        probe_copy_comm(s.sender_parent_comm, e->sender_parent_comm);
        if (p->cb.on_signal)
                p->cb.on_signal(p, &s, p->userdata);
}

static void probe_decode_exit(Probe *p, const struct probe_ev_exit *e) {
        ProbeExit x = {
                .monotonic_usec = e->hdr.ktime_ns / 1000,
                .pid = (pid_t) e->task.pid,
                .pidns = e->task.pidns_inum,
                .status = e->status,
        };

        probe_copy_comm(x.comm, e->task.comm);
        if (p->cb.on_exit)
                p->cb.on_exit(p, &x, p->userdata);
}

static void probe_decode_oom_victim(Probe *p, const struct probe_ev_oom_victim *e) {
        ProbeOomVictim v = {
                .monotonic_usec = e->hdr.ktime_ns / 1000,
                .pid = (pid_t) e->pid,
                .ns_pid = (pid_t) e->ns_pid,
                .pidns = e->pidns_inum,
                .uid = (uid_t) e->uid,
                .oom_score_adj = e->oom_score_adj,
                .anon_rss_bytes = e->anon_rss_pages * p->page_size,
                .file_rss_bytes = e->file_rss_pages * p->page_size,
                .shmem_rss_bytes = e->shmem_rss_pages * p->page_size,
                .total_vm_bytes = e->total_vm_pages * p->page_size,
                .memcg_id = e->memcg_id,
                .cgroup_id = e->dfl_cgroup_id,
                .trigger_pid = (pid_t) e->trigger_tgid,
                .trigger_memcg_id = e->trigger_memcg_id,
                .oom_memcg_known = e->oom_memcg_known != 0,
                .oom_memcg_id = e->oom_memcg_id,
        };

        v.rss_bytes = v.anon_rss_bytes + v.file_rss_bytes + v.shmem_rss_bytes;
        probe_copy_comm(v.comm, e->comm);
        probe_copy_comm(v.trigger_comm, e->trigger_comm);
        if (p->cb.on_oom_victim)
                p->cb.on_oom_victim(p, &v, p->userdata);
}

/* One ring buffer record. A record of an unknown type or a wrong size (a probe object from
 * another build) is skipped, never fatal. */
static int probe_on_record(void *ctx, void *data, size_t size) {
        Probe *p = ctx;
        const struct probe_ev_header *h = data;

        if (size < sizeof(*h) || h->size != size) {
                log_debug("probe: skipping a record of %zu bytes", size);
                return 0;
        }
        switch (h->type) {
        case PROBE_EV_SIGNAL:
                if (size == sizeof(struct probe_ev_signal))
                        probe_decode_signal(p, data);
                break;
        case PROBE_EV_EXIT:
                if (size == sizeof(struct probe_ev_exit))
                        probe_decode_exit(p, data);
                break;
        case PROBE_EV_OOM_VICTIM:
                if (size == sizeof(struct probe_ev_oom_victim))
                        probe_decode_oom_victim(p, data);
                break;
        default:
                log_debug("probe: skipping a record of unknown type %u", h->type);
        }
        return 0;
}

int probe_drain(Probe *p) {
        if (!p)
                return -EINVAL;
        return ring_buffer__consume(p->rb);
}

static int probe_on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Probe *p = userdata;
        int r;

        (void) s;
        (void) fd;
        (void) revents;
        r = probe_drain(p);
        if (r < 0)
                log_debug_errno(r, "probe: reading the ring buffer failed, ignoring: %m");
        return 0;
}

/* The BTF prototype of a raw tracepoint: btf_trace_<name> is a typedef of a pointer to a
 * FUNC_PROTO whose first parameter is the context (void *). Returns the number of tracepoint
 * arguments and whether argument arg_pointer (0-based, after the context) is a pointer; -ENOENT
 * when the kernel has no such tracepoint. */
static int probe_tp_proto(const struct btf *btf, const char *name, unsigned arg_pointer, bool *ret_is_ptr) {
        char typedef_name[128];
        const struct btf_type *t;
        const struct btf_param *params;
        int id;
        unsigned vlen;

        (void) snprintf(typedef_name, sizeof(typedef_name), "btf_trace_%s", name);
        id = btf__find_by_name_kind(btf, typedef_name, BTF_KIND_TYPEDEF);
        if (id < 0)
                return -ENOENT;
        t = btf__type_by_id(btf, (__u32) id);
        if (!t)
                return -ENOENT;
        t = btf__type_by_id(btf, t->type);              /* the pointer */
        if (!t || !btf_is_ptr(t))
                return -ENOENT;
        t = btf__type_by_id(btf, t->type);              /* the FUNC_PROTO */
        if (!t || !btf_is_func_proto(t))
                return -ENOENT;
        vlen = btf_vlen(t);
        if (vlen < 1)
                return -ENOENT;
        params = btf_params(t);
        if (ret_is_ptr) {
                const struct btf_type *a = NULL;
                if (arg_pointer + 1 < vlen) {
                        a = btf__type_by_id(btf, params[arg_pointer + 1].type);
                        while (a && (btf_is_mod(a) || btf_is_typedef(a)))
                                a = btf__type_by_id(btf, a->type);
                }
                *ret_is_ptr = a && btf_is_ptr(a);
        }
        return (int) vlen - 1;
}

/* Open the skeleton with the programs this kernel can take, load and attach it. */
static int probe_open_load(Probe *p, const char **ret_reason) {
        int r;

        /* The kernel's BTF named explicitly: libbpf then takes every CO-RE candidate from it
         * alone. Otherwise, for a relocation that has no candidate in vmlinux (the probe's
         * bpf_core_type_exists() checks of types that one kernel has and another lacks), libbpf
         * 1.1 goes on to iterate the kernel modules' BTF objects, and BPF_BTF_GET_NEXT_ID needs
         * CAP_SYS_ADMIN: with only CAP_BPF and CAP_PERFMON (the unit's), the whole load failed
         * with EPERM ("failed to iterate BTF objects"). The probe uses no module types. */
        struct bpf_object_open_opts opts = {
                .sz = sizeof(opts),     /* what LIBBPF_OPTS() sets; cppcheck cannot expand that macro */
                .btf_custom_path = PROBE_VMLINUX_BTF,
        };

        p->skel = probe_bpf__open_opts(&opts);
        if (!p->skel) {
                *ret_reason = "cannot open the probe's BPF object";
                return -ENOMEM;
        }
        if (!p->oom_victims)
                (void) bpf_program__set_autoload(p->skel->progs.on_mark_victim, false);
        if (!p->oom_scope)
                (void) bpf_program__set_autoload(p->skel->progs.on_out_of_memory, false);
        r = probe_bpf__load(p->skel);
        if (r < 0) {
                *ret_reason = r == -EPERM ? "not permitted to load BPF programs (CAP_BPF and CAP_PERFMON are needed at start)"
                                          : "the kernel refused to load the probe (verifier; the libbpf log is at debug level)";
                return r;
        }
        r = probe_bpf__attach(p->skel);
        if (r < 0)
                *ret_reason = r == -EPERM ? "not permitted to attach to tracepoints (CAP_PERFMON is needed at start)"
                                          : "attaching the probe to its tracepoints failed";
        return r;
}

/*
 * Does the kernel take an fentry program on this function (its BTF id in vmlinux)? Two
 * instructions, loaded and closed at once. Some kernels refuse every fentry program before
 * verification (FACTS.md 8, "fentry per kernel"): finding that out by loading the whole object
 * first cost a second open and load of it, and each parses the kernel's 5.5 MB of BTF twice, about
 * 30 ms of start-up. Anything but a load means no.
 */
static bool probe_fentry_loads(uint32_t btf_id) {
        const struct bpf_insn insns[] = {
                { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
                { .code = BPF_JMP | BPF_EXIT },
        };
        struct bpf_prog_load_opts opts = {
                .sz = sizeof(opts),     /* what LIBBPF_OPTS() sets; cppcheck cannot expand that macro */
                .expected_attach_type = BPF_TRACE_FENTRY,
                .attach_btf_id = btf_id,
        };
        int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "cw_fentry_check", "Dual MIT/GPL", insns,
                               sizeof(insns) / sizeof(insns[0]), &opts);

        if (fd < 0)
                return false;
        (void) close(fd);
        return true;
}

/* Parsing the kernel's BTF (twice: here, and in libbpf for CO-RE) takes about 11 MB of heap that is
 * freed once the probe is loaded, but glibc keeps the pages: the daemon's resident memory stayed at
 * 15.8 MB instead of 4.5 MB. Give them back once, after loading. */
static void probe_trim_heap(void) {
        (void) malloc_trim(0);
}

int probe_new(sd_event *e, const ProbeCallbacks *cb, void *userdata, Probe **ret, const char **ret_reason) {
        _cleanup_(probe_freep) Probe *p = NULL;
        struct btf *vmlinux;
        const char *reason = NULL;
        bool task_arg = false;
        int oom_fn;
        long ps;
        int r;

        if (!e || !ret)
                return -EINVAL;

        (void) libbpf_set_print(probe_libbpf_print);

        if (access(PROBE_VMLINUX_BTF, R_OK) < 0) {
                r = -errno;
                reason = r == -ENOENT ? "the kernel has no BTF (" PROBE_VMLINUX_BTF "; CONFIG_DEBUG_INFO_BTF)"
                                      : "cannot read " PROBE_VMLINUX_BTF;
                goto fail;
        }

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        if (cb)
                p->cb = *cb;
        p->userdata = userdata;
        ps = sysconf(_SC_PAGESIZE);
        p->page_size = ps > 0 ? (uint64_t) ps : 4096;

        /* Which tracepoints the kernel has, and in which shape, from its BTF (no privilege
         * needed): mark_victim took only a pid before it gained the task argument. */
        vmlinux = btf__load_vmlinux_btf();
        if (!vmlinux) {
                /* libbpf >= 1.0 returns NULL and sets errno. */
                r = errno > 0 ? -errno : -ENOENT;
                reason = "cannot parse the kernel's BTF (" PROBE_VMLINUX_BTF ")";
                goto fail;
        }
        if (probe_tp_proto(vmlinux, "signal_generate", 0, NULL) < 5 ||
            probe_tp_proto(vmlinux, "sched_process_exit", 0, NULL) < 1) {
                btf__free(vmlinux);
                r = -ENOSYS;
                reason = "the kernel lacks the signal_generate or sched_process_exit tracepoint";
                goto fail;
        }
        p->oom_victims = probe_tp_proto(vmlinux, "mark_victim", 0, &task_arg) >= 1 && task_arg;
        /* fentry needs the function in BTF (it may be missing where it was inlined). */
        oom_fn = p->oom_victims ? btf__find_by_name_kind(vmlinux, "out_of_memory", BTF_KIND_FUNC) : -1;
        p->oom_scope = oom_fn > 0;
        btf__free(vmlinux);

        /* bpf() itself, with the simplest map there is: EPERM means no CAP_BPF (with
         * kernel.unprivileged_bpf_disabled set, every bpf() call needs it). Then a ring buffer:
         * libbpf's probe says 0 for "not supported" (< 5.8). */
        r = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, sizeof(int), sizeof(int), 1, NULL);
        if (r < 0) {
                reason = r == -EPERM ? "not permitted to use bpf() (CAP_BPF and CAP_PERFMON are needed at start)"
                                     : "bpf() failed";
                goto fail;
        }
        (void) safe_close(r);
        r = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);
        if (r <= 0) {
                r = r < 0 ? r : -ENOSYS;
                reason = "the kernel has no BPF ring buffer (Linux >= 5.8 is needed)";
                goto fail;
        }

        if (p->oom_scope && !probe_fentry_loads((uint32_t) oom_fn)) {
                log_debug("probe: the kernel refuses fentry programs: no OOM scope.");
                p->oom_scope = false;
        }

        r = probe_open_load(p, &reason);
        if (r < 0 && p->oom_scope) {
                /* fentry needs BPF trampolines (ftrace direct calls), which some kernels lack
                 * (the refusal comes after verification, as EPERM or ENOTSUPP): everything
                 * else works without the OOM scope. */
                log_debug_errno(r, "probe: loading with the out_of_memory fentry failed, retrying without it: %m");
                probe_bpf__destroy(p->skel);
                p->skel = NULL;
                p->oom_scope = false;
                r = probe_open_load(p, &reason);
        }
        if (r < 0)
                goto fail;

        p->rb = ring_buffer__new(bpf_map__fd(p->skel->maps.events), probe_on_record, p, NULL);
        if (!p->rb) {
                r = -errno;
                if (r >= 0)
                        r = -ENOMEM;
                reason = "cannot map the probe's ring buffer";
                goto fail;
        }
        r = sd_event_add_io(e, &p->io, ring_buffer__epoll_fd(p->rb), EPOLLIN, probe_on_io, p);
        if (r < 0) {
                reason = "cannot add the probe's ring buffer to the event loop";
                goto fail;
        }
        (void) sd_event_source_set_description(p->io, "probe-ringbuf");

        probe_trim_heap();
        *ret = TAKE_PTR(p);
        return 0;

fail:
        probe_trim_heap();
        if (ret_reason)
                *ret_reason = reason;
        return r;
}

int probe_check(const char **ret_reason) {
        if (access(PROBE_VMLINUX_BTF, R_OK) < 0) {
                if (ret_reason)
                        *ret_reason = "the kernel has no BTF (" PROBE_VMLINUX_BTF "; CONFIG_DEBUG_INFO_BTF)";
                return -ENOENT;
        }
        return 0;
}

Probe *probe_free(Probe *p) {
        if (!p)
                return NULL;
        p->io = sd_event_source_disable_unref(p->io);
        ring_buffer__free(p->rb);
        probe_bpf__destroy(p->skel);
        free(p);
        return NULL;
}

uint64_t probe_lost(const Probe *p) {
        if (!p || !p->skel || !p->skel->bss)
                return 0;
        return __atomic_load_n(&p->skel->bss->lost, __ATOMIC_RELAXED);
}

bool probe_has_oom_victims(const Probe *p) {
        return p && p->oom_victims;
}

bool probe_has_oom_scope(const Probe *p) {
        return p && p->oom_scope;
}

#else /* !HAVE_PROBE */

int probe_check(const char **ret_reason) {
        if (ret_reason)
                *ret_reason = "built without the kernel probe (configure --enable-probe)";
        return -EOPNOTSUPP;
}

int probe_new(sd_event *e, const ProbeCallbacks *cb, void *userdata, Probe **ret, const char **ret_reason) {
        (void) e;
        (void) cb;
        (void) userdata;
        (void) ret;
        if (ret_reason)
                *ret_reason = "built without the kernel probe (configure --enable-probe)";
        return -EOPNOTSUPP;
}

Probe *probe_free(Probe *p) {
        (void) p;
        return NULL;
}

uint64_t probe_lost(const Probe *p) {
        (void) p;
        return 0;
}

bool probe_has_oom_victims(const Probe *p) {
        (void) p;
        return false;
}

bool probe_has_oom_scope(const Probe *p) {
        (void) p;
        return false;
}

int probe_drain(Probe *p) {
        (void) p;
        return -EOPNOTSUPP;
}

#endif
