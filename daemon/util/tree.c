/* SPDX-License-Identifier: MIT */
/*
 * Tree nodes into an array (see tree.h).
 */
#include <errno.h>
#include <search.h>
#include <stdlib.h>

#include "util/tree.h"

int ptr_array_push(PtrArray *a, void *p) {
        if (a->n == a->cap) {
                size_t cap = a->cap ? a->cap * 2 : 64;
                void **n = realloc(a->items, cap * sizeof(void *));

                if (!n)
                        return -ENOMEM;
                a->items = n;
                a->cap = cap;
        }
        a->items[a->n++] = p;
        return 0;
}

void ptr_array_done(PtrArray *a) {
        free(a->items);
        *a = (PtrArray) {};
}

typedef struct CollectCtx {
        PtrArray array;
        bool (*match)(const void *item, const void *arg);
        const void *arg;
} CollectCtx;

static void collect_action(const void *nodep, VISIT which, void *closure) {
        CollectCtx *ctx = closure;
        void *item = *(void *const *) nodep;

        if (which != postorder && which != leaf)
                return;
        if (ctx->match && !ctx->match(item, ctx->arg))
                return;
        (void) ptr_array_push(&ctx->array, item); /* best effort under OOM */
}

PtrArray tree_collect(const void *root, bool (*match)(const void *item, const void *arg), const void *arg) {
        CollectCtx ctx = { .match = match, .arg = arg };

        twalk_r(root, collect_action, &ctx);
        return ctx.array;
}
