/*
 * core/arena.h - the library's private allocator.
 *
 * The region table and everything else the library keeps lives here, never
 * in the program's malloc: a JIT or allocator may call mmap while holding its
 * own heap lock, and our interposed mmap must not then call back into that
 * heap.  Power-of-two size classes carved from mmap'd slabs, free lists per
 * class, one spinlock taken with signals blocked, so the lock can never be
 * re-entered from a handler on the same thread.
 */
#ifndef MW_CORE_ARENA_H
#define MW_CORE_ARENA_H

#include <stddef.h>

void *mw_alloc(size_t n);       /* zeroed; NULL when memory is exhausted */
void mw_free(void *p);
void *mw_realloc(void *p, size_t n);

#endif
