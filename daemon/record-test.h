/* SPDX-License-Identifier: MIT */
/*
 * What record.c gives its tests (tests/unit/test-record.c, tests/unit/test-keeper.c) beyond
 * record.h: what they check that the daemon itself does not call. Included only by record.c (for
 * its definitions) and those tests.
 */
#pragma once

#include "record.h"

/* Append one line. Errors are returned but leave the record usable. */
int record_append(Record *r, const char *op, const RecordEntry *e);

void record_freep(Record **r);
