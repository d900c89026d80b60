/* SPDX-License-Identifier: MIT */
/*
 * What probe.c gives its tests (tests/probe/probe-listen.c) beyond probe.h: what they check that
 * the daemon itself does not call. Included only by probe.c (for its definitions) and those tests.
 */
#pragma once

#include "probe.h"

/* Records the kernel could not queue because the ring buffer was full (0 when p is NULL). */
uint64_t probe_lost(const Probe *p);

/* Whether OOM victims are reported (false on kernels whose mark_victim has no task argument). */
bool probe_has_oom_victims(const Probe *p);
