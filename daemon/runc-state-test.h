/* SPDX-License-Identifier: MIT */
/*
 * What runc-state.c gives its tests (tests/unit/test-runc-state.c) beyond runc-state.h: what they
 * check that the daemon itself does not call. Included only by runc-state.c (for its definitions)
 * and those tests.
 */
#pragma once

#include "runc-state.h"

/* "PID", "NET", ... (DESIGN.md field suffixes); NULL for invalid. */
const char *ns_kind_to_string(NsKind k);
