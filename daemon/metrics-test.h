/* SPDX-License-Identifier: MIT */
/*
 * What metrics.c gives its tests (tests/unit/test-metrics.c) beyond metrics.h: what they check
 * that the daemon itself does not call. Included only by metrics.c (for its definitions) and those
 * tests.
 */
#pragma once

#include "metrics.h"

/* Whether a write is pending, and for when the timer is armed (0 when it is not). */
bool metrics_is_dirty(const Metrics *m);
uint64_t metrics_armed_usec(const Metrics *m);
