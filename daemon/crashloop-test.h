/* SPDX-License-Identifier: MIT */
/*
 * What crashloop.c gives its tests (tests/unit/test-crashloop.c) beyond crashloop.h: what they
 * check that the daemon itself does not call. Included only by crashloop.c (for its definitions)
 * and those tests.
 */
#pragma once

#include "crashloop.h"

/* Number of logical containers in the table. */
size_t crashloop_size(const CrashLoop *c);

/* Whether a death with this reason counts toward a crash loop: anything but "exited" and "stopped". */
bool crashloop_reason_is_unexpected(const char *reason);

void crashloop_freep(CrashLoop **c);
