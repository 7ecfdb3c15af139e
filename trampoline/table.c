/*
 * trampoline/table.c - the region table (see table.h).
 *
 * Two uthash tables (pages by address, watches by id) whose entries live in
 * the private arena; the pages are also kept in address order (index.c) for
 * the calls that name ranges.  Lookups are plain uthash finds: the big-reader lock in
 * thread.c guarantees no writer runs meanwhile.
 */
#include "trampoline/table.h"

#include <sys/mman.h>

#include "trampoline/index.h"

static struct mw_page *mw_pages;
static struct mw_watch *mw_watches;
static unsigned long mw_watch_live;
static mw_access_sink_t mw_sink;

void mw_table_set_access_sink(mw_access_sink_t sink) { mw_sink = sink; }
mw_access_sink_t mw_table_access_sink(void) { return mw_sink; }

struct mw_page *mw_page_find(uintptr_t page)
{
    struct mw_page *p;
    HASH_FIND(hh, mw_pages, &page, sizeof page, p);
    return p;
}

struct mw_watch *mw_watch_find(memwatch_id_t id)
{
    struct mw_watch *w;
    HASH_FIND(hh, mw_watches, &id, sizeof id, w);
    return w;
}

/* Keeps the better answer for addr: a watch starting there beats one
 * containing it, and the older (smaller id) beats the younger. */
static void mw_consider(struct mw_watch *w, uintptr_t addr, struct mw_watch **starts, struct mw_watch **inside)
{
    if (w->start == addr && (!*starts || w->id < (*starts)->id))
        *starts = w;
    if (addr >= w->start && addr < w->end && (!*inside || w->id < (*inside)->id))
        *inside = w;
}

/* A live watch that covers addr is on addr's page, so that page's list is
 * the search.  Only a watch whose memory the program unmapped has left its
 * pages: for that rare case every watch is looked at. */
struct mw_watch *mw_watch_find_addr(uintptr_t addr)
{
    struct mw_page *p = mw_page_find(MW_PAGE_FLOOR(addr));
    struct mw_watch *w, *tmp, *starts = NULL, *inside = NULL;
    for (unsigned i = 0; p && i < p->nwatches; i++)
        mw_consider(p->watches[i], addr, &starts, &inside);
    if (!starts && !inside) {
        HASH_ITER(hh, mw_watches, w, tmp) {
            mw_consider(w, addr, &starts, &inside);
        }
    }
    return starts ? starts : inside;
}

struct mw_page *mw_page_first(void) { return mw_pages; }
struct mw_page *mw_page_next(struct mw_page *p) { return p->hh.next; }

void mw_table_lock(mw_sigmask_t *saved)
{
    mw_sigblock_all(saved);
    mw_write_begin();
}

void mw_table_unlock(const mw_sigmask_t *saved)
{
    mw_write_end();
    mw_sigrestore(saved);
}

struct mw_page *mw_page_get(uintptr_t page, int prog_prot)
{
    struct mw_page *p = mw_page_find(page);
    if (p)
        return p;
    p = mw_alloc(sizeof *p);
    if (!p)
        return NULL;
    p->addr = page;
    p->prog_prot = prog_prot;
    p->view_prot = prog_prot;
    HASH_ADD(hh, mw_pages, addr, sizeof p->addr, p);
    if (mw_index_add(p) != 0) { /* the ordered index must hold every page */
        HASH_DELETE(hh, mw_pages, p);
        mw_free(p);
        return NULL;
    }
    return p;
}

void mw_page_drop_if_unused(struct mw_page *p)
{
    if (p->nwatches || p->code || p->alias)
        return;
    mw_index_remove(p->addr);
    HASH_DELETE(hh, mw_pages, p);
    mw_free(p->watches);
    mw_free(p);
}

int mw_page_add_watch(struct mw_page *p, struct mw_watch *w)
{
    struct mw_watch **grown = mw_realloc(p->watches, (p->nwatches + 1) * sizeof *grown);
    if (!grown)
        return -1;
    p->watches = grown;
    p->watches[p->nwatches++] = w;
    return 0;
}

void mw_page_remove_watch(struct mw_page *p, struct mw_watch *w)
{
    for (unsigned i = 0; i < p->nwatches; i++) {
        if (p->watches[i] == w) {
            p->watches[i] = p->watches[--p->nwatches];
            return;
        }
    }
}

struct mw_watch *mw_watch_new(void)
{
    static memwatch_id_t next_id = 1;
    struct mw_watch *w = mw_alloc(sizeof *w);
    if (w)
        w->id = next_id++;
    return w;
}

void mw_watch_insert(struct mw_watch *w)
{
    HASH_ADD(hh, mw_watches, id, sizeof w->id, w);
    mw_watch_live++;
}

void mw_watch_delete(struct mw_watch *w)
{
    HASH_DELETE(hh, mw_watches, w);
    mw_watch_live--;
    mw_free(w);
}

unsigned long mw_watch_live_count(void) { return mw_watch_live; }

int mw_page_watch_prot(const struct mw_page *p)
{
    if (!p->nwatches)
        return p->prog_prot; /* kept for promoted sites' stubs (promote.h): open */
    for (unsigned i = 0; i < p->nwatches; i++)
        if (p->watches[i]->access & MEMWATCH_READ)
            return PROT_NONE;
    return p->prog_prot & PROT_READ ? PROT_READ : PROT_NONE;
}
