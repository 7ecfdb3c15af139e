/*
 * trampoline/route.h - how an access to the program's view reaches memory.
 *
 * Watched pages stay closed in the program's view; an access to them goes to
 * the page's alias (a second read/write mapping of the same memory) or, on
 * the toggling backend, to the page itself opened for the moment.  An access
 * may straddle pages that are watched and pages that are not: the route
 * splits it in segments, one per page, and says whether one pointer can serve
 * the whole access (all alias and contiguous, or all native) or the access
 * must go through a bounce buffer.  Callers hold read access to the table.
 */
#ifndef MW_TRAMPOLINE_ROUTE_H
#define MW_TRAMPOLINE_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "trampoline/table.h"

#define MW_ROUTE_SEGS 4

enum mw_route_mode {
    MW_ROUTE_NATIVE,   /* no watched page: use the address as it is */
    MW_ROUTE_ALIAS,    /* every page watched, alias views contiguous: one pointer */
    MW_ROUTE_MIXED,    /* needs a bounce buffer */
};

struct mw_route_seg {
    uintptr_t view;        /* first byte in the program's view */
    size_t len;
    char *alias;           /* where those bytes are reached, NULL: natively */
    struct mw_page *page;  /* watched page, or NULL */
};

struct mw_route {
    uintptr_t addr;
    size_t len;
    int mode;
    char *direct;          /* NATIVE/ALIAS: the pointer serving the whole access */
    unsigned nseg;
    struct mw_route_seg seg[MW_ROUTE_SEGS];
    unsigned nopened;      /* toggled pages opened for this access */
    struct mw_page *opened[MW_ROUTE_SEGS];
    int watched;           /* some page of the access is watched */
};

/* Builds the route of [addr, addr + len); len <= 3 pages. Opens toggled pages.
 * Returns 0, or -1 if the access is too large. */
int mw_route_build(struct mw_route *r, uintptr_t addr, size_t len);
/* Closes what mw_route_build opened. */
void mw_route_finish(struct mw_route *r);
/* Does the program itself allow this access (a read, a write, or both) on
 * every watched page the route touches?  If not, the fault is real: the
 * program's to handle.  The one answer to "may the program access this". */
int mw_route_allows(const struct mw_route *r, int is_read, int is_write);
/* Reads/writes n bytes at view address a (inside the route) without faulting.
 * 0, or -1 when native memory is not accessible (*bad = first bad byte). */
int mw_route_read(const struct mw_route *r, uintptr_t a, void *dst, size_t n, uintptr_t *bad);
int mw_route_write(const struct mw_route *r, uintptr_t a, const void *src, size_t n, uintptr_t *bad);

/* The toggling backend's open/close of one page (also used by single-step). */
void mw_toggle_open(struct mw_page *p);
void mw_toggle_close(struct mw_page *p);

#endif
