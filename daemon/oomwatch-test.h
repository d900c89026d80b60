/* SPDX-License-Identifier: MIT */
/*
 * What oomwatch.c gives its tests (tests/unit/test-oomwatch.c) beyond oomwatch.h: what they check
 * that the daemon itself does not call. Included only by oomwatch.c (for its definitions) and
 * those tests.
 */
#pragma once

#include "oomwatch.h"

/* The counter read at oomwatch_new. */
uint64_t oomwatch_baseline(const OomWatch *w);

/*
 * v1 only (0 on v2): how many OOM notifications the eventfd brought since oomwatch_new, not counting
 * the one the kernel sends when the cgroup is removed. An OOM notification comes when an OOM begins,
 * before its kill is counted, and is what containerd turns into Docker's State.OOMKilled; it is
 * kept even when the counter can no longer be read.
 */
uint64_t oomwatch_notifications(const OomWatch *w);

/* "v1" or "v2": which mechanism is in use. */
const char *oomwatch_kind(const OomWatch *w);

/*
 * 0 when the watch is notified of OOMs as they happen; else (cgroup v1 only) the -errno for which
 * cgroup.event_control could not be written, typically -EROFS (a read-only cgroup tree, as
 * ProtectControlGroups=yes mounts it) or -EACCES/-EPERM. Such a watch still has its counter file and
 * baseline: oomwatch_refresh() and oomwatch_oom_seen() work, and the handler is called only for a
 * rise that an oomwatch_poke() found.
 */
int oomwatch_notify_error(const OomWatch *w);
