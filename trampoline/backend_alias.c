/*
 * trampoline/backend_alias.c - the alias backend (see backend.h).
 *
 * Private memory (anonymous, or a file's private pages such as .data) is
 * moved into a memfd: the contents are copied into a fresh memfd mapped at
 * some free address (the alias), then the same memfd is mapped over the
 * program's pages with the watch protection.  Both views now share physical
 * pages; the executor writes through the alias while the program's view
 * stays closed.  The copy happens with the pages read-only, so a thread
 * writing meanwhile faults, waits on the table lock, and finds the page
 * watched.  Shared memory needs no copy: mremap(old_size = 0) maps the same
 * pages a second time.
 *
 * What this changes, visible in /proc/self/maps: a watched private page
 * appears as "/memfd:memwatch (deleted)"; when the last watch leaves it, it
 * becomes private anonymous memory again with the same contents (a file's
 * private page stays anonymous).  After fork, the child's copies are made
 * private again (mw_alias_fork_*), so parent and child do not share what
 * was private before.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "core/pages.h"
#include "core/sys.h"
#include "trampoline/backend.h"

static struct mw_alias *mw_aliases;

static void mw_alias_link(struct mw_alias *a)
{
    a->next = mw_aliases;
    mw_aliases = a;
}

static void mw_alias_unlink(struct mw_alias *a)
{
    for (struct mw_alias **pp = &mw_aliases; *pp; pp = &(*pp)->next) {
        if (*pp == a) {
            *pp = a->next;
            return;
        }
    }
}

static void mw_alias_bind(struct mw_page **pages, size_t n, struct mw_alias *a, int prog_prot)
{
    for (size_t i = 0; i < n; i++) {
        struct mw_page *p = pages[i];
        p->prog_prot = prog_prot;
        p->backend = MW_BACKEND_ALIAS;
        p->alias = a;
        p->alias_page = a->alias + i * MW_PAGE_SIZE;
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

/* A fresh memfd of len bytes and its read/write mapping. Returns the fd. */
static int mw_memfd_mapped(size_t len, char **alias)
{
    int fd = (int)mw_sys_memfd_create("memwatch", MFD_CLOEXEC);
    if (fd < 0)
        return fd;
    long rc = mw_sys_ftruncate(fd, (long)len);
    if (rc == 0) {
        int err = 0;
        *alias = mw_pages_map(len, 0, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0, &err);
        rc = *alias ? 0 : err;
    }
    if (rc != 0) {
        mw_sys_close(fd);
        return (int)rc;
    }
    return fd;
}

static int mw_alias_attach_private(struct mw_page **pages, size_t n, const struct mw_map *m, struct mw_alias *a)
{
    size_t len = n * MW_PAGE_SIZE;
    void *view = (void *)pages[0]->addr;
    char *alias = NULL;
    int fd = mw_memfd_mapped(len, &alias);
    if (fd < 0)
        return fd;
    /* Read-only while copying: writers fault and wait for us. */
    long rc = mw_sys_mprotect(view, len, PROT_READ);
    if (rc == 0) {
        memcpy(alias, view, len);
        void *got = mw_sys_mmap(view, len, PROT_NONE, MAP_SHARED | MAP_FIXED, fd, 0);
        rc = mw_sys_failed((long)got) ? (long)got : 0;
    }
    mw_sys_close(fd);
    if (rc != 0) {
        mw_sys_mprotect(view, len, m->prot);
        mw_pages_unmap(alias, len);
        return (int)rc;
    }
    a->alias = alias;
    return 0;
}

static int mw_alias_attach_shared(struct mw_page **pages, size_t n, const struct mw_map *m, struct mw_alias *a)
{
    size_t len = n * MW_PAGE_SIZE;
    void *view = (void *)pages[0]->addr;
    /* The second view goes where the library keeps its own memory. */
    int err = 0;
    char *place = mw_pages_map(len, 0, PROT_NONE, 0, -1, 0, &err);
    if (!place)
        return err;
    char *alias = mw_sys_mremap(view, 0, len, MREMAP_MAYMOVE | MREMAP_FIXED, place);
    if (mw_sys_failed((long)alias)) {
        mw_pages_unmap(place, len);
        return (int)(long)alias;
    }
    /* A read-only file cannot be written through the alias either: then the
     * program could not write it, and neither will we. */
    if (mw_sys_mprotect(alias, len, PROT_READ | PROT_WRITE) != 0)
        mw_sys_mprotect(alias, len, PROT_READ);
    long rc = mw_sys_mprotect(view, len, PROT_NONE);
    if (rc != 0) {
        mw_pages_unmap(alias, len);
        return (int)rc;
    }
    (void)m;
    a->alias = alias;
    return 0;
}

int mw_alias_attach(struct mw_page **pages, size_t n, const struct mw_map *m)
{
    struct mw_alias *a = mw_alloc(sizeof *a);
    if (!a)
        return -ENOMEM;
    a->view = pages[0]->addr;
    a->len = n * MW_PAGE_SIZE;
    a->pages = (unsigned)n;
    a->shared = m->shared;
    int rc = m->shared ? mw_alias_attach_shared(pages, n, m, a) : mw_alias_attach_private(pages, n, m, a);
    if (rc != 0) {
        mw_free(a);
        return rc;
    }
    mw_alias_link(a);
    mw_alias_bind(pages, n, a, m->prot);
    mw_alias_apply_prots(pages, n, PROT_NONE);
    return 0;
}

/* One page leaves the extent; the extent goes with its last page. */
void mw_alias_release(struct mw_page *p)
{
    struct mw_alias *a = p->alias;
    p->alias = NULL;
    p->alias_page = NULL;
    if (a && --a->pages == 0) {
        mw_alias_unlink(a);
        mw_pages_unmap(a->alias, a->len);
        mw_free(a);
    }
}

void mw_alias_detach(struct mw_page *p, int prot)
{
    struct mw_alias *a = p->alias;
    if (!a->shared) {
        /* A private copy, moved over the page in one step: no moment where
         * the page is missing or has other contents. */
        void *tmp = mw_pages_map(MW_PAGE_SIZE, 0, PROT_READ | PROT_WRITE, 0, -1, 0, NULL);
        if (tmp) {
            memcpy(tmp, p->alias_page, MW_PAGE_SIZE);
            mw_sys_mprotect(tmp, MW_PAGE_SIZE, prot);
            void *moved = mw_sys_mremap(tmp, MW_PAGE_SIZE, MW_PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED,
                                        (void *)p->addr);
            if (!mw_sys_failed((long)moved))
                mw_sys_madvise(p->alias_page, MW_PAGE_SIZE, MADV_REMOVE); /* free the memfd page */
            mw_pages_unmap(tmp, MW_PAGE_SIZE); /* moved away or not: its addresses go back */
        } else {
            mw_sys_mprotect((void *)p->addr, MW_PAGE_SIZE, prot); /* keep it shared, but usable */
        }
    } else {
        mw_sys_mprotect((void *)p->addr, MW_PAGE_SIZE, prot);
    }
    mw_alias_release(p);
}

/* --- fork ------------------------------------------------------------------
 * The parent snapshots every private extent while holding the table lock
 * (no access can change it meanwhile); the child, still single-threaded,
 * moves each extent into a memfd of its own filled from the snapshot, so
 * neither process sees the other's writes afterwards. */

void mw_alias_fork_prepare(void)
{
    for (struct mw_alias *a = mw_aliases; a; a = a->next) {
        if (a->shared)
            continue;
        a->snapshot = mw_pages_map(a->len, 0, PROT_READ | PROT_WRITE, 0, -1, 0, NULL);
        if (a->snapshot)
            memcpy(a->snapshot, a->alias, a->len);
    }
}

void mw_alias_fork_parent(void)
{
    for (struct mw_alias *a = mw_aliases; a; a = a->next) {
        if (a->snapshot)
            mw_pages_unmap(a->snapshot, a->len);
        a->snapshot = NULL;
    }
}

void mw_alias_fork_child(void)
{
    for (struct mw_alias *a = mw_aliases; a; a = a->next) {
        if (!a->snapshot)
            continue;
        char *alias = NULL;
        int fd = mw_memfd_mapped(a->len, &alias);
        if (fd >= 0) {
            memcpy(alias, a->snapshot, a->len);
            char *old = a->alias;
            a->alias = alias;
            /* Only the pages still in the extent: the others were unwatched
             * (private again) or unmapped by the program. */
            for (size_t off = 0; off < a->len; off += MW_PAGE_SIZE) {
                struct mw_page *p = mw_page_find(a->view + off);
                if (!p || p->alias != a)
                    continue;
                mw_sys_mmap((void *)p->addr, MW_PAGE_SIZE, p->view_prot, MAP_SHARED | MAP_FIXED, fd, (long)off);
                p->alias_page = alias + off;
            }
            mw_sys_close(fd);
            mw_pages_unmap(old, a->len);
        }
        mw_pages_unmap(a->snapshot, a->len);
        a->snapshot = NULL;
    }
}
