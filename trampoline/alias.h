/*
 * trampoline/alias.h - the alias views behind the alias backend
 * (backend_alias.c) and the pool that holds private watched pages
 * (alias_pool.c).
 *
 * A watched page of the program's private memory lives in a page of one
 * process-wide memfd, the pool: the program's view maps that page with the
 * watch protection, and one read/write mapping of the whole pool (the
 * window, inside the library's own reservation: core/pages.h) reaches it
 * for the executor.  So the window costs one kernel mapping for all watched
 * pages, and the program's view of neighbouring watched pages - given
 * neighbouring pool pages - is one mapping too.  A full pool, or one whose
 * descriptor the program closed, makes another.  Shared memory needs no
 * pool: its pages are mapped a second time (an extent per run of pages).
 *
 * Callers hold the table lock.
 */
#ifndef MW_TRAMPOLINE_ALIAS_H
#define MW_TRAMPOLINE_ALIAS_H

#include <stddef.h>
#include <stdint.h>

enum mw_alias_kind {
    MW_ALIAS_POOL,     /* private memory moved into a pool page */
    MW_ALIAS_SHARED,   /* a shared mapping's run of pages, mapped twice */
};

struct mw_alias {
    enum mw_alias_kind kind;
    char *alias;              /* pool: the window over all of it; shared: the second view */
    size_t len;               /* bytes */
    size_t pages;             /* pages in use */
    /* pool only */
    int fd;                   /* the memfd, kept open to map more of it; -1 once lost */
    uint64_t dev, ino;        /* what fd must still be */
    uint64_t *used;           /* one bit per pool page */
    size_t cursor;            /* where the next search starts (pages) */
    struct mw_alias *next;    /* every pool, oldest first */
    char *snapshot;           /* fork: the pages in use, as the child must see them */
};

/* Takes n consecutive free pages of a pool, at *off of *pool.  When hint is
 * a pool, the pages at hint_off there are taken if free (so that the
 * program's view of neighbouring watched pages stays one mapping).  0 or
 * -errno (a pool could not be made). */
int mw_pool_take(size_t n, struct mw_alias *hint, size_t hint_off, struct mw_alias **pool, size_t *off);
/* Gives pages [off, off + n) of pool back, freeing their memory. */
void mw_pool_give(struct mw_alias *pool, size_t off, size_t n);
/* Which page of its pool the alias page is. */
size_t mw_pool_offset(const struct mw_alias *pool, const char *alias_page);

/* fork (lifecycle.c, through backend.h): the parent snapshots the pools'
 * pages in use under the table lock; the child moves them into pools of its
 * own, so that neither process sees the other's writes afterwards. */
void mw_pool_fork_prepare(void);
void mw_pool_fork_parent(void);
void mw_pool_fork_child(void);

#endif
