/*
 * trampoline/index.h - the tracked pages in address order, beside the page
 * hash of table.c, so that a call naming a range costs time in proportion
 * to the tracked pages inside it, never to its size.
 *
 * mmap, mprotect, munmap and mremap name ranges of any size (a JIT reserves
 * gigabytes PROT_NONE, a runtime commits 64 MiB at a time); the page hash can
 * only be asked page by page.  The index answers "the first tracked page at
 * or after A, below B" in a few steps, whatever lies between.  table.c keeps
 * it in step: every page mw_page_get adds is added here, every page
 * mw_page_drop_if_unused drops is dropped.
 *
 * It is a radix tree over page numbers, 64 slots a node, as tall as the
 * highest page number needs (6 levels for 47-bit addresses, 8 for 57-bit).
 * Each node has a bitmap of its non-empty slots and a node is freed as soon
 * as it empties, so a search skips empty stretches a whole subtree at a time
 * (one bit scan per level) and needs no balancing.  Nodes come from the
 * private arena.  Writers hold the table lock; readers hold read access
 * (thread.h): a reader never sees a change half made.
 */
#ifndef MW_TRAMPOLINE_INDEX_H
#define MW_TRAMPOLINE_INDEX_H

#include <stdint.h>

struct mw_page;

/* Adds p (by p->addr); 0, or -1 when the arena has no memory left. */
int mw_index_add(struct mw_page *p);
/* Drops the page at this address (nothing if it is not there). */
void mw_index_remove(uintptr_t page);
/* The tracked page with the lowest address in [start, end), or NULL. */
struct mw_page *mw_index_first(uintptr_t start, uintptr_t end);

/*
 * Walking the tracked pages of [start, end) in address order:
 *
 *   struct mw_index_iter it = mw_index_range(start, end);
 *   for (struct mw_page *p; (p = mw_index_step(&it));)
 *       ...
 *
 * Each step searches again from just past the page it returned, so the body
 * may drop that page, or add pages anywhere (those past it are then met).
 */
struct mw_index_iter {
    uintptr_t next, end;
};

static inline struct mw_index_iter mw_index_range(uintptr_t start, uintptr_t end)
{
    struct mw_index_iter it = {start, end};
    return it;
}

struct mw_page *mw_index_step(struct mw_index_iter *it);

#endif
