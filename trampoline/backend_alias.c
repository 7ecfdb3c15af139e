/*
 * trampoline/backend_alias.c - the alias backend (see backend.h, alias.h).
 *
 * Private memory (anonymous, or a file's private pages such as .data) moves
 * into pool pages (alias_pool.c): the contents are copied into the pool
 * through its window while the program's pages are read-only - a thread
 * writing meanwhile faults, waits on the table lock, and finds the page
 * watched - then one mmap puts the pool pages over the program's pages with
 * the watch protection (it replaces them: no moment where a page is
 * missing).  A run of pages next to a watched page gets the pool pages next
 * to that page's when they are free, so the kernel merges the program's
 * view of neighbouring watched pages into one mapping.  Shared memory needs
 * no copy: mremap(old_size = 0) maps the same pages a second time, in the
 * library's reservation.
 *
 * When the last watch leaves a private page it becomes private anonymous
 * memory again, with the same contents, in place (mw_alias_restore).  After
 * fork, the child's pool pages are made its own (alias_pool.c), so parent
 * and child do not share what was private before.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "core/log.h"
#include "core/pages.h"
#include "core/sys.h"
#include "trampoline/alias.h"
#include "trampoline/backend.h"

static void mw_alias_bind(struct mw_page **pages, size_t n, struct mw_alias *a, char *alias)
{
    for (size_t i = 0; i < n; i++) {
        struct mw_page *p = pages[i];
        p->backend = MW_BACKEND_ALIAS;
        p->alias = a;
        p->alias_page = alias + i * MW_PAGE_SIZE;
        p->view_prot = mw_page_watch_prot(p);
    }
}

/* Applies each page's view protection where it differs from base. */
static void mw_alias_apply_prots(struct mw_page **pages, size_t n, int base)
{
    for (size_t i = 0; i < n; i++)
        if (pages[i]->view_prot != base)
            mw_sys_mprotect((void *)pages[i]->addr, MW_PAGE_SIZE, pages[i]->view_prot);
}

/* --- private memory: pool pages ----------------------------------------------- */

static struct mw_alias *mw_pool_page_of(uintptr_t page, size_t *off)
{
    struct mw_page *p = mw_page_find(page);
    if (!p || p->backend != MW_BACKEND_ALIAS || !p->alias || p->alias->kind != MW_ALIAS_POOL)
        return NULL;
    *off = mw_pool_offset(p->alias, p->alias_page);
    return p->alias;
}

/* The pool pages that would continue a watched neighbour of the n pages at
 * view: after the page before them, or before the page after them. */
static struct mw_alias *mw_neighbour_hint(uintptr_t view, size_t n, size_t *hint_off)
{
    size_t off;
    struct mw_alias *a = mw_pool_page_of(view - MW_PAGE_SIZE, &off);
    if (a) {
        *hint_off = off + 1;
        return a;
    }
    a = mw_pool_page_of(view + n * MW_PAGE_SIZE, &off);
    if (a && off >= n) {
        *hint_off = off - n;
        return a;
    }
    return NULL;
}

static int mw_alias_attach_private(struct mw_page **pages, size_t n, const struct mw_map *m, int prot)
{
    size_t len = n * MW_PAGE_SIZE, hint_off = 0, off = 0;
    void *view = (void *)pages[0]->addr;
    struct mw_alias *hint = mw_neighbour_hint(pages[0]->addr, n, &hint_off), *pool = NULL;
    int rc = mw_pool_take(n, hint, hint_off, &pool, &off);
    if (rc != 0)
        return rc;
    char *alias = pool->alias + off * MW_PAGE_SIZE;
    /* Read-only while copying: writers fault and wait for us.  This also
     * splits the run off its mapping, so the mmap below needs no new kernel
     * mapping and cannot fail half-way for want of one. */
    long r = mw_sys_mprotect(view, len, PROT_READ);
    if (r == 0) {
        memcpy(alias, view, len);
        void *got = mw_sys_mmap(view, len, prot, MAP_SHARED | MAP_FIXED, pool->fd, (long)(off * MW_PAGE_SIZE));
        r = mw_sys_failed((long)got) ? (long)got : 0;
        if (r != 0)
            mw_sys_mprotect(view, len, m->prot);
    }
    if (r != 0) {
        mw_pool_give(pool, off, n);
        return (int)r;
    }
    mw_alias_bind(pages, n, pool, alias);
    return 0;
}

/* --- shared memory: a second view ----------------------------------------------- */

static int mw_alias_attach_shared(struct mw_page **pages, size_t n, int prot)
{
    size_t len = n * MW_PAGE_SIZE;
    void *view = (void *)pages[0]->addr;
    struct mw_alias *a = mw_alloc(sizeof *a);
    if (!a)
        return -ENOMEM;
    /* The second view goes where the library keeps its own memory. */
    int err = 0;
    char *place = mw_pages_map(len, 0, PROT_NONE, 0, -1, 0, &err);
    if (!place) {
        mw_free(a);
        return err;
    }
    char *alias = mw_sys_mremap(view, 0, len, MREMAP_MAYMOVE | MREMAP_FIXED, place);
    if (mw_sys_failed((long)alias)) {
        mw_pages_unmap(place, len);
        mw_free(a);
        return (int)(long)alias;
    }
    /* A read-only file cannot be written through the alias either: then the
     * program could not write it, and neither will we. */
    if (mw_sys_mprotect(alias, len, PROT_READ | PROT_WRITE) != 0)
        mw_sys_mprotect(alias, len, PROT_READ);
    long rc = mw_sys_mprotect(view, len, prot);
    if (rc != 0) {
        mw_pages_unmap(alias, len);
        mw_free(a);
        return (int)rc;
    }
    a->kind = MW_ALIAS_SHARED;
    a->alias = alias;
    a->len = len;
    a->pages = n;
    mw_alias_bind(pages, n, a, alias);
    return 0;
}

int mw_alias_attach(struct mw_page **pages, size_t n, const struct mw_map *m)
{
    for (size_t i = 0; i < n; i++)
        pages[i]->prog_prot = m->prot;
    /* The pages of a run are new to watching and carry the same watch. */
    int prot = mw_page_watch_prot(pages[0]);
    int rc = m->shared ? mw_alias_attach_shared(pages, n, prot) : mw_alias_attach_private(pages, n, m, prot);
    if (rc == 0)
        mw_alias_apply_prots(pages, n, prot);
    return rc;
}

/* --- leaving ----------------------------------------------------------------------- */

void mw_alias_release(struct mw_page *p)
{
    struct mw_alias *a = p->alias;
    if (a && a->kind == MW_ALIAS_POOL) {
        mw_pool_give(a, mw_pool_offset(a, p->alias_page), 1);
    } else if (a && --a->pages == 0) {
        mw_pages_unmap(a->alias, a->len);
        mw_free(a);
    }
    p->alias = NULL;
    p->alias_page = NULL;
}

/* Makes private page p anonymous memory again, in place, with its contents
 * and protection prot: a copy is filled in the library's reservation and
 * moved over the page in one step (no moment where the page is missing or
 * has other contents).  0, or -errno with the page unchanged (out of kernel
 * mappings: it stays a pool page).
 *
 * The kernel keeps the page a mapping of its own: it merges anonymous
 * memory only with the mapping it was made in, and a page can only get
 * there by being exposed empty first.  So unwatching does not give back the
 * mappings that watching took (README, limits). */
static int mw_alias_restore(struct mw_page *p, int prot)
{
    int err = 0;
    void *tmp = mw_pages_map(MW_PAGE_SIZE, 0, PROT_READ | PROT_WRITE, 0, -1, 0, &err);
    if (!tmp)
        return err;
    memcpy(tmp, p->alias_page, MW_PAGE_SIZE);
    mw_sys_mprotect(tmp, MW_PAGE_SIZE, prot);
    void *moved = mw_sys_mremap(tmp, MW_PAGE_SIZE, MW_PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)p->addr);
    mw_pages_unmap(tmp, MW_PAGE_SIZE); /* moved away or not: its addresses go back */
    return mw_sys_failed((long)moved) ? (int)(long)moved : 0;
}

int mw_alias_detach(struct mw_page *p, int prot)
{
    struct mw_alias *a = p->alias;
    int rc = a->kind == MW_ALIAS_POOL ? mw_alias_restore(p, prot)
                                      : (int)mw_sys_mprotect((void *)p->addr, MW_PAGE_SIZE, prot);
    if (rc != 0)
        return rc;
    mw_alias_release(p);
    return 0;
}

/* --- fork ------------------------------------------------------------------------ */

void mw_alias_fork_prepare(void) { mw_pool_fork_prepare(); }
void mw_alias_fork_parent(void) { mw_pool_fork_parent(); }
void mw_alias_fork_child(void) { mw_pool_fork_child(); }
