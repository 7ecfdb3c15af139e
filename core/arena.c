/*
 * core/arena.c - the private allocator (see arena.h).
 *
 * Each block carries an 16-byte header with its size class.  Classes are
 * 16 << k bytes up to 2 KiB; anything larger is its own mapping.
 */
#include "core/arena.h"

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "core/pages.h"
#include "core/spin.h"
#include "core/sys.h"

static mw_spin_t mw_arena_lock_storage;

/* Block every signal around the lock: a handler on this thread could
 * otherwise find it held by the code it interrupted. */
static void mw_arena_enter(uint64_t *saved)
{
    uint64_t all = ~0ULL;
    mw_sys_rt_sigprocmask(0 /* SIG_BLOCK */, &all, saved);
    mw_spin_lock(&mw_arena_lock_storage);
}

static void mw_arena_leave(const uint64_t *saved)
{
    mw_spin_unlock(&mw_arena_lock_storage);
    mw_sys_rt_sigprocmask(2 /* SIG_SETMASK */, saved, NULL);
}

#define MW_ARENA_CLASSES 8           /* 16 .. 2048 bytes */
#define MW_ARENA_SLAB (64 * 1024)
#define MW_ARENA_BIG 0xff

struct mw_block_header {
    size_t size;    /* usable bytes (class size, or mapping size for big blocks) */
    size_t klass;   /* class index, or MW_ARENA_BIG */
};

struct mw_free_block {
    struct mw_free_block *next;
};

static struct mw_free_block *mw_free_lists[MW_ARENA_CLASSES];
static char *mw_slab_cursor, *mw_slab_end;

static int mw_class_of(size_t n)
{
    size_t size = 16;
    for (int k = 0; k < MW_ARENA_CLASSES; k++, size <<= 1)
        if (n <= size)
            return k;
    return -1;
}

static void *mw_carve(size_t bytes)
{
    if (mw_slab_cursor == NULL || (size_t)(mw_slab_end - mw_slab_cursor) < bytes) {
        void *slab = mw_pages_map(MW_ARENA_SLAB, 0, PROT_READ | PROT_WRITE, 0, -1, 0, NULL);
        if (!slab)
            return NULL;
        mw_slab_cursor = slab;
        mw_slab_end = mw_slab_cursor + MW_ARENA_SLAB;
    }
    void *p = mw_slab_cursor;
    mw_slab_cursor += bytes;
    return p;
}

static void *mw_alloc_big(size_t n)
{
    size_t len = (n + sizeof(struct mw_block_header) + 4095) & ~(size_t)4095;
    struct mw_block_header *h = mw_pages_map(len, 0, PROT_READ | PROT_WRITE, 0, -1, 0, NULL);
    if (!h)
        return NULL;
    h->size = len - sizeof *h;
    h->klass = MW_ARENA_BIG;
    return h + 1;
}

void *mw_alloc(size_t n)
{
    int k = mw_class_of(n);
    if (k < 0)
        return mw_alloc_big(n);
    size_t size = (size_t)16 << k;
    struct mw_block_header *h;
    uint64_t saved;
    mw_arena_enter(&saved);
    struct mw_free_block *b = mw_free_lists[k];
    if (b) {
        mw_free_lists[k] = b->next;
        h = (struct mw_block_header *)b - 1;
    } else {
        h = mw_carve(sizeof *h + size);
        if (h) {
            h->size = size;
            h->klass = (size_t)k;
        }
    }
    mw_arena_leave(&saved);
    if (!h)
        return NULL;
    memset(h + 1, 0, size);
    return h + 1;
}

void mw_free(void *p)
{
    if (!p)
        return;
    struct mw_block_header *h = (struct mw_block_header *)p - 1;
    if (h->klass == MW_ARENA_BIG) {
        mw_pages_unmap(h, h->size + sizeof *h);
        return;
    }
    struct mw_free_block *b = p;
    uint64_t saved;
    mw_arena_enter(&saved);
    b->next = mw_free_lists[h->klass];
    mw_free_lists[h->klass] = b;
    mw_arena_leave(&saved);
}

void *mw_realloc(void *p, size_t n)
{
    if (!p)
        return mw_alloc(n);
    struct mw_block_header *h = (struct mw_block_header *)p - 1;
    if (n <= h->size)
        return p;
    void *q = mw_alloc(n);
    if (q) {
        memcpy(q, p, h->size);
        mw_free(p);
    }
    return q;
}
