/*
 * trampoline/syscall_buf.c - moving system-call buffers in and out of
 * watched memory (see syscall_buf.h).
 */
#include "trampoline/syscall_buf.h"

#include <sys/mman.h>

#include "core/pages.h"
#include "core/sys.h"
#include "trampoline/record.h"
#include "trampoline/route.h"
#include "trampoline/table.h"

int mw_buf_watched(const void *buf, size_t len)
{
    if (mw_page_first() == NULL || len == 0)
        return 0;
    struct mw_thread *t = mw_thread_self();
    if (!t)
        return 0;
    uintptr_t a = (uintptr_t)buf, end = a + len;
    int watched = 0;
    mw_read_begin(t);
    for (uintptr_t p = MW_PAGE_FLOOR(a); p < end && !watched; p += MW_PAGE_SIZE) {
        struct mw_page *pg = mw_page_find(p);
        watched = mw_page_watched(pg);
    }
    mw_read_end(t);
    return watched;
}

/* Walks the buffer a page at a time through its routes. */
static int mw_buf_move(void *mem, const void *buf, size_t len, uint64_t ip, int out)
{
    struct mw_thread *t = mw_thread_self();
    struct mw_record rec;
    mw_record_init(&rec, t);
    int rc = 0;
    mw_read_begin(t);
    uintptr_t a = (uintptr_t)buf, end = a + len;
    while (a < end && rc == 0) {
        size_t n = MW_PAGE_FLOOR(a) + MW_PAGE_SIZE - a;
        if (n > end - a)
            n = end - a;
        struct mw_route r;
        char *m = (char *)mem + (a - (uintptr_t)buf);
        if (mw_route_build(&r, a, n) != 0) {
            rc = -1;
            break;
        }
        mw_record_match(&rec, t, &r, a, n, !out, out, ip);
        rc = out ? mw_route_write(&r, a, m, n, NULL) : mw_route_read(&r, a, m, n, NULL);
        mw_record_after(&rec);
        mw_route_finish(&r);
        a += n;
    }
    mw_record_commit(&rec);
    mw_read_end(t);
    /* Callbacks and the access log run as in the fault handler: with the
     * other signals blocked (the log's buffer lock relies on it). */
    mw_sigmask_t saved;
    mw_sigblock_all(&saved);
    mw_record_deliver(&rec, t);
    mw_sigrestore(&saved);
    return rc;
}

int mw_buf_copy_in(void *dst, const void *buf, size_t len, uint64_t ip) { return mw_buf_move(dst, buf, len, ip, 0); }

int mw_buf_copy_out(void *buf, const void *src, size_t n, uint64_t ip)
{
    return mw_buf_move((void *)src, buf, n, ip, 1);
}

void *mw_bounce_alloc(size_t len)
{
    return mw_pages_map(len ? len : 1, 0, PROT_READ | PROT_WRITE, 0, -1, 0, NULL);
}

void mw_bounce_free(void *p, size_t len)
{
    if (p)
        mw_pages_unmap(p, len ? len : 1);
}
