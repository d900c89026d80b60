/* SPDX-License-Identifier: MIT */
/*
 * Taking the nodes of a tsearch(3) tree out into an array, so that they can be visited while the
 * tree changes (twalk must not see the tree change). Owns nothing beyond the array it returns;
 * includes nothing else from daemon/.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct PtrArray {
        void **items;
        size_t n, cap;
} PtrArray;

/* Append p, growing the array. Returns 0 or -ENOMEM (the array is unchanged then). */
int ptr_array_push(PtrArray *a, void *p);

/* Free the array (not what it points to) and zero it. */
void ptr_array_done(PtrArray *a);

/*
 * The items of the tree at root (the pointers tsearch() was given) for which match(item, arg) is
 * true, or all of them when match is NULL, in the tree's order. Best effort under OOM: the items
 * that could be stored. Release with ptr_array_done().
 */
PtrArray tree_collect(const void *root, bool (*match)(const void *item, const void *arg), const void *arg);
