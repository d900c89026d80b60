/* SPDX-License-Identifier: MIT */
/*
 * Queue memory in blocks of its own (queue-mem.h).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "queue-mem.h"

#if defined(__SANITIZE_ADDRESS__)
/* Under AddressSanitizer the heap's own checks are worth more than the blocks. */
#include <stdlib.h>
void *queue_mem_alloc(size_t n) {
        return malloc(n);
}
void *queue_mem_zalloc(size_t n) {
        return calloc(1, n);
}
void queue_mem_free(void *p) {
        free(p);
}
#else

/* 29 queued journal entries of a runc container (about 2.2 KB each) per block. */
#define QUEUE_MEM_BLOCK ((size_t) 64 * 1024)
#define ALIGN16(n) (((n) + 15) & ~(size_t) 15)

typedef struct Block {
        size_t size;                     /* of the mapping */
        size_t used;                     /* bytes handed out, the header included */
        size_t live;                     /* allocations not freed yet */
        size_t pad;                      /* the header stays 16 bytes long: alignment */
} Block;

typedef struct Header {
        Block *block;
        size_t pad;
} Header;

/* The block allocations are taken from; a block with nothing left in it is unmapped, except this
 * one, which is used again from its start. */
static Block *current;

static Block *block_new(size_t size) {
        Block *b = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

        if (b == MAP_FAILED) {
                errno = ENOMEM;
                return NULL;
        }
        *b = (Block) { .size = size, .used = sizeof(Block) };
        return b;
}

void *queue_mem_alloc(size_t n) {
        size_t need = sizeof(Header) + ALIGN16(n);
        Header *h;
        Block *b;

        if (n > SIZE_MAX / 2) {
                errno = ENOMEM;
                return NULL;
        }
        if (sizeof(Block) + need > QUEUE_MEM_BLOCK) {
                /* larger than a block: a mapping of its own, never the current one */
                b = block_new((sizeof(Block) + need + 4095) & ~(size_t) 4095);
                if (!b)
                        return NULL;
        } else {
                if (current && current->live == 0)
                        current->used = sizeof(Block);
                if (!current || current->used + need > current->size) {
                        b = block_new(QUEUE_MEM_BLOCK);
                        if (!b)
                                return NULL;
                        if (current && current->live == 0)
                                (void) munmap(current, current->size);
                        current = b;
                }
                b = current;
        }
        h = (Header *) ((char *) b + b->used);
        b->used += need;
        b->live++;
        h->block = b;
        return h + 1;
}

void *queue_mem_zalloc(size_t n) {
        void *p = queue_mem_alloc(n);

        return p ? memset(p, 0, n) : NULL;
}

void queue_mem_free(void *p) {
        Block *b;

        if (!p)
                return;
        b = ((Header *) p - 1)->block;
        if (--b->live > 0)
                return;
        if (b == current)
                b->used = sizeof(Block);
        else
                (void) munmap(b, b->size);
}
#endif
