/* SPDX-License-Identifier: MIT */
/*
 * crash: dies of a real SIGSEGV, for the kernel matrix tests (tests/vm/README.md).
 *
 * A container init is PID 1 of its PID namespace: a SIGSEGV it sends itself (`kill -SEGV $$`) is
 * dropped like any signal without a handler, but one the kernel raises for a bad memory access is
 * forced and kills it. Statically linked, so that it runs from a bind mount in any rootfs.
 */
#include <signal.h>
#include <stdint.h>

int main(int argc, char **argv) {
        /* NULL when run without arguments, but not a constant the compiler could turn into a trap */
        volatile int *p = (volatile int *) (uintptr_t) (argc - 1);

        (void) argv;
        (void) signal(SIGSEGV, SIG_DFL);
        return *p;
}
