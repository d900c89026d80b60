/* SPDX-License-Identifier: MIT */
/*
 * What subscribers.c gives its tests (tests/unit/test-subscribers.c) beyond subscribers.h: what
 * they check that the daemon itself does not call. Included only by subscribers.c (for its
 * definitions) and those tests.
 */
#pragma once

#include "subscribers.h"

/* Connections open now. */
unsigned subscribers_count(const Subscribers *s);
