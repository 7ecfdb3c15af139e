/*
 * trampoline/index.c - the ordered index of tracked pages (see index.h).
 *
 * Keys are page numbers (address >> 12).  A tree of height h holds keys
 * below 2^(6h); level 0 nodes hold the mw_page pointers, the others their
 * children.  Why a radix tree rather than a balanced tree: its shape is
 * fixed by the address, so adding and dropping never rebalance, a lookup is
 * at most 8 levels deep whatever the number of pages, and the runs of
 * neighbouring pages that JIT code caches and watched buffers make share
 * their nodes (64 pages a leaf).
 */
#include "trampoline/index.h"

#include "core/arena.h"
#include "trampoline/table.h"

#define MW_INDEX_BITS 6
#define MW_INDEX_SLOTS (1u << MW_INDEX_BITS)
#define MW_INDEX_MAX_HEIGHT 9          /* 52-bit page numbers: any 64-bit address */

struct mw_index_node {
    uint64_t present;                  /* bit i: slot[i] is not empty */
    void *slot[MW_INDEX_SLOTS];        /* children, or struct mw_page * at level 0 */
};

static struct mw_index_node *mw_index_root;
static unsigned mw_index_height;       /* 0: empty */

static unsigned mw_slot_of(uint64_t key, unsigned level)
{
    return (unsigned)(key >> (MW_INDEX_BITS * level)) & (MW_INDEX_SLOTS - 1);
}

/* Can a tree of this height hold key? */
static int mw_index_holds(unsigned height, uint64_t key)
{
    return height >= MW_INDEX_MAX_HEIGHT || key >> (MW_INDEX_BITS * height) == 0;
}

void mw_index_remove(uintptr_t page)
{
    uint64_t key = page >> 12;
    struct mw_index_node *path[MW_INDEX_MAX_HEIGHT];
    if (!mw_index_root || !mw_index_holds(mw_index_height, key))
        return;
    /* Down along key as far as the tree goes; clear the leaf slot there. */
    struct mw_index_node *n = mw_index_root;
    unsigned level = mw_index_height - 1;
    for (;;) {
        path[level] = n;
        uint64_t bit = 1ULL << mw_slot_of(key, level);
        if (!(n->present & bit))
            break;
        if (level == 0) {
            n->present &= ~bit;
            n->slot[mw_slot_of(key, 0)] = NULL;
            break;
        }
        n = n->slot[mw_slot_of(key, level)];
        level--;
    }
    /* Then up again, freeing every node left empty (mw_index_add's failure
     * path leaves empty nodes on this path too). */
    for (; level < mw_index_height; level++) {
        if (path[level]->present)
            return;
        mw_free(path[level]);
        if (level + 1 == mw_index_height) {
            mw_index_root = NULL;
            mw_index_height = 0;
            return;
        }
        unsigned s = mw_slot_of(key, level + 1);
        path[level + 1]->present &= ~(1ULL << s);
        path[level + 1]->slot[s] = NULL;
    }
}

int mw_index_add(struct mw_page *p)
{
    uint64_t key = p->addr >> 12;
    if (!mw_index_root) {
        if (!(mw_index_root = mw_alloc(sizeof *mw_index_root)))
            return -1;
        mw_index_height = 1;
    }
    while (!mw_index_holds(mw_index_height, key)) { /* taller: the old root becomes slot 0 */
        struct mw_index_node *top = mw_alloc(sizeof *top);
        if (!top)
            return -1;
        top->slot[0] = mw_index_root;
        top->present = 1;
        mw_index_root = top;
        mw_index_height++;
    }
    struct mw_index_node *n = mw_index_root;
    for (unsigned level = mw_index_height - 1; level > 0; level--) {
        unsigned s = mw_slot_of(key, level);
        if (!(n->present & (1ULL << s))) {
            struct mw_index_node *child = mw_alloc(sizeof *child);
            if (!child) {
                mw_index_remove(p->addr); /* frees the empty nodes made on the way */
                return -1;
            }
            /* Linked before it holds anything: should a deeper node fail,
             * mw_index_remove finds it on the path and frees it. */
            n->slot[s] = child;
            n->present |= 1ULL << s;
        }
        n = n->slot[s];
    }
    unsigned s = mw_slot_of(key, 0);
    n->slot[s] = p;
    n->present |= 1ULL << s;
    return 0;
}

/* The page with the lowest key >= key in the subtree n at level, or NULL. */
static struct mw_page *mw_index_first_ge(const struct mw_index_node *n, unsigned level, uint64_t key)
{
    unsigned s = mw_slot_of(key, level);
    uint64_t candidates = n->present & (~0ULL << s);
    while (candidates) {
        unsigned i = (unsigned)__builtin_ctzll(candidates);
        if (level == 0)
            return n->slot[i];
        /* In the slot of key itself the search goes on from key; in any
         * later slot every key is larger, so from its start. */
        struct mw_page *p = mw_index_first_ge(n->slot[i], level - 1, i == s ? key : 0);
        if (p)
            return p;
        candidates &= candidates - 1;
    }
    return NULL;
}

struct mw_page *mw_index_first(uintptr_t start, uintptr_t end)
{
    uint64_t key = start >> 12;
    if (!mw_index_root || start >= end || !mw_index_holds(mw_index_height, key))
        return NULL;
    struct mw_page *p = mw_index_first_ge(mw_index_root, mw_index_height - 1, key);
    return p && p->addr < end ? p : NULL;
}

struct mw_page *mw_index_step(struct mw_index_iter *it)
{
    struct mw_page *p = mw_index_first(it->next, it->end);
    if (p)
        it->next = p->addr + MW_PAGE_SIZE;
    return p;
}
