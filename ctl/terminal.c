/* SPDX-License-Identifier: MIT */
/*
 * Pager and colours for container-watchctl (see terminal.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include "terminal.h"
#include "util/cleanup.h"
#include "util/strutil.h"

static int colors = -1;
static pid_t pager_pid = 0;

bool colors_enabled(void) {
        if (colors < 0) {
                const char *term = getenv("TERM");

                colors = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && !streq_ptr(term, "dumb");
        }
        return colors;
}

const char *ansi_highlight_red(void) {
        return colors_enabled() ? "\x1b[0;1;31m" : "";
}

const char *ansi_highlight_yellow(void) {
        return colors_enabled() ? "\x1b[0;1;33m" : "";
}

const char *ansi_underline(void) {
        return colors_enabled() ? "\x1b[0;4m" : "";
}

const char *ansi_normal(void) {
        return colors_enabled() ? "\x1b[0m" : "";
}

int pager_open(bool no_pager) {
        const char *pager = getenv("PAGER");
        int fds[2];
        pid_t pid, parent = getpid();

        (void) colors_enabled(); /* decided on the terminal, before the pager takes it */
        if (no_pager || pager_pid > 0 || !isatty(STDOUT_FILENO))
                return 0;
        if (pager && (isempty(pager) || streq(pager, "cat")))
                return 0;
        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        (void) fflush(stdout);
        pid = fork();
        if (pid < 0) {
                int r = -errno;

                (void) safe_close(fds[0]);
                (void) safe_close(fds[1]);
                return r;
        }
        if (pid == 0) {
                /* the pager: reads the pipe, and goes when we go */
                if (dup2(fds[0], STDIN_FILENO) < 0)
                        _exit(EXIT_FAILURE);
                (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
                if (getppid() != parent)
                        _exit(EXIT_FAILURE);
                (void) setenv("LESS", getenv("LESS") ?: "FRSXMK", 1);
                if (pager)
                        execl("/bin/sh", "sh", "-c", pager, (char *) NULL);
                else {
                        execlp("less", "less", (char *) NULL);
                        execlp("more", "more", (char *) NULL);
                }
                /* no pager at all: copy the pipe through, so that the output is not lost */
                for (;;) {
                        char buf[4096];
                        ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

                        if (n <= 0 || write(STDOUT_FILENO, buf, (size_t) n) != n)
                                _exit(n < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
                }
        }
        if (dup2(fds[1], STDOUT_FILENO) < 0) {
                int r = -errno;

                (void) safe_close(fds[0]);
                (void) safe_close(fds[1]);
                (void) kill(pid, SIGTERM);
                (void) waitpid(pid, NULL, 0);
                return r;
        }
        (void) safe_close(fds[0]);
        (void) safe_close(fds[1]);
        pager_pid = pid;
        return 0;
}

void pager_close(void) {
        if (pager_pid <= 0)
                return;
        (void) fflush(stdout);
        (void) fclose(stdout);
        (void) close(STDOUT_FILENO);
        while (waitpid(pager_pid, NULL, 0) < 0 && errno == EINTR)
                ;
        pager_pid = 0;
}
