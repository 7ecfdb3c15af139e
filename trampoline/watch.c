/*
 * trampoline/watch.c - the life of a watch (see watch.h).
 *
 * Starting a watch: check the input, refuse the library's own memory (alias
 * views, arena, executor pages, signal stacks: core/pages.h), ask the
 * kernel's map (maps.c) that every page is mapped (before touching anything -
 * everything the library allocates meanwhile comes from its own reservation,
 * so it cannot fill a hole the program just left and make it look mapped),
 * then under the table lock check for
 * conflicts, create the watch, add it to the pages it covers that are already
 * watched, and hand the new pages to a backend run by run (one run per
 * mapping).  Ending a watch undoes exactly that: pages that keep another
 * watch keep their backend, the others go back to ordinary memory.  Nothing
 * outside the named range changes protection except the rest of its pages,
 * which trap silently.
 */
#include "trampoline/watch.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "core/pages.h"
#include "core/sys.h"
#include "trampoline/backend.h"
#include "trampoline/index.h"
#include "trampoline/maps.h"
#include "trampoline/promote.h"
#include "trampoline/route.h"
#include "trampoline/table.h"

#define MW_MAPS_MAX 64

static void mw_copy_label(char *dst, size_t cap, const char *src)
{
    size_t i = 0;
    for (; src && src[i] && i + 1 < cap; i++)
        dst[i] = src[i];
    dst[i] = 0;
}

/* Conflicts with what the table holds, under the lock. */
static int mw_watch_conflicts(uintptr_t start, uintptr_t end, unsigned access)
{
    for (uintptr_t a = MW_PAGE_FLOOR(start); a < end; a += MW_PAGE_SIZE) {
        struct mw_page *p = mw_page_find(a);
        if (!p)
            continue;
        if (p->code)
            return -EBUSY;
        for (unsigned i = 0; i < p->nwatches; i++) {
            struct mw_watch *w = p->watches[i];
            if (w->start < end && start < w->end && w->access != access)
                return -EEXIST;
        }
    }
    return 0;
}

/* Takes w off page p; a page left without watches becomes ordinary memory
 * with protection prot (< 0: the program's own). */
static void mw_page_unwatch(struct mw_page *p, struct mw_watch *w, int prot)
{
    mw_page_remove_watch(p, w);
    if (p->nwatches) {
        mw_backend_reprotect(p);
        return;
    }
    if (p->backend != MW_BACKEND_NONE) {
        int restore = prot >= 0 ? prot : p->prog_prot;
        int rc = mw_backend_detach(p, restore);
        p->prog_prot = restore;
        if (rc != 0) /* still closed (out of kernel mappings): accesses run silently */
            mw_backend_reprotect(p);
    }
    mw_page_drop_if_unused(p);
}

/* Undo for a failed start: take w off the pages that got it. */
static void mw_watch_unwind(struct mw_watch *w, uintptr_t start, uintptr_t end)
{
    for (uintptr_t a = start; a < end; a += MW_PAGE_SIZE) {
        struct mw_page *p = mw_page_find(a);
        if (p)
            mw_page_unwatch(p, w, -1);
    }
}

/* Adds w to every page of one mapping's part of the range, then hands each
 * run of pages that were not watched yet to a backend. */
static int mw_watch_cover(struct mw_watch *w, const struct mw_map *m)
{
    size_t npages = (m->end - m->start) / MW_PAGE_SIZE;
    struct mw_page **pages = mw_alloc(npages * sizeof *pages);
    if (!pages)
        return -ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < npages && rc == 0; i++) {
        pages[i] = mw_page_get(m->start + i * MW_PAGE_SIZE, m->prot);
        if (!pages[i] || mw_page_add_watch(pages[i], w) != 0)
            rc = -ENOMEM;
    }
    for (size_t i = 0; i < npages && rc == 0;) {
        if (pages[i]->backend != MW_BACKEND_NONE) {
            mw_backend_reprotect(pages[i++]);
            continue;
        }
        size_t run = 1;
        while (i + run < npages && pages[i + run]->backend == MW_BACKEND_NONE)
            run++;
        rc = mw_backend_attach(pages + i, run, m);
        i += run;
    }
    mw_free(pages);
    return rc;
}

int mw_watch_start(const struct mw_watch_spec *spec, memwatch_id_t *id)
{
    uintptr_t start = spec->addr, end = spec->addr + spec->size;
    if (!start || !spec->size || end < start || !spec->access || (spec->access & ~MEMWATCH_RW))
        return -EINVAL;
    uintptr_t ps = MW_PAGE_FLOOR(start), pe = MW_PAGE_CEIL(end);
    if (pe < ps || mw_pages_own(ps, pe))
        return -EINVAL;
    struct mw_map maps[MW_MAPS_MAX];
    int n = mw_maps_query(ps, pe, maps, MW_MAPS_MAX);
    if (n < 0)
        return n == -ENOSPC ? -ENOTSUP : n;
    for (int i = 0; i < n; i++)
        if (maps[i].special)
            return -ENOTSUP;

    mw_sigmask_t saved;
    mw_table_lock(&saved);
    int rc = mw_watch_conflicts(start, end, spec->access);
    struct mw_watch *w = NULL;
    if (rc == 0 && !(w = mw_watch_new()))
        rc = -ENOMEM;
    if (rc == 0) {
        w->start = start;
        w->end = end;
        w->access = spec->access;
        w->flags = spec->flags;
        w->callback = spec->callback;
        w->user = spec->user;
        mw_copy_label(w->label, sizeof w->label, spec->label);
        for (int i = 0; i < n && rc == 0; i++)
            rc = mw_watch_cover(w, &maps[i]);
        if (rc != 0) {
            mw_watch_unwind(w, ps, pe);
            mw_free(w);
        } else {
            mw_watch_insert(w);
            if (id)
                *id = w->id;
        }
    }
    mw_table_unlock(&saved);
    return rc;
}

int mw_watch_stop(memwatch_id_t id, int prot)
{
    mw_sigmask_t saved;
    mw_table_lock(&saved);
    struct mw_watch *w = mw_watch_find(id);
    if (!w) {
        mw_table_unlock(&saved);
        return -ENOENT;
    }
    for (uintptr_t a = MW_PAGE_FLOOR(w->start); a < w->end; a += MW_PAGE_SIZE) {
        struct mw_page *p = mw_page_find(a);
        if (p)
            mw_page_unwatch(p, w, prot);
    }
    mw_watch_delete(w);
    mw_table_unlock(&saved);
    return 0;
}

memwatch_id_t mw_watch_lookup(uintptr_t addr)
{
    mw_sigmask_t saved;
    mw_table_lock(&saved);
    struct mw_watch *w = mw_watch_find_addr(addr);
    memwatch_id_t id = w ? w->id : 0;
    mw_table_unlock(&saved);
    return id;
}

int mw_watch_count(memwatch_id_t id, uint64_t *count)
{
    mw_sigmask_t saved;
    mw_table_lock(&saved);
    struct mw_watch *w = mw_watch_find(id);
    if (w)
        *count = __atomic_load_n(&w->count, __ATOMIC_RELAXED);
    mw_table_unlock(&saved);
    return w ? 0 : -ENOENT;
}

void mw_watch_on_code_change(uintptr_t start, uintptr_t end, int gone)
{
    if (mw_promo_any_live()) /* else no patch stands anywhere (stale records are told apart) */
        mw_promo_forget_code(start, end, !gone);
}

int mw_watch_copy_out(void *dst, const void *src, size_t n)
{
    mw_sigmask_t saved;
    mw_table_lock(&saved);
    struct mw_route r;
    int rc = mw_route_build(&r, (uintptr_t)dst, n) == 0 ? 0 : -EINVAL;
    if (rc == 0) {
        uintptr_t bad;
        if (!r.watched)
            memcpy(dst, src, n);
        else if (!mw_route_allows(&r, 0, 1) || mw_route_write(&r, (uintptr_t)dst, src, n, &bad) != 0)
            rc = -EFAULT;
        mw_route_finish(&r);
    }
    mw_table_unlock(&saved);
    return rc;
}

int mw_watch_mode(memwatch_id_t id)
{
    mw_sigmask_t saved;
    mw_table_lock(&saved);
    struct mw_watch *w = mw_watch_find(id);
    int mode = w ? 0 : -ENOENT;
    for (uintptr_t a = w ? MW_PAGE_FLOOR(w->start) : 0; w && a < w->end; a += MW_PAGE_SIZE) {
        struct mw_page *p = mw_page_find(a);
        if (p)
            mode |= (p->backend == MW_BACKEND_ALIAS ? MEMWATCH_MODE_ALIAS : MEMWATCH_MODE_TOGGLE) |
                    (mw_promo_serves(p) ? MEMWATCH_MODE_PROMOTED : 0);
    }
    mw_table_unlock(&saved);
    return mode;
}

/* The four calls below serve the program's own mmap/mprotect/munmap/mremap:
 * they walk the tracked pages of the range in the ordered index, so a range
 * of gigabytes costs what the tracked pages inside it cost. */
int mw_watch_any_page(uintptr_t start, uintptr_t end)
{
    struct mw_index_iter it = mw_index_range(MW_PAGE_FLOOR(start), end);
    for (struct mw_page *p; (p = mw_index_step(&it));)
        if (p->nwatches || p->backend != MW_BACKEND_NONE)
            return 1;
    return 0;
}

void mw_watch_on_unmap(uintptr_t start, uintptr_t end)
{
    struct mw_index_iter it = mw_index_range(MW_PAGE_FLOOR(start), end);
    for (struct mw_page *p; (p = mw_index_step(&it));) {
        if (!p->nwatches && p->backend == MW_BACKEND_NONE)
            continue;
        while (p->nwatches)
            mw_page_remove_watch(p, p->watches[0]);
        mw_backend_forget(p);
        mw_page_drop_if_unused(p);
    }
}

int mw_watch_on_mprotect(uintptr_t start, uintptr_t end, int prot)
{
    int any = 0;
    struct mw_index_iter it = mw_index_range(MW_PAGE_FLOOR(start), end);
    for (struct mw_page *p; (p = mw_index_step(&it));) {
        if (p->backend == MW_BACKEND_NONE)
            continue;
        any = 1;
        p->prog_prot = prot;
        mw_backend_reprotect(p);
    }
    return any;
}

void mw_watch_before_move(uintptr_t start, uintptr_t end)
{
    struct mw_index_iter it = mw_index_range(MW_PAGE_FLOOR(start), end);
    for (struct mw_page *p; (p = mw_index_step(&it));) {
        if (p->backend == MW_BACKEND_NONE)
            continue;
        while (p->nwatches)
            mw_page_remove_watch(p, p->watches[0]);
        mw_backend_detach(p, p->prog_prot);
        mw_page_drop_if_unused(p);
    }
}
