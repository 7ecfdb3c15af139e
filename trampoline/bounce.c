/*
 * trampoline/bounce.c - the bounce buffer (see bounce.h).
 */
#include "trampoline/bounce.h"

#include <sys/mman.h>

#include "core/sys.h"

enum { MW_SEG_OPEN, MW_SEG_READONLY, MW_SEG_CLOSED };

static char *mw_bounce_page(const struct mw_bounce *b, const struct mw_route *r, unsigned i)
{
    return (char *)MW_PAGE_FLOOR(b->at + (r->seg[i].view - r->addr));
}

/* A native page is probed by copying: readable if its bytes can be read,
 * writable if they can be written back unchanged (done only for instructions
 * that may write; the write-back after the instruction races the same way). */
void mw_bounce_fill(struct mw_bounce *b, struct mw_thread *t, const struct mw_route *r, int may_write,
                    unsigned first_page)
{
    b->at = t->bounce + first_page * MW_PAGE_SIZE + (r->addr & (MW_PAGE_SIZE - 1));
    b->narrowed = 0;
    for (unsigned i = 0; i < r->nseg; i++) {
        const struct mw_route_seg *s = &r->seg[i];
        char *dst = b->at + (s->view - r->addr);
        b->state[i] = MW_SEG_OPEN;
        if (mw_route_read(r, s->view, dst, s->len, NULL) != 0)
            b->state[i] = MW_SEG_CLOSED;
        else if (may_write && !s->alias && mw_sys_safe_write((void *)s->view, dst, s->len) != (long)s->len)
            b->state[i] = MW_SEG_READONLY;
        if (b->state[i] != MW_SEG_OPEN) {
            mw_sys_mprotect(mw_bounce_page(b, r, i), MW_PAGE_SIZE,
                            b->state[i] == MW_SEG_CLOSED ? PROT_NONE : PROT_READ);
            b->narrowed |= 1u << i;
        }
    }
}

void mw_bounce_reopen(struct mw_bounce *b, const struct mw_route *r)
{
    for (unsigned i = 0; i < r->nseg; i++)
        if (b->narrowed & (1u << i))
            mw_sys_mprotect(mw_bounce_page(b, r, i), MW_PAGE_SIZE, PROT_READ | PROT_WRITE);
    b->narrowed = 0;
}

void mw_bounce_write_back(const struct mw_bounce *b, const struct mw_route *r, uintptr_t addr, size_t n)
{
    for (unsigned i = 0; i < r->nseg; i++) {
        const struct mw_route_seg *s = &r->seg[i];
        uintptr_t lo = s->view > addr ? s->view : addr;
        uintptr_t hi = s->view + s->len < addr + n ? s->view + s->len : addr + n;
        if (b->state[i] == MW_SEG_OPEN && lo < hi)
            mw_route_write(r, lo, b->at + (lo - r->addr), hi - lo, NULL);
    }
}
