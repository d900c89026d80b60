/* SPDX-License-Identifier: MIT */
/*
 * Dropping capabilities after start-up (see privileges.h). Raw capget/capset and prctl: no libcap.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "privileges.h"

static int cap_last(void) {
        /* prctl(PR_CAPBSET_READ) fails with EINVAL past the last capability the kernel knows */
        int c = 40;

        while (c > 0 && prctl(PR_CAPBSET_READ, (unsigned long) c, 0, 0, 0) < 0)
                c--;
        return c;
}

int privileges_drop(void) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
        struct __user_cap_data_struct d[2] = {};
        uint32_t extra;
        bool setpcap;
        int last = cap_last();

        if (syscall(SYS_capget, &h, d) < 0)
                return -errno;
        setpcap = d[0].effective & (UINT32_C(1) << CAP_SETPCAP);

        if (setpcap)
                for (int c = 0; c <= last; c++)
                        if (!(PRIVILEGES_KEEP & (UINT64_C(1) << c)) &&
                            prctl(PR_CAPBSET_DROP, (unsigned long) c, 0, 0, 0) < 0 && errno != EINVAL)
                                return -errno;

        /* Already no more than the two (the unit's CapabilityBoundingSet= and DynamicUser=): nothing
         * to change, and capset() may well be filtered (SystemCallFilter=~@privileged). */
        extra = 0;
        for (int i = 0; i < 2; i++)
                extra |= (d[i].effective | d[i].permitted | d[i].inheritable) &
                         ~(uint32_t) (PRIVILEGES_KEEP >> (32 * i));
        if (!extra)
                goto nnp;

        for (int i = 0; i < 2; i++) {
                uint32_t keep = (uint32_t) (PRIVILEGES_KEEP >> (32 * i));

                d[i].effective &= keep;
                d[i].permitted &= keep;
                d[i].inheritable &= keep;
        }
        if (syscall(SYS_capset, &h, d) < 0)
                return -errno;
nnp:
        /* ambient capabilities are cleared when permitted shrinks; no execve gains anything */
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        return 0;
}
