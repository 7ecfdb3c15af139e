/*
 * trampoline/route.c - resolving view addresses to the memory behind them
 * (see route.h).
 */
#include "trampoline/route.h"

#include <string.h>
#include <sys/mman.h>

#include "core/sys.h"

int mw_route_build(struct mw_route *r, uintptr_t addr, size_t len)
{
    memset(r, 0, sizeof *r);
    r->addr = addr;
    r->len = len;
    if (len == 0)
        len = 1;
    uintptr_t end = addr + len;
    int any_alias = 0, any_native = 0, contiguous = 1;
    char *expect = NULL;
    for (uintptr_t a = addr; a < end;) {
        if (r->nseg == MW_ROUTE_SEGS)
            return -1;
        uintptr_t page = MW_PAGE_FLOOR(a);
        uintptr_t stop = page + MW_PAGE_SIZE < end ? page + MW_PAGE_SIZE : end;
        struct mw_route_seg *s = &r->seg[r->nseg++];
        s->view = a;
        s->len = stop - a;
        s->page = mw_page_find(page);
        if (mw_page_watched(s->page))
            r->watched = 1;
        else
            s->page = NULL; /* a code-capture page is native memory here */
        if (s->page && s->page->backend == MW_BACKEND_ALIAS) {
            s->alias = s->page->alias_page + (a - page);
            if (expect && s->alias != expect)
                contiguous = 0;
            expect = s->alias + s->len;
            any_alias = 1;
        } else {
            if (s->page && s->page->backend == MW_BACKEND_TOGGLE) {
                mw_toggle_open(s->page);
                r->opened[r->nopened++] = s->page;
            }
            any_native = 1;
        }
        a = stop;
    }
    if (!any_alias) {
        r->mode = MW_ROUTE_NATIVE;
        r->direct = (char *)addr;
    } else if (!any_native && contiguous) {
        r->mode = MW_ROUTE_ALIAS;
        r->direct = r->seg[0].alias;
    } else {
        r->mode = MW_ROUTE_MIXED;
    }
    return 0;
}

void mw_route_finish(struct mw_route *r)
{
    for (unsigned i = 0; i < r->nopened; i++)
        mw_toggle_close(r->opened[i]);
    r->nopened = 0;
}

/* Copies between the route's memory and a buffer, segment by segment; native
 * segments go through process_vm_readv/writev so that a bad address is an
 * error, not a fault inside the handler. */
static int mw_route_copy(const struct mw_route *r, uintptr_t a, void *buf, size_t n, int to_memory,
                         uintptr_t *bad)
{
    for (unsigned i = 0; i < r->nseg && n; i++) {
        const struct mw_route_seg *s = &r->seg[i];
        if (a < s->view || a >= s->view + s->len)
            continue;
        size_t k = s->view + s->len - a;
        if (k > n)
            k = n;
        if (s->alias) {
            char *m = s->alias + (a - s->view);
            if (to_memory)
                memcpy(m, buf, k);
            else
                memcpy(buf, m, k);
        } else {
            long got = to_memory ? mw_sys_safe_write((void *)a, buf, k) : mw_sys_safe_read(buf, (void *)a, k);
            if (got != (long)k) {
                if (bad)
                    *bad = a + (got > 0 ? (size_t)got : 0);
                return -1;
            }
        }
        a += k;
        buf = (char *)buf + k;
        n -= k;
    }
    return n ? -1 : 0;
}

int mw_route_allows(const struct mw_route *r, int is_read, int is_write)
{
    for (unsigned i = 0; i < r->nseg; i++) {
        const struct mw_page *p = r->seg[i].page;
        if (!p)
            continue;
        if ((is_write && !(p->prog_prot & PROT_WRITE)) || (is_read && !(p->prog_prot & PROT_READ)))
            return 0;
    }
    return 1;
}

int mw_route_read(const struct mw_route *r, uintptr_t a, void *dst, size_t n, uintptr_t *bad)
{
    return mw_route_copy(r, a, dst, n, 0, bad);
}

int mw_route_write(const struct mw_route *r, uintptr_t a, const void *src, size_t n, uintptr_t *bad)
{
    return mw_route_copy(r, a, (void *)src, n, 1, bad);
}
