/*
 * trampoline/table.h - the region table: the one source of truth for what
 * the library watches or tracks.
 *
 * Two kinds of region, one page table:
 *   - an mw_watch is one watch call: a byte range, the accesses it reports,
 *     its callback, its counter;
 *   - an mw_code is one range a code-carrying mmap/mprotect call named (the
 *     unit of capture_sequence), owned by the code-capture policy.
 * Every page that a watch or a code region touches has one mw_page (uthash,
 * keyed by page address) with the protection the program asked for, the
 * protection it really has now, the watches on it, its code region and the
 * backend that reaches it while watched (alias view or toggling).
 *
 * Readers (the fault handler) bracket lookups with mw_read_begin/end; writers
 * (API, interposers, the capture cycle) with mw_table_lock/unlock, which also
 * block signals.  Memory comes from the private arena, never malloc.
 */
#ifndef MW_TRAMPOLINE_TABLE_H
#define MW_TRAMPOLINE_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/spin.h"
#include "memwatch.h"
#include "trampoline/thread.h"

/* uthash takes its memory from the private arena and never exits on OOM. */
#define HASH_NONFATAL_OOM 1
#define uthash_malloc(sz) mw_alloc(sz)
#define uthash_free(ptr, sz) mw_free(ptr)
#define uthash_nonfatal_oom(obj) ((void)0)
#include <uthash.h>

#define MW_PAGE_SIZE 4096UL
#define MW_PAGE_FLOOR(a) ((uintptr_t)(a) & ~(MW_PAGE_SIZE - 1))
#define MW_PAGE_CEIL(a) (((uintptr_t)(a) + MW_PAGE_SIZE - 1) & ~(MW_PAGE_SIZE - 1))

struct mw_page;

/* Flags of a watch. */
#define MW_WATCH_LOGGED 0x1u  /* accesses go to accesses.jsonl (MEMWATCH_WATCH) */
#define MW_WATCH_TRIO   0x2u  /* made by _watch_address */

/* Hook the preload side installs to hear about logged accesses. */
typedef void (*mw_access_sink_t)(const memwatch_event_t *ev, const char *label);
void mw_table_set_access_sink(mw_access_sink_t sink);
mw_access_sink_t mw_table_access_sink(void);

struct mw_watch {
    UT_hash_handle hh;            /* mw_watches, by id */
    memwatch_id_t id;
    uintptr_t start, end;         /* the watched bytes [start, end) */
    unsigned access;              /* MEMWATCH_READ | MEMWATCH_WRITE */
    unsigned flags;               /* MW_WATCH_* */
    memwatch_callback_t callback;
    void *user;
    uint64_t count;               /* accesses reported, atomically incremented */
    char label[96];               /* name for logs: variable or spec */
};

struct mw_code {
    uintptr_t start, end;         /* the range the naming call gave (pages) */
    uint32_t capture_sequence;    /* captures of this region so far */
    unsigned pages;               /* pages still pointing here */
};

/* How a watched page is reached while it stays closed in the program's view. */
enum mw_backend {
    MW_BACKEND_NONE = 0,
    MW_BACKEND_ALIAS,   /* a second read/write view of the same memory (memfd or shared) */
    MW_BACKEND_TOGGLE,  /* opened with mprotect around each access (fallback) */
};

/* Where a watched page's alias lives: a pool page, or a shared mapping's
 * second view (trampoline/alias.h). */
struct mw_alias;

struct mw_page {
    UT_hash_handle hh;            /* mw_pages, by addr */
    uintptr_t addr;
    int prog_prot;                /* what the program last asked for */
    int view_prot;                /* what the page has now */
    /* watching */
    struct mw_watch **watches;    /* watches overlapping this page */
    unsigned nwatches;
    unsigned char backend;        /* enum mw_backend */
    struct mw_alias *alias;
    char *alias_page;             /* this page in the alias view */
    mw_spin_t toggle_lock;        /* toggling backend / single-step: opened by */
    int toggle_open;              /* this many accesses in flight */
    /* hot-site promotion (promote.c) */
    unsigned promoted;            /* live promoted sites whose stubs trust this page */
    unsigned char promo_kept;     /* stubs have reached it: it keeps its alias views */
    /* code capture */
    struct mw_code *code;
    unsigned char dirty;          /* written since its last capture */
};

/* Is the page under watch: does a watch cover it, or does a backend still
 * hold it closed?  The one answer to "is this page watched" - a page that
 * only carries a code region (capture) is ordinary memory to the engine. */
static inline int mw_page_watched(const struct mw_page *p)
{
    return p && (p->nwatches || p->backend != MW_BACKEND_NONE);
}

/* Lookups: callers hold read access (mw_read_begin) or the table lock. */
struct mw_page *mw_page_find(uintptr_t page);
struct mw_watch *mw_watch_find(memwatch_id_t id);
struct mw_watch *mw_watch_find_addr(uintptr_t addr);
/* Iteration over all pages (writers only). */
struct mw_page *mw_page_first(void);
struct mw_page *mw_page_next(struct mw_page *p);

/* Writers. */
void mw_table_lock(mw_sigmask_t *saved);
void mw_table_unlock(const mw_sigmask_t *saved);
struct mw_page *mw_page_get(uintptr_t page, int prog_prot);   /* find or add */
void mw_page_drop_if_unused(struct mw_page *p);
int mw_page_add_watch(struct mw_page *p, struct mw_watch *w);
void mw_page_remove_watch(struct mw_page *p, struct mw_watch *w);
struct mw_watch *mw_watch_new(void);
void mw_watch_insert(struct mw_watch *w);
void mw_watch_delete(struct mw_watch *w);
unsigned long mw_watch_live_count(void);

/* The effective protection a watched page needs: PROT_NONE if a watch on it
 * reports reads, else PROT_READ (capped by what the program allows). */
int mw_page_watch_prot(const struct mw_page *p);

#endif
