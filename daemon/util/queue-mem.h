/* SPDX-License-Identifier: MIT */
/*
 * Memory for what waits in a queue (the journal's queued entries, the record lines behind them),
 * kept apart from the heap: blocks of their own, bump-allocated and given back to the kernel when
 * the last allocation in them is freed. A burst of thousands of queued entries made in the heap
 * between the long-lived allocations of the containers it reports left megabytes of holes after
 * the queue drained that malloc_trim() could not give back (issue 17). Process-wide, for one
 * thread; includes nothing from daemon/.
 */
#pragma once

#include <stddef.h>

/* n bytes, 16-byte aligned, or NULL (errno ENOMEM). */
void *queue_mem_alloc(size_t n);
/* n zeroed bytes, or NULL. */
void *queue_mem_zalloc(size_t n);
/* Accepts NULL. */
void queue_mem_free(void *p);
