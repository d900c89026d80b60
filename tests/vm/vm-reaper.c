/* SPDX-License-Identifier: MIT */
/*
 * vm-reaper: the parent that reaps at once, as containerd-shim and conmon do, for the kernel
 * matrix tests (tests/vm/README.md).
 *
 *   vm-reaper CMD [ARGS...]
 *
 * Runs CMD as a child and reaps every process that ends up its child (CMD, and every orphan
 * re-parented to it) the moment it becomes a zombie, with a blocking waitpid(-1). The init of a
 * `runc run -d` container is such an orphan: runc exits, the init is re-parented to the nearest
 * subreaper or to PID 1, and so a daemon watching it races its reaper for /proc/PID/stat, exactly
 * as on a host where a shim is the init's parent.
 *
 * As PID 1 (the guest's /init): mounts nothing itself (CMD does), and when CMD ends it kills what
 * is left, syncs and powers the machine off (qemu -no-reboot then exits). Anywhere else it makes
 * itself a child subreaper (PR_SET_CHILD_SUBREAPER), forwards SIGTERM/SIGINT/SIGHUP to CMD, and
 * exits with CMD's exit status (128+N when CMD died of signal N) as soon as CMD ends.
 *
 * Statically linked, and never built with the sanitizers: it is the guest's PID 1.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t child_pid;

static void forward(int sig) {
        if (child_pid > 0)
                (void) kill(child_pid, sig);
}

static void power_off(void) {
        (void) kill(-1, SIGKILL);
        while (waitpid(-1, NULL, WNOHANG) > 0)
                ;
        sync();
        (void) reboot(RB_POWER_OFF);
        _exit(1); /* only if reboot() failed; the kernel then panics (panic=-1 reboots, qemu exits) */
}

int main(int argc, char **argv) {
        const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
        int pid1 = getpid() == 1, status = 0;
        pid_t pid;

        if (argc < 2) {
                fprintf(stderr, "usage: vm-reaper CMD [ARGS...]\n");
                return 2;
        }
        if (!pid1) {
                if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
                        fprintf(stderr, "vm-reaper: PR_SET_CHILD_SUBREAPER: %s\n", strerror(errno));
                        return 2;
                }
                for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
                        struct sigaction sa = { .sa_handler = forward, .sa_flags = SA_RESTART };
                        (void) sigaction(sigs[i], &sa, NULL);
                }
        }

        pid = fork();
        if (pid < 0) {
                fprintf(stderr, "vm-reaper: fork: %s\n", strerror(errno));
                if (pid1)
                        power_off();
                return 2;
        }
        if (pid == 0) {
                execvp(argv[1], argv + 1);
                fprintf(stderr, "vm-reaper: cannot run '%s': %s\n", argv[1], strerror(errno));
                _exit(127);
        }
        child_pid = pid;

        for (;;) {
                int st;
                pid_t p = waitpid(-1, &st, 0);

                if (p < 0) {
                        if (errno == EINTR)
                                continue;
                        break; /* ECHILD: CMD is gone and so is everything else */
                }
                if (p != pid)
                        continue; /* an orphan, reaped: that is the point */
                status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                break;
        }
        if (pid1)
                power_off();
        return status;
}
