/*
 * trampoline/promote_place.c - regions, second views and trampoline bands
 * for promoted sites (see promote_place.h).
 */
#include "trampoline/promote_place.h"

#include <sys/mman.h>

#include "core/arena.h"
#include "core/pages.h"
#include "core/spin.h"
#include "core/sys.h"
#include "trampoline/patch.h"

#define MW_PROMO_REGIONS 64
#define MW_REGION_SIZE (1UL << 20)
#define MW_REGION_CODE (768UL << 10)   /* stubs; the rest: second views, a page each */
#define MW_REGION_VIEWS ((MW_REGION_SIZE - MW_REGION_CODE) / MW_PAGE_SIZE)
#define MW_REACH (1L << 31)

struct mw_promo_view {
    uintptr_t page;              /* the program's page ... */
    char *view;                  /* ... seen here, next to the stubs */
};

struct mw_promo_region {
    uintptr_t base;
    size_t code_used;
    unsigned nviews;
    struct mw_promo_view views[MW_REGION_VIEWS];
};

static struct mw_promo_region *mw_regions[MW_PROMO_REGIONS];
static unsigned mw_nregions;
/* Sites promoted at once on several threads share regions: their room is
 * handed out under this lock (taken in the handler, or by writers with
 * signals blocked). */
static mw_spin_t mw_place_lock;

static int mw_reaches(uintptr_t a, uintptr_t b, size_t len)
{
    intptr_t d1 = (intptr_t)(a - b), d2 = (intptr_t)(a - (b + len));
    return d1 > -MW_REACH + 4096 && d1 < MW_REACH - 4096 && d2 > -MW_REACH + 4096 && d2 < MW_REACH - 4096;
}

static struct mw_promo_region *mw_region_new(uintptr_t near)
{
    if (mw_nregions == MW_PROMO_REGIONS)
        return NULL;
    struct mw_promo_region *r = mw_alloc(sizeof *r);
    if (!r)
        return NULL;
    uintptr_t around = near & ~(MW_REGION_SIZE - 1);
    for (long k = 1; k < 1024; k++) {
        for (int side = 0; side < 2; side++) {
            uintptr_t at = side ? around + (uintptr_t)k * MW_REGION_SIZE : around - (uintptr_t)k * MW_REGION_SIZE;
            if (!mw_reaches(near, at, MW_REGION_SIZE) || at < (1UL << 20))
                continue;
            long got = (long)mw_sys_mmap((void *)at, MW_REGION_SIZE, PROT_NONE,
                                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
            if (mw_sys_failed(got))
                continue;
            if ((uintptr_t)got != at || mw_pages_adopt(at, at + MW_REGION_SIZE) != 0) {
                mw_sys_munmap((void *)got, MW_REGION_SIZE);
                mw_free(r);
                return NULL;
            }
            mw_sys_mprotect((void *)at, MW_REGION_CODE, PROT_READ | PROT_WRITE | PROT_EXEC);
            r->base = at;
            mw_regions[mw_nregions++] = r;
            return r;
        }
    }
    mw_free(r);
    return NULL;
}

uintptr_t mw_place_stub(uintptr_t near, size_t size, struct mw_promo_region **region)
{
    uintptr_t at = 0;
    mw_spin_lock(&mw_place_lock);
    struct mw_promo_region *r = NULL;
    for (unsigned i = 0; i < mw_nregions && !r; i++)
        if (mw_reaches(near, mw_regions[i]->base, MW_REGION_SIZE) &&
            mw_regions[i]->code_used + size <= MW_REGION_CODE && mw_regions[i]->nviews + 4 < MW_REGION_VIEWS)
            r = mw_regions[i];
    if (!r)
        r = mw_region_new(near);
    if (r) {
        at = r->base + r->code_used;
        r->code_used += (size + 15) & ~(size_t)15;
    }
    mw_spin_unlock(&mw_place_lock);
    *region = r;
    return at;
}

/* The same memory as p's alias: mremap with old_size 0 of a shared mapping
 * maps its pages again. */
char *mw_place_view(struct mw_promo_region *r, const struct mw_page *p)
{
    char *view = NULL;
    mw_spin_lock(&mw_place_lock);
    for (unsigned i = 0; i < r->nviews && !view; i++)
        if (r->views[i].page == p->addr)
            view = r->views[i].view;
    if (!view && r->nviews < MW_REGION_VIEWS && p->alias_page) {
        char *slot = (char *)(r->base + MW_REGION_CODE + r->nviews * MW_PAGE_SIZE);
        long got = (long)mw_sys_mremap(p->alias_page, 0, MW_PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, slot);
        if (!mw_sys_failed(got)) {
            r->views[r->nviews++] = (struct mw_promo_view){p->addr, slot};
            view = slot;
        }
    }
    mw_spin_unlock(&mw_place_lock);
    return view;
}

/* A band for m: the displacement's low three bytes int3, its top byte any
 * trapping byte, nearest first (the top byte moves the band by 16 MiB). */
static void mw_band_reserve(struct mw_module *m)
{
    static const uint8_t tops[] = {0xf4, 0xd6, 0xd5, 0xd4, 0xce, 0xcc, 0x06, 0x07, 0x0e, 0x16,
                                   0x17, 0x1e, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x60, 0x61};
    for (unsigned i = 0; i < sizeof tops; i++) {
        int32_t rel = (int32_t)(0x00ccccccU | (uint32_t)tops[i] << 24);
        uintptr_t lo = MW_PAGE_FLOOR(m->text_lo + 5 + (intptr_t)rel);
        uintptr_t hi = MW_PAGE_CEIL(m->text_hi + 10 + (intptr_t)rel);
        long got = (long)mw_sys_mmap((void *)lo, hi - lo, PROT_NONE,
                                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
        if (mw_sys_failed(got))
            continue;
        if ((uintptr_t)got != lo || mw_pages_adopt(lo, hi) != 0) {
            mw_sys_munmap((void *)got, hi - lo);
            break;
        }
        m->band_lo = lo;
        m->band_hi = hi;
        m->span_rel = rel;
        return;
    }
    m->band_failed = 1;
}

uintptr_t mw_place_trampoline(struct mw_module *m, uintptr_t site)
{
    uintptr_t at = 0;
    mw_spin_lock(&mw_place_lock);
    if (!m->band_lo && !m->band_failed)
        mw_band_reserve(m);
    if (m->band_lo) {
        at = site + 5 + (intptr_t)m->span_rel;
        if (at < m->band_lo || at + 5 > m->band_hi ||
            mw_sys_mprotect((void *)MW_PAGE_FLOOR(at), MW_PAGE_CEIL(at + 5) - MW_PAGE_FLOOR(at),
                            PROT_READ | PROT_WRITE | PROT_EXEC) != 0)
            at = 0;
    }
    mw_spin_unlock(&mw_place_lock);
    return at;
}

void mw_place_after_fork_child(void)
{
    for (unsigned i = 0; i < mw_nregions; i++) {
        struct mw_promo_region *r = mw_regions[i];
        for (unsigned v = 0; v < r->nviews; v++) {
            struct mw_page *p = mw_page_find(r->views[v].page);
            if (p && p->alias_page)
                mw_sys_mremap(p->alias_page, 0, MW_PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, r->views[v].view);
            else
                mw_sys_mmap(r->views[v].view, MW_PAGE_SIZE, PROT_NONE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
        }
    }
}
