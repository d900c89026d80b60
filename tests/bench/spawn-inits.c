/* SPDX-License-Identifier: MIT */
/*
 * spawn-inits: a load generator of fake runc containers, for the benchmarks.
 *
 *   spawn-inits -r ROOT -k STAMPFILE [-s BYTES] [--reap-delay MS] [--keep]
 *               [--docker-data DIR --docker-config FILE] [--podman GRAPHROOT]
 *
 * Each "container" is a real process (a child of this helper that only pause()s) with a state
 * directory ROOT/<id>/ holding a runc-format state.json whose init_process_pid and
 * init_process_start are true, written as runc writes it: a temporary "state-<n>" file, then a
 * rename to state.json. The children are created with clone(CLONE_VM) on small private stacks, so
 * that they share this helper's memory: 10,000 of them cost kernel task structures and little else.
 * The helper is their parent and reaps them like a shim does: at once (default), after a delay
 * (--reap-delay MS), or not until quit (--reap-delay -1, like a lazy PID 1). After the reap it
 * removes the state directory, as `runc delete` does, unless --keep.
 *
 * Reaping at once is O(1) per exit, as on a host where each container has a shim of its own: each
 * child's pidfd (CLONE_PIDFD) in an epoll set, then waitid(P_PIDFD). Not waitpid(-1): with 10,000
 * children every call walks all of them under the kernel's tasklist_lock, which delays the next
 * victim's own exit (its exit_notify() waits for that lock): with 10,000 children, the bare pidfd
 * reference (pidfd-ref) saw a container's exit 2-4 ms after its kill at p90, against 0.4-0.9 ms
 * with 200. A child without a pidfd (descriptors exhausted) is reaped by waitpid(-1) as before.
 *
 * --docker-data DIR --docker-config FILE: also give each container Docker's record of it, a copy of
 * FILE as DIR/containers/<id>/config.v2.json (the daemon reads it for a root ".../runtime-runc/moby"
 * with DockerDataRoot=DIR), removed with the state directory.
 *
 * --podman GRAPHROOT: state files as Podman's runc writes them: labels io.container.manager=libpod
 * and bundle=GRAPHROOT/overlay-containers/<id>/userdata (the caller writes the containers.json
 * beside them that names the containers).
 *
 * -s BYTES pads state.json to about BYTES: libcontainer "mounts" entries, then (past ~2.4 KB) a
 * "seccomp" profile of one object per syscall, as Docker's (runc writes ~1.5-6 KB; Docker's is ~30 KB,
 * two thirds of it the seccomp profile). Default 1536.
 *
 * Commands, one per line on stdin; each is answered with one line "ok ..." on stdout:
 *   spawn N               create N containers; answered once every state.json is in place
 *   list FILE [K]         write "ID PID" of the (first K) live containers to FILE
 *   kill-all              SIGKILL every live container, as fast as possible ("ok kill-all N FIRST LAST")
 *   kill-each N MS        SIGKILL the N oldest live containers one at a time, MS apart
 *   cycle K MS            K times: create one container, wait MS, kill it, wait MS
 *   churn RATE SECS LIFE  create RATE containers per second for SECS seconds, each killed LIFE ms
 *                         after its creation ("ok churn CREATED")
 *   rewrite BYTES         rewrite every live container's state.json at a new size
 *   wait-reaped           wait until every killed container has been reaped (not with -1)
 *   stamps FILE           append the stamps to FILE from now on
 *   quit                  kill and reap everything, remove every state directory, exit
 *
 * STAMPFILE receives one line per event, CLOCK_REALTIME nanoseconds:
 *   S ID PID NS          state.json renamed into place
 *   K ID PID NS          just before kill(PID, SIGKILL)
 *   R ID PID NS WSTATUS  reaped
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "bench-util.h"

#define PROG "spawn-inits"
#define STACK_SIZE (16 * 1024)
#define MAX_SLOTS 40000
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

enum { ST_ALIVE, ST_KILLED, ST_REAPED };

typedef struct Ctr {
        pid_t pid;
        int slot;
        int state;
        int pidfd;                   /* in epfd until the reap, with --reap-delay 0; else -1 */
        uint64_t reap_due;           /* CLOCK_MONOTONIC ns, with --reap-delay > 0 */
} Ctr;

static const char *arg_root;
static size_t arg_size = 1536;
static long arg_reap_delay_ms = 0;
static bool arg_keep = false;
static const char *arg_docker_data, *arg_docker_config, *arg_podman;
static char *docker_config_buf;
static size_t docker_config_len;

static int rootfd = -1, sigfd = -1, epfd = -1;
static size_t n_without_pidfd;       /* unreaped children that waitpid(-1) must find */
static FILE *stamps;
static Ctr *ctrs;
static size_t n_ctrs, cap_ctrs, first_alive, n_alive, n_unreaped;
static int *pid_map;                 /* pid -> index + 1 into ctrs */
static size_t pid_map_len;
static char *stacks;
static int *free_slots;
static size_t n_free_slots, next_slot;
static size_t *reap_q;               /* FIFO of indexes, with --reap-delay > 0 */
static size_t reap_q_head, reap_q_tail, reap_q_cap;   /* a growing array, never wraps */
static uint32_t run_tag;

static void ctr_id(size_t i, char buf[static 65]) {
        /* 64 characters like a Docker id; the first 12 (the short id) are unique */
        snprintf(buf, 65, "b%05x%06zx%052x", run_tag & 0xfffff, i, 0);
        for (char *p = buf + 12; *p; p++)
                *p = "0123456789abcdef"[(i * 7 + (size_t) (p - buf)) & 15];
}

static int child_main(void *arg) {
        (void) arg;
        /* The helper's death must not leave 10,000 orphans behind. */
        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
        for (;;)
                pause();
        return 0;
}

static uint64_t proc_starttime(pid_t pid) {
        char path[64], buf[1024], *p;
        ssize_t n;
        int fd;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                die(PROG, "open /proc/PID/stat");
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                die(PROG, "read /proc/PID/stat");
        buf[n] = 0;
        p = strrchr(buf, ')');
        if (!p)
                return 0;
        p++;
        /* p points before field 3; field 22 is the 20th field from here */
        for (int f = 3; f < 22; f++) {
                p = strchr(p + 1, ' ');
                if (!p)
                        return 0;
        }
        return strtoull(p + 1, NULL, 10);
}

static void rfc3339(uint64_t ns, char *buf, size_t l) {
        time_t t = (time_t) (ns / 1000000000ULL);
        struct tm tm;
        size_t k;

        gmtime_r(&t, &tm);
        k = strftime(buf, l, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf + k, l - k, ".%09" PRIu64 "Z", (uint64_t) (ns % 1000000000ULL));
}

static char *json_buf;
static size_t json_cap;

static void json_put(size_t *len, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void json_put(size_t *len, const char *fmt, ...) {
        va_list ap;
        int k;

        for (;;) {
                va_start(ap, fmt);
                k = vsnprintf(json_buf + *len, json_cap - *len, fmt, ap);
                va_end(ap);
                if (k < 0)
                        die(PROG, "vsnprintf");
                if ((size_t) k < json_cap - *len)
                        break;
                json_cap = json_cap * 2 + (size_t) k;
                json_buf = realloc(json_buf, json_cap);
                if (!json_buf)
                        die(PROG, "realloc");
        }
        *len += (size_t) k;
}

/* A libcontainer state.json (runc 1.1 layout, FACTS.md 3.3) padded to about arg_size bytes. */
static size_t build_state(const char *id, pid_t pid, uint64_t start, size_t target) {
        static const char *const ns[][2] = {
                { "NEWNS", "mnt" }, { "NEWUTS", "uts" }, { "NEWIPC", "ipc" }, { "NEWPID", "pid" },
                { "NEWNET", "net" }, { "NEWCGROUP", "cgroup" },
        };
        char created[64];
        size_t len = 0;

        rfc3339(now_ns(), created, sizeof(created));
        if (!json_buf) {
                json_cap = 65536;
                json_buf = malloc(json_cap);
        }
        json_put(&len,
                 "{\"id\":\"%s\",\"init_process_pid\":%d,\"init_process_start\":%" PRIu64 ",\"created\":\"%s\","
                 "\"config\":{\"no_pivot_root\":false,\"parent_death_signal\":0,\"rootfs\":\"/run/bench/%s/rootfs\","
                 "\"umask\":null,\"readonlyfs\":true,\"rootPropagation\":0,\"hostname\":\"%.12s\","
                 "\"labels\":[",
                 id, (int) pid, start, created, id, id);
        if (arg_podman)
                json_put(&len, "\"bundle=%s/overlay-containers/%s/userdata\",\"io.container.manager=libpod\"",
                         arg_podman, id);
        else
                json_put(&len, "\"bundle=/run/bench/%s\"", id);
        json_put(&len, "],\"cgroups\":{\"path\":\"/bench/%s\",\"rootless_cgroups\":false},\"namespaces\":[", id);
        for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
                json_put(&len, "%s{\"type\":\"%s\",\"path\":\"\"}", i ? "," : "", ns[i][0]);
        /* Mounts as runc writes them (up to ~2.4 KB, as in a Docker state.json), then the rest of the
         * padding as Docker's seccomp profile: one {"name","action","errnoRet","args"} per syscall. */
        json_put(&len, "],\"mounts\":[");
        for (size_t i = 0; i < 12 && (len < (target > 700 ? target - 700 : 0) || i == 0); i++)
                json_put(&len,
                         "%s{\"source\":\"tmpfs\",\"destination\":\"/bench/m%zu\",\"device\":\"tmpfs\",\"flags\":16777218,"
                         "\"propagation_flags\":null,\"data\":\"mode=755,size=65536k\",\"relabel\":\"\",\"rec_attr\":null,"
                         "\"extensions\":0,\"premount_cmds\":null,\"postmount_cmds\":null}",
                         i ? "," : "", i);
        json_put(&len, "]");
        if (len + 700 < target) {
                json_put(&len, ",\"seccomp\":{\"default_action\":2,\"default_errno_ret\":1,\"architectures\":[3221225534,1073741827,1073741886],\"syscalls\":[");
                for (size_t i = 0; len + 700 < target || i == 0; i++)
                        json_put(&len, "%s{\"name\":\"syscall_%zu\",\"action\":4,\"errnoRet\":null,\"args\":[]}",
                                 i ? "," : "", i);
                json_put(&len, "]}");
        }
        json_put(&len, "},\"rootless\":false,\"cgroup_paths\":{},\"namespace_paths\":{");
        for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
                json_put(&len, "%s\"%s\":\"/proc/%d/ns/%s\"", i ? "," : "", ns[i][0], (int) pid, ns[i][1]);
        json_put(&len, "},\"external_descriptors\":[\"/dev/null\",\"/dev/null\",\"/dev/null\"],\"intel_rdt_path\":\"\"}");
        return len;
}

static void write_state(size_t i, size_t size) {
        static unsigned tmpn;
        char id[65], tmp[32];
        size_t len, off = 0;
        int dfd, fd;

        ctr_id(i, id);
        if (mkdirat(rootfd, id, 0711) < 0 && errno != EEXIST)
                die(PROG, "mkdir state directory");
        dfd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                die(PROG, "open state directory");
        len = build_state(id, ctrs[i].pid, proc_starttime(ctrs[i].pid), size);
        snprintf(tmp, sizeof(tmp), "state-%u", ++tmpn);
        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
                die(PROG, "create state-*");
        while (off < len) {
                ssize_t k = write(fd, json_buf + off, len - off);
                if (k < 0)
                        die(PROG, "write state-*");
                off += (size_t) k;
        }
        close(fd);
        if (renameat(dfd, tmp, dfd, "state.json") < 0)
                die(PROG, "rename state.json");
        close(dfd);
}

/* DIR/containers/<id>/config.v2.json, a copy of --docker-config with its "Name" made this
 * container's own, "/cw-<id>" (written as Docker does: a temporary file renamed into place). */
static void write_docker_config(const char *id) {
        char path[4096], tmp[4200], name[80];
        const char *n = memmem(docker_config_buf, docker_config_len, "\"Name\":\"", 8), *e = NULL;
        size_t off = 0, head = docker_config_len, tail = docker_config_len;
        int fd;

        if (n)
                e = memchr(n + 8, '"', docker_config_len - (size_t) (n + 8 - docker_config_buf));
        if (e) {
                head = (size_t) (n + 8 - docker_config_buf);
                tail = (size_t) (e - docker_config_buf);
        }
        snprintf(name, sizeof(name), "/cw-%.12s", id);

        snprintf(path, sizeof(path), "%s/containers/%s", arg_docker_data, id);
        if (mkdir(path, 0700) < 0 && errno != EEXIST)
                die(PROG, "mkdir docker container directory");
        snprintf(tmp, sizeof(tmp), "%s/.tmp-config.v2.json", path);
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                die(PROG, "create config.v2.json");
        /* the template up to the name, the name, the rest */
        if (write(fd, docker_config_buf, head) != (ssize_t) head ||
            (e && write(fd, name, strlen(name)) != (ssize_t) strlen(name)))
                die(PROG, "write config.v2.json");
        for (off = tail; off < docker_config_len;) {
                ssize_t k = write(fd, docker_config_buf + off, docker_config_len - off);
                if (k < 0)
                        die(PROG, "write config.v2.json");
                off += (size_t) k;
        }
        close(fd);
        snprintf(path + strlen(path), sizeof(path) - strlen(path), "/config.v2.json");
        if (rename(tmp, path) < 0)
                die(PROG, "rename config.v2.json");
}

static void remove_docker_config(const char *id) {
        char path[4096];

        snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json", arg_docker_data, id);
        (void) unlink(path);
        *strrchr(path, '/') = 0;
        (void) rmdir(path);
}

static void remove_state(size_t i) {
        char id[65];
        int dfd;

        ctr_id(i, id);
        if (arg_docker_data)
                remove_docker_config(id);
        dfd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
                (void) unlinkat(dfd, "state.json", 0);
                close(dfd);
        }
        (void) unlinkat(rootfd, id, AT_REMOVEDIR);
}

static size_t spawn_one(void) {
        char id[65];
        size_t i;
        pid_t pid = -1;
        int pidfd = -1;
        int slot;

        if (n_ctrs == cap_ctrs) {
                cap_ctrs = cap_ctrs ? cap_ctrs * 2 : 1024;
                ctrs = realloc(ctrs, cap_ctrs * sizeof(*ctrs));
                if (!ctrs)
                        die(PROG, "realloc");
        }
        if (n_free_slots > 0)
                slot = free_slots[--n_free_slots];
        else if (next_slot < MAX_SLOTS)
                slot = (int) next_slot++;
        else {
                errno = EMFILE;
                die(PROG, "out of child stacks (reap more)");
        }
        if (arg_reap_delay_ms == 0)
                pid = clone(child_main, stacks + (size_t) (slot + 1) * STACK_SIZE, CLONE_VM | CLONE_FILES | CLONE_PIDFD | SIGCHLD,
                            NULL, &pidfd);
        if (arg_reap_delay_ms != 0 || (pid < 0 && errno == EMFILE)) {
                pidfd = -1;
                pid = clone(child_main, stacks + (size_t) (slot + 1) * STACK_SIZE, CLONE_VM | SIGCHLD, NULL);
        }
        if (pid < 0)
                die(PROG, "clone");
        i = n_ctrs++;
        ctrs[i] = (Ctr) { .pid = pid, .slot = slot, .state = ST_ALIVE, .pidfd = pidfd };
        if (pidfd >= 0) {
                struct epoll_event ev = { .events = EPOLLIN, .data.u64 = i };

                (void) fcntl(pidfd, F_SETFD, FD_CLOEXEC);
                if (epoll_ctl(epfd, EPOLL_CTL_ADD, pidfd, &ev) < 0)
                        die(PROG, "epoll_ctl");
        } else
                n_without_pidfd++;
        if ((size_t) pid < pid_map_len)
                pid_map[pid] = (int) i + 1;
        n_alive++;
        n_unreaped++;
        ctr_id(i, id);
        if (arg_docker_data)
                write_docker_config(id); /* before the state file: Docker writes it at create */
        write_state(i, arg_size);
        fprintf(stamps, "S %s %d %" PRIu64 "\n", id, (int) pid, now_ns());
        return i;
}

static void on_reaped(pid_t pid, int ws) {
        uint64_t t = now_ns();
        char id[65];
        size_t i;

        if (pid <= 0 || (size_t) pid >= pid_map_len || pid_map[pid] == 0)
                return;
        i = (size_t) pid_map[pid] - 1;
        pid_map[pid] = 0;
        if (ctrs[i].state == ST_ALIVE) {
                n_alive--;
        }
        ctrs[i].state = ST_REAPED;
        n_unreaped--;
        if (ctrs[i].pidfd >= 0) {
                (void) epoll_ctl(epfd, EPOLL_CTL_DEL, ctrs[i].pidfd, NULL);
                close(ctrs[i].pidfd);
                ctrs[i].pidfd = -1;
        } else
                n_without_pidfd--;
        free_slots[n_free_slots++] = ctrs[i].slot;
        ctr_id(i, id);
        fprintf(stamps, "R %s %d %" PRIu64 " %d\n", id, (int) pid, t, ws);
        if (!arg_keep)
                remove_state(i);
}

/* The wait status waitpid() would have given, from waitid()'s siginfo. */
static int wait_status_of(const siginfo_t *si) {
        switch (si->si_code) {
        case CLD_EXITED: return (si->si_status & 0xff) << 8;
        case CLD_DUMPED: return (si->si_status & 0x7f) | 0x80;
        default:         return si->si_status & 0x7f;
        }
}

static void reap_ready(void) {
        struct epoll_event evs[256];
        int ws, n;
        pid_t pid;

        while ((n = epoll_wait(epfd, evs, (int) (sizeof(evs) / sizeof(evs[0])), 0)) > 0)
                for (int k = 0; k < n; k++) {
                        size_t i = (size_t) evs[k].data.u64;
                        siginfo_t si = {};

                        if (ctrs[i].pidfd >= 0 && waitid((idtype_t) P_PIDFD, (id_t) ctrs[i].pidfd, &si, WEXITED | WNOHANG) == 0 &&
                            si.si_pid > 0)
                                on_reaped(si.si_pid, wait_status_of(&si));
                }
        if (n_without_pidfd > 0)
                while ((pid = waitpid(-1, &ws, WNOHANG)) > 0)
                        on_reaped(pid, ws);
}

static void kill_one(size_t i) {
        char id[65];

        ctr_id(i, id);
        fprintf(stamps, "K %s %d %" PRIu64 "\n", id, (int) ctrs[i].pid, now_ns());
        if (kill(ctrs[i].pid, SIGKILL) < 0)
                die(PROG, "kill");
        ctrs[i].state = ST_KILLED;
        n_alive--;
        if (arg_reap_delay_ms > 0) {
                if (reap_q_tail == reap_q_cap) {
                        reap_q_cap = reap_q_cap ? reap_q_cap * 2 : 4096;
                        reap_q = realloc(reap_q, reap_q_cap * sizeof(*reap_q));
                        if (!reap_q)
                                die(PROG, "realloc");
                }
                ctrs[i].reap_due = mono_ns() + (uint64_t) arg_reap_delay_ms * 1000000ULL;
                reap_q[reap_q_tail++] = i;
        }
}

/* Reap what is due (at once, or --reap-delay after the kill), then wait until the monotonic
 * deadline (0: do not wait; UINT64_MAX: no deadline) or until wake_fd (if >= 0) is readable. */
static void pump_fd(uint64_t deadline, int wake_fd) {
        for (;;) {
                uint64_t now = mono_ns(), until, next_due = 0;
                struct pollfd p[3];
                struct timespec ts, *tsp = NULL;
                nfds_t np = 0;

                if (arg_reap_delay_ms > 0)
                        while (reap_q_head < reap_q_tail) {
                                size_t i = reap_q[reap_q_head];
                                int ws;

                                if (ctrs[i].reap_due > now) {
                                        next_due = ctrs[i].reap_due;
                                        break;
                                }
                                if (waitpid(ctrs[i].pid, &ws, 0) == ctrs[i].pid)
                                        on_reaped(ctrs[i].pid, ws);
                                reap_q_head++;
                        }
                else if (arg_reap_delay_ms == 0) {
                        struct signalfd_siginfo si;

                        while (read(sigfd, &si, sizeof(si)) == sizeof(si))
                                ;
                        reap_ready();
                }
                now = mono_ns();
                if (deadline == 0 || now >= deadline)
                        return;
                until = deadline;
                if (next_due > 0 && next_due < until)
                        until = next_due;
                if (until != UINT64_MAX) {
                        ts = (struct timespec) { .tv_sec = (time_t) ((until - now) / 1000000000ULL),
                                                 .tv_nsec = (long) ((until - now) % 1000000000ULL) };
                        tsp = &ts;
                }
                if (arg_reap_delay_ms == 0) {
                        p[np++] = (struct pollfd) { .fd = epfd, .events = POLLIN };
                        if (n_without_pidfd > 0)
                                p[np++] = (struct pollfd) { .fd = sigfd, .events = POLLIN };
                }
                if (wake_fd >= 0)
                        p[np++] = (struct pollfd) { .fd = wake_fd, .events = POLLIN };
                if (ppoll(p, np, tsp, NULL) > 0 && wake_fd >= 0 && p[np - 1].revents)
                        return;
        }
}

static void pump(uint64_t deadline) {
        pump_fd(deadline, -1);
}

static size_t next_alive(void) {
        while (first_alive < n_ctrs && ctrs[first_alive].state != ST_ALIVE)
                first_alive++;
        return first_alive;
}

static void cmd_kill_all(void) {
        uint64_t first = now_ns(), last;
        size_t n = 0;

        for (size_t i = next_alive(); i < n_ctrs; i++)
                if (ctrs[i].state == ST_ALIVE) {
                        kill_one(i);
                        n++;
                }
        last = now_ns();
        pump(0);
        printf("ok kill-all %zu %" PRIu64 " %" PRIu64 "\n", n, first, last);
}

static void cmd_kill_each(size_t n, long ms) {
        size_t done = 0;

        while (done < n && next_alive() < n_ctrs) {
                kill_one(first_alive);
                done++;
                pump(mono_ns() + (uint64_t) ms * 1000000ULL);
        }
        printf("ok kill-each %zu\n", done);
}

static void cmd_cycle(size_t k, long ms) {
        for (size_t j = 0; j < k; j++) {
                size_t i = spawn_one();

                pump(mono_ns() + (uint64_t) ms * 1000000ULL);
                kill_one(i);
                pump(mono_ns() + (uint64_t) ms * 1000000ULL);
        }
        printf("ok cycle %zu\n", k);
}

static void cmd_churn(double rate, double secs, long life_ms) {
        uint64_t t0 = mono_ns(), end = t0 + (uint64_t) (secs * 1e9), period = (uint64_t) (1e9 / rate);
        uint64_t next_create = t0, life = (uint64_t) life_ms * 1000000ULL;
        size_t *q = NULL, qh = 0, qt = 0, qcap = 0, created = 0;
        uint64_t *due = NULL;

        for (;;) {
                uint64_t now = mono_ns(), next;

                if (next_create < end && now >= next_create) {
                        if (qt - qh == qcap) {
                                size_t cap = qcap ? qcap * 2 : 4096, n = qt - qh;
                                size_t *nq = malloc(cap * sizeof(*nq));
                                uint64_t *nd = malloc(cap * sizeof(*nd));

                                if (!nq || !nd)
                                        die(PROG, "malloc");
                                for (size_t j = 0; j < n; j++) {
                                        nq[j] = q[(qh + j) % qcap];
                                        nd[j] = due[(qh + j) % qcap];
                                }
                                free(q);
                                free(due);
                                q = nq;
                                due = nd;
                                qcap = cap;
                                qh = 0;
                                qt = n;
                        }
                        q[qt % qcap] = spawn_one();
                        due[qt % qcap] = now + life;
                        qt++;
                        created++;
                        next_create += period;
                        continue;
                }
                if (qh < qt && now >= due[qh % qcap]) {
                        kill_one(q[qh % qcap]);
                        qh++;
                        continue;
                }
                if (next_create >= end && qh == qt)
                        break;
                next = next_create < end ? next_create : UINT64_MAX;
                if (qh < qt && due[qh % qcap] < next)
                        next = due[qh % qcap];
                pump(next);
        }
        free(q);
        free(due);
        pump(mono_ns() + 50 * 1000000ULL);
        printf("ok churn %zu\n", created);
}

static void cmd_list(const char *path, size_t k) {
        FILE *f = fopen(path, "we");
        char id[65];
        size_t n = 0;

        if (!f)
                die(PROG, "open list file");
        for (size_t i = next_alive(); i < n_ctrs && n < k; i++)
                if (ctrs[i].state == ST_ALIVE) {
                        ctr_id(i, id);
                        fprintf(f, "%s %d\n", id, (int) ctrs[i].pid);
                        n++;
                }
        fclose(f);
        printf("ok list %zu\n", n);
}

static void cmd_rewrite(size_t size) {
        size_t n = 0;

        arg_size = size;
        for (size_t i = next_alive(); i < n_ctrs; i++)
                if (ctrs[i].state == ST_ALIVE) {
                        write_state(i, size);
                        n++;
                }
        printf("ok rewrite %zu %zu\n", n, size);
}

static void cmd_wait_reaped(void) {
        while (n_unreaped > n_alive)
                pump(mono_ns() + 1000000ULL);
        printf("ok wait-reaped\n");
}

static void cmd_quit(void) {
        int ws;

        for (size_t i = next_alive(); i < n_ctrs; i++)
                if (ctrs[i].state == ST_ALIVE)
                        kill_one(i);
        arg_reap_delay_ms = 0;
        arg_keep = false;
        for (size_t i = 0; i < n_ctrs; i++)
                if (ctrs[i].state == ST_KILLED && waitpid(ctrs[i].pid, &ws, 0) == ctrs[i].pid)
                        on_reaped(ctrs[i].pid, ws);
        for (size_t i = 0; i < n_ctrs; i++)
                remove_state(i);
        printf("ok quit\n");
}

static void usage(FILE *f) {
        fputs("usage: spawn-inits -r ROOT -k STAMPFILE [-s BYTES] [--reap-delay MS] [--keep]\n"
              "                   [--docker-data DIR --docker-config FILE] [--podman GRAPHROOT]\n", f);
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "root", required_argument, NULL, 'r' },
                { "stamps", required_argument, NULL, 'k' },
                { "size", required_argument, NULL, 's' },
                { "reap-delay", required_argument, NULL, 'd' },
                { "keep", no_argument, NULL, 'K' },
                { "docker-data", required_argument, NULL, 'D' },
                { "docker-config", required_argument, NULL, 'C' },
                { "podman", required_argument, NULL, 'P' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        const char *stamp_path = NULL;
        char *line = NULL;
        size_t line_cap = 0;
        sigset_t ss;
        int c;

        while ((c = getopt_long(argc, argv, "r:k:s:h", options, NULL)) >= 0)
                switch (c) {
                case 'r':
                        arg_root = optarg;
                        break;
                case 'k':
                        stamp_path = optarg;
                        break;
                case 's':
                        arg_size = strtoul(optarg, NULL, 10);
                        break;
                case 'd':
                        arg_reap_delay_ms = strtol(optarg, NULL, 10);
                        break;
                case 'K':
                        arg_keep = true;
                        break;
                case 'D':
                        arg_docker_data = optarg;
                        break;
                case 'C':
                        arg_docker_config = optarg;
                        break;
                case 'P':
                        arg_podman = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 1;
                }
        if (!arg_root || !stamp_path) {
                usage(stderr);
                return 1;
        }

        if (!!arg_docker_data != !!arg_docker_config) {
                usage(stderr);
                return 1;
        }
        if (arg_docker_data) {
                char path[4096];
                FILE *f = fopen(arg_docker_config, "re");

                if (!f)
                        die(PROG, "open --docker-config");
                docker_config_buf = malloc(4 * 1024 * 1024);
                if (!docker_config_buf)
                        die(PROG, "malloc");
                docker_config_len = fread(docker_config_buf, 1, 4 * 1024 * 1024, f);
                fclose(f);
                snprintf(path, sizeof(path), "%s/containers", arg_docker_data);
                (void) mkdir(arg_docker_data, 0711);
                (void) mkdir(path, 0711);
        }
        (void) mkdir(arg_root, 0711);
        rootfd = open(arg_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                die(PROG, "open root");
        stamps = fopen(stamp_path, "ae");
        if (!stamps)
                die(PROG, "open stamp file");
        run_tag = (uint32_t) (now_ns() / 1000) ^ (uint32_t) getpid();

        sigemptyset(&ss);
        sigaddset(&ss, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0)
                die(PROG, "sigprocmask");
        sigfd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
        if (sigfd < 0)
                die(PROG, "signalfd");
        epfd = epoll_create1(EPOLL_CLOEXEC);
        if (epfd < 0)
                die(PROG, "epoll_create1");

        {
                FILE *f = fopen("/proc/sys/kernel/pid_max", "re");
                unsigned long pm = 4194304;

                if (f) {
                        if (fscanf(f, "%lu", &pm) != 1)
                                pm = 4194304;
                        fclose(f);
                }
                pid_map_len = pm + 1;
                pid_map = calloc(pid_map_len, sizeof(int));
        }
        stacks = mmap(NULL, (size_t) MAX_SLOTS * STACK_SIZE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
        free_slots = malloc(MAX_SLOTS * sizeof(int));
        if (stacks == MAP_FAILED || !pid_map || !free_slots)
                die(PROG, "allocate");

        setvbuf(stdout, NULL, _IOLBF, 0);
        for (;;) {
                char cmd[32], a1[4096];
                double x2 = 0, x3 = 0;
                int k;

                pump_fd(UINT64_MAX, STDIN_FILENO);    /* keep reaping while idle */
                if (getline(&line, &line_cap, stdin) < 0) {
                        cmd_quit();
                        break;
                }
                a1[0] = 0;
                k = sscanf(line, "%31s %4095s %lf %lf", cmd, a1, &x2, &x3);
                if (k < 1)
                        continue;
                if (!strcmp(cmd, "spawn")) {
                        size_t n = strtoul(a1, NULL, 10);

                        for (size_t j = 0; j < n; j++) {
                                spawn_one();
                                if ((j & 255) == 0)
                                        pump(0);
                        }
                        pump(0);
                        printf("ok spawn %zu live %zu\n", n, n_alive);
                } else if (!strcmp(cmd, "list"))
                        cmd_list(a1, k >= 3 ? (size_t) x2 : SIZE_MAX);
                else if (!strcmp(cmd, "kill-all"))
                        cmd_kill_all();
                else if (!strcmp(cmd, "kill-each"))
                        cmd_kill_each(strtoul(a1, NULL, 10), (long) x2);
                else if (!strcmp(cmd, "cycle"))
                        cmd_cycle(strtoul(a1, NULL, 10), (long) x2);
                else if (!strcmp(cmd, "churn"))
                        cmd_churn(strtod(a1, NULL), x2, (long) x3);
                else if (!strcmp(cmd, "rewrite"))
                        cmd_rewrite(strtoul(a1, NULL, 10));
                else if (!strcmp(cmd, "stamps")) {
                        fclose(stamps);
                        stamps = fopen(a1, "ae");
                        if (!stamps)
                                die(PROG, "open stamp file");
                        printf("ok stamps\n");
                } else if (!strcmp(cmd, "wait-reaped"))
                        cmd_wait_reaped();
                else if (!strcmp(cmd, "quit")) {
                        cmd_quit();
                        break;
                } else
                        printf("error unknown command '%s'\n", cmd);
                fflush(stamps);
        }
        fflush(stamps);
        free(line);
        return 0;
}
