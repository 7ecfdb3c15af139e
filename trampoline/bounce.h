/*
 * trampoline/bounce.h - the bounce buffer: one access that straddles
 * watched and unwatched pages, gathered in one place.
 *
 * An instruction gets one pointer per operand; when the operand's bytes are
 * reached in different ways (a watched page through its alias, the next page
 * natively), they are copied to the thread's bounce buffer at the same offset
 * within a page (so alignment rules behave), the instruction runs there, and
 * what it wrote is copied back.  The buffer mirrors the program's view page
 * by page: a page the program cannot read stays closed, one it cannot write
 * stays read-only.  The CPU then decides, as it would have natively, whether
 * the access faults and on which byte (masked vector lanes do not fault, an
 * xsave faults on the component that crosses), and when it does nothing is
 * copied back.
 */
#ifndef MW_TRAMPOLINE_BOUNCE_H
#define MW_TRAMPOLINE_BOUNCE_H

#include <stdint.h>

#include "trampoline/route.h"
#include "trampoline/thread.h"

struct mw_bounce {
    char *at;                        /* the access's first byte in the buffer */
    uint8_t state[MW_ROUTE_SEGS];    /* per route segment: open, read-only, closed */
    unsigned narrowed;               /* segments whose buffer page was protected */
};

/* Room for accesses up to this many pages, counted from the first one. */
#define MW_BOUNCE_PAGES 4

/* Copies the route's bytes into t's buffer, from its page `first_page` on,
 * protecting the buffer pages of the segments the program cannot read (or,
 * with may_write, write). */
void mw_bounce_fill(struct mw_bounce *b, struct mw_thread *t, const struct mw_route *r, int may_write,
                    unsigned first_page);
/* Opens the buffer again; call before the route is finished. */
void mw_bounce_reopen(struct mw_bounce *b, const struct mw_route *r);
/* After the instruction completed: copies back [addr, addr + n) (within the
 * route) to the segments that were open; those writes cannot fail. */
void mw_bounce_write_back(const struct mw_bounce *b, const struct mw_route *r, uintptr_t addr, size_t n);

#endif
