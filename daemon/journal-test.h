/* SPDX-License-Identifier: MIT */
/*
 * What journal.c gives its unit test (tests/unit/test-journal-queue.c) beyond journal.h, so that
 * the queue can be checked without root and without waiting for the retry timer. The daemon does
 * not use these: it reaches journald at JOURNAL_SOCKET and flushes only through the retry timer
 * and journal_free(). Included only by journal.c (for its definitions) and that test.
 */
#pragma once

#include "journal.h"

/* Send to this socket instead of JOURNAL_SOCKET (a datagram socket of the test's own). Returns 0
 * or -ENOMEM. */
int journal_set_socket(Journal *j, const char *path);

/* Try to deliver the waiting events now, in order, as the retry timer does. 0 when all went, else
 * the error (they stay). */
int journal_flush(Journal *j);
