/*
 * trampoline/promote.c - hot-site promotion (see promote.h): counting
 * faults per site, deciding, building stubs near the site, patching the
 * site, and giving sites their code back.
 *
 * The sites live in one open-addressed table keyed by RIP (lock-free
 * counting in the fault handler; a site is built by the one thread that
 * wins its state from COLD to BUSY, with read access to the region table
 * held, so the pages it trusts cannot change meanwhile).  Stubs and the
 * second views of pages they reach live in regions mapped within reach of
 * a rel32 jump from the site (found with MAP_FIXED_NOREPLACE next to it) and
 * counted as the library's own memory (core/pages.h).
 *
 * A stub for a site whose operand address is constant (RIP-relative):
 *   miss:  <the instruction, its displacement aimed at the second view>
 *          jmp site+len
 *   hit:   lea rsp,[rsp-128]; push site; call [hit entry]    (promote_hit.c)
 *     +16: lea rsp,[rsp+136]; jmp site+len                   engine did it
 *     +29: lea rsp,[rsp+136]; <the instruction, aimed at the site's own
 *          target>; jmp site+len                             fault path
 */
#include "trampoline/promote.h"

#include <Zydis/Zydis.h>
#include <string.h>
#include <sys/mman.h>

#include "core/log.h"
#include "core/pages.h"
#include "core/spin.h"
#include "core/sys.h"
#include "trampoline/fault.h"
#include "trampoline/maps.h"
#include "trampoline/patch.h"
#include "trampoline/promote_hit.h"
#include "trampoline/regs.h"

#define MW_PROMO_SITES 4096
#define MW_PROMO_REGIONS 64
#define MW_REGION_SIZE (1UL << 20)
#define MW_REGION_CODE (768UL << 10)   /* stubs; the rest: second views, a page each */
#define MW_REGION_VIEWS ((MW_REGION_SIZE - MW_REGION_CODE) / MW_PAGE_SIZE)
#define MW_REACH (1L << 31)
#define MW_HIT_STUB_MAX 96

enum mw_promo_state {
    MW_PS_COLD,     /* counting faults */
    MW_PS_BUSY,     /* one thread is building or retiring it */
    MW_PS_LIVE,     /* patched: the site jumps to its stub */
    MW_PS_REFUSED,  /* cannot be promoted (kind, size, memory): never tried again */
};

struct mw_promo_site {
    uint64_t rip;                /* the site; 0: a free entry */
    uint32_t faults;
    uint8_t state;               /* enum mw_promo_state */
    uint8_t len;
    uint8_t bytes[15];           /* the original instruction */
    uint8_t hit;                 /* its stub is the hit kind (has a copy) */
    uintptr_t page;              /* the page its stub trusts */
    char *stub;
    unsigned stub_len;
};

struct mw_promo_view {
    uintptr_t page;              /* the program's page ... */
    char *view;                  /* ... seen here, next to the stubs */
};

struct mw_promo_region {
    uintptr_t base;
    unsigned code_used;
    unsigned nviews;
    struct mw_promo_view views[MW_REGION_VIEWS];
};

static enum mw_promo_mode mw_mode;
static struct mw_promo_site mw_sites[MW_PROMO_SITES];
static struct mw_promo_region *mw_regions[MW_PROMO_REGIONS];
static unsigned mw_nregions;
static unsigned mw_live;         /* sites now LIVE: the handler's quick "any stub?" */
/* Regions are shared by sites promoted at once on several threads: their
 * room is handed out under this lock (taken in the handler, or by writers
 * with signals blocked). */
static mw_spin_t mw_region_lock;

void mw_promo_setup(enum mw_promo_mode mode)
{
    if (mode != MW_PROMO_OFF && (mw_patch_init() != 0 || mw_promo_hit_setup() != 0)) {
        mw_debug("code patching is not possible here (no /proc/self/mem or membarrier SYNC_CORE): no hot-site "
                 "promotion");
        mode = MW_PROMO_OFF;
    }
    mw_mode = mode;
}

enum mw_promo_mode mw_promo_mode(void) { return mw_mode; }

/* --- the site table ------------------------------------------------------------ */

static unsigned mw_site_slot(uint64_t rip) { return (unsigned)((rip * 0x9e3779b97f4a7c15ULL) >> 52); }

static struct mw_promo_site *mw_site_find(uint64_t rip)
{
    unsigned i = mw_site_slot(rip);
    for (unsigned n = 0; n < 32; n++, i = (i + 1) % MW_PROMO_SITES) {
        uint64_t at = __atomic_load_n(&mw_sites[i].rip, __ATOMIC_ACQUIRE);
        if (at == rip)
            return &mw_sites[i];
        if (at == 0)
            return NULL;
    }
    return NULL;
}

static struct mw_promo_site *mw_site_find_or_add(uint64_t rip)
{
    unsigned i = mw_site_slot(rip);
    for (unsigned n = 0; n < 32; n++, i = (i + 1) % MW_PROMO_SITES) {
        uint64_t at = __atomic_load_n(&mw_sites[i].rip, __ATOMIC_ACQUIRE);
        if (at == rip)
            return &mw_sites[i];
        if (at == 0 && __atomic_compare_exchange_n(&mw_sites[i].rip, &at, rip, 0, __ATOMIC_ACQ_REL,
                                                   __ATOMIC_ACQUIRE))
            return &mw_sites[i];
        if (at == rip)
            return &mw_sites[i];
    }
    return NULL; /* a crowded neighbourhood: this site stays unpromoted */
}

static int mw_site_claim(struct mw_promo_site *ps, uint8_t from)
{
    return __atomic_compare_exchange_n(&ps->state, &from, MW_PS_BUSY, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static void mw_site_release(struct mw_promo_site *ps, uint8_t to) { __atomic_store_n(&ps->state, to, __ATOMIC_RELEASE); }

/* --- regions near the code ------------------------------------------------------- */

static int mw_reaches(uintptr_t a, uintptr_t b, size_t len)
{
    intptr_t d1 = (intptr_t)(a - b), d2 = (intptr_t)(a - (b + len));
    return d1 > -MW_REACH + 4096 && d1 < MW_REACH - 4096 && d2 > -MW_REACH + 4096 && d2 < MW_REACH - 4096;
}

/* A new region within reach of site: tried at whole megabytes around it,
 * nearest first, without ever replacing anything. */
static struct mw_promo_region *mw_region_new(uintptr_t site)
{
    if (mw_nregions == MW_PROMO_REGIONS)
        return NULL;
    struct mw_promo_region *r = mw_alloc(sizeof *r);
    if (!r)
        return NULL;
    uintptr_t around = site & ~(MW_REGION_SIZE - 1);
    for (long k = 1; k < 1024; k++) {
        for (int side = 0; side < 2; side++) {
            uintptr_t at = side ? around + (uintptr_t)k * MW_REGION_SIZE : around - (uintptr_t)k * MW_REGION_SIZE;
            if (!mw_reaches(site, at, MW_REGION_SIZE) || at < (1UL << 20))
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

static struct mw_promo_region *mw_region_near(uintptr_t site, size_t code)
{
    for (unsigned i = 0; i < mw_nregions; i++) {
        struct mw_promo_region *r = mw_regions[i];
        if (mw_reaches(site, r->base, MW_REGION_SIZE) && r->code_used + code <= MW_REGION_CODE &&
            r->nviews < MW_REGION_VIEWS)
            return r;
    }
    return mw_region_new(site);
}

/* The second view of page p in region r, made once: the same memory as
 * p's alias (mremap with old_size 0 of a shared mapping maps its pages
 * again). */
static char *mw_region_view(struct mw_promo_region *r, const struct mw_page *p)
{
    for (unsigned i = 0; i < r->nviews; i++)
        if (r->views[i].page == p->addr)
            return r->views[i].view;
    if (r->nviews == MW_REGION_VIEWS || !p->alias_page)
        return NULL;
    char *slot = (char *)(r->base + MW_REGION_CODE + r->nviews * MW_PAGE_SIZE);
    long got = (long)mw_sys_mremap(p->alias_page, 0, MW_PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, slot);
    if (mw_sys_failed(got))
        return NULL;
    r->views[r->nviews++] = (struct mw_promo_view){p->addr, slot};
    return slot;
}

/* --- building a stub ------------------------------------------------------------- */

static void mw_put32(uint8_t *p, int32_t v) { memcpy(p, &v, 4); }

/* The site's bytes with their RIP-relative displacement (at disp_off) set so
 * that, placed at `at`, the operand reaches `target`. */
static void mw_aimed_copy(uint8_t *out, const struct mw_promo_site *ps, unsigned disp_off, uintptr_t at,
                          uintptr_t target)
{
    memcpy(out, ps->bytes, ps->len);
    mw_put32(out + disp_off, (int32_t)(intptr_t)(target - (at + ps->len)));
}

static unsigned mw_emit_jmp(uint8_t *out, uintptr_t at, uintptr_t to)
{
    out[0] = 0xe9;
    mw_put32(out + 1, (int32_t)(intptr_t)(to - (at + 5)));
    return 5;
}

static unsigned mw_build_miss(uint8_t *code, const struct mw_promo_site *ps, unsigned disp_off, uintptr_t stub,
                              uintptr_t view_target)
{
    mw_aimed_copy(code, ps, disp_off, stub, view_target);
    return ps->len + mw_emit_jmp(code + ps->len, stub + ps->len, ps->rip + ps->len);
}

static unsigned mw_build_hit(uint8_t *code, const struct mw_promo_site *ps, unsigned disp_off, uintptr_t stub,
                             uintptr_t ea, unsigned index)
{
    static const uint8_t lea_down[] = {0x48, 0x8d, 0x64, 0x24, 0x80};                 /* lea rsp,[rsp-128] */
    static const uint8_t lea_up[] = {0x48, 0x8d, 0xa4, 0x24, 0x88, 0x00, 0x00, 0x00}; /* lea rsp,[rsp+136] */
    unsigned n = 0;
    memcpy(code + n, lea_down, sizeof lea_down);
    n += sizeof lea_down;
    code[n++] = 0x68; /* push imm32: the site's index */
    mw_put32(code + n, (int32_t)index);
    n += 4;
    unsigned call_at = n; /* call [rip+d]: d filled when the pointer's place is known */
    code[n++] = 0xff;
    code[n++] = 0x15;
    n += 4;
    /* MW_PROMO_HIT_DONE: the engine completed the access */
    memcpy(code + n, lea_up, sizeof lea_up);
    n += sizeof lea_up;
    n += mw_emit_jmp(code + n, stub + n, ps->rip + ps->len);
    /* MW_PROMO_HIT_DONE + MW_PROMO_HIT_SLOW_OFFSET: the fault path takes it */
    memcpy(code + n, lea_up, sizeof lea_up);
    n += sizeof lea_up;
    mw_aimed_copy(code + n, ps, disp_off, stub + n, ea);
    n += ps->len;
    n += mw_emit_jmp(code + n, stub + n, ps->rip + ps->len);
    n = (n + 7) & ~7u;
    uint64_t entry = (uint64_t)(uintptr_t)mw_promo_hit_entry;
    memcpy(code + n, &entry, 8);
    mw_put32(code + call_at + 2, (int32_t)(n - (call_at + 6)));
    return n + 8;
}

/* --- deciding ------------------------------------------------------------------- */

/* Where the instruction's RIP-relative displacement lies in its bytes, or
 * 0 when it has none (only such sites have a constant address). */
static unsigned mw_disp_offset(const struct mw_promo_site *ps)
{
    ZydisDecoder d;
    ZydisDecodedInstruction zi;
    ZydisDecoderInit(&d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&d, NULL, ps->bytes, ps->len, &zi)))
        return 0;
    if (!(zi.attributes & ZYDIS_ATTRIB_IS_RELATIVE) || zi.raw.disp.size != 32 || zi.length != ps->len)
        return 0;
    return zi.raw.disp.offset;
}

/* Does the access [ea, ea + n) touch a byte a watch on p reports? */
static int mw_touches_watch(const struct mw_page *p, uintptr_t ea, size_t n, int is_read, int is_write)
{
    for (unsigned i = 0; i < p->nwatches; i++) {
        const struct mw_watch *w = p->watches[i];
        int wants = ((w->access & MEMWATCH_READ) && is_read) || ((w->access & MEMWATCH_WRITE) && is_write);
        if (wants && w->start < ea + n && ea < w->end)
            return 1;
    }
    return 0;
}

/* Is rip in code the program loaded from a file, not writable (never a
 * JIT's memory, never ours)?  MW_PROMO_ALWAYS also takes anonymous code. */
static int mw_code_is_promotable(uint64_t rip, unsigned len)
{
    struct mw_map m;
    uintptr_t lo = MW_PAGE_FLOOR(rip), hi = MW_PAGE_CEIL(rip + len);
    if (mw_maps_query(lo, hi, &m, 1) != 1)
        return 0; /* unmapped, or more than one mapping */
    if (!(m.prot & PROT_EXEC) || (m.prot & PROT_WRITE) || m.special || mw_pages_own(lo, hi))
        return 0;
    if (mw_mode == MW_PROMO_ALWAYS)
        return 1;
    return m.file && !m.shared && !mw_page_find(lo); /* no code region of the capture cycle */
}

static int mw_insn_is_promotable(const struct mw_insn *in)
{
    return in->kind == MW_KIND_MEM && in->len >= 5 && !in->has_vsib && !in->has_mem2 && in->rsp_sub < 0 &&
           in->mem.bit_reg < 0 && !in->mem.align && in->mem.seg == MW_SEG_FLAT && !in->mem.addr32 &&
           in->mem.base == MW_REG_RIP && in->mem.index < 0 && in->mem.size <= 64 &&
           !(in->regs_used & (1u << MW_RSP));
}

static void mw_refuse(struct mw_promo_site *ps, const char *why)
{
    mw_debug("site %p: not promoted (%s)", (void *)ps->rip, why);
    mw_site_release(ps, MW_PS_REFUSED);
}

/* Builds the stub and patches the site.  BUSY is held; read access to the
 * table too. */
static void mw_promote(struct mw_promo_site *ps, const struct mw_site *s, unsigned index)
{
    const struct mw_insn *in = &s->insn;
    ps->len = in->len;
    memcpy(ps->bytes, s->bytes, in->len);
    unsigned disp_off = mw_disp_offset(ps);
    uint64_t gpr[16] = {0};
    uintptr_t ea = (uintptr_t)mw_memop_ea(&in->mem, gpr, ps->rip + in->len);
    struct mw_page *p = mw_page_find(MW_PAGE_FLOOR(ea));
    if (!disp_off || !mw_code_is_promotable(ps->rip, in->len)) {
        mw_refuse(ps, "not an exact stub's kind of code");
        return;
    }
    if (!p || p->backend != MW_BACKEND_ALIAS || MW_PAGE_FLOOR(ea + in->mem.size - 1) != p->addr ||
        (in->mem.read && !(p->prog_prot & PROT_READ)) || (in->mem.write && !(p->prog_prot & PROT_WRITE))) {
        mw_site_release(ps, MW_PS_COLD); /* not now: the page may change */
        return;
    }
    int hit = mw_touches_watch(p, ea, in->mem.size, in->mem.read, in->mem.write);
    mw_spin_lock(&mw_region_lock);
    struct mw_promo_region *r = mw_region_near(ps->rip, MW_HIT_STUB_MAX);
    char *view = r ? mw_region_view(r, p) : NULL;
    uintptr_t stub = r ? r->base + r->code_used : 0;
    if (r && view)
        r->code_used += MW_HIT_STUB_MAX; /* this site's room, whatever its stub turns out to need */
    mw_spin_unlock(&mw_region_lock);
    if (!r || !view) {
        mw_site_release(ps, MW_PS_COLD);
        return;
    }
    uint8_t code[MW_HIT_STUB_MAX];
    unsigned n = hit ? mw_build_hit(code, ps, disp_off, stub, ea, index)
                     : mw_build_miss(code, ps, disp_off, stub, (uintptr_t)view + (ea - p->addr));
    memcpy((void *)stub, code, n);
    uint8_t jump[15];
    memcpy(jump, ps->bytes, ps->len);
    mw_emit_jmp(jump, ps->rip, stub);
    if (mw_patch_replace(ps->rip, ps->bytes, jump, 5) != 0) {
        mw_refuse(ps, "the code could not be written");
        return;
    }
    ps->stub = (char *)stub;
    ps->stub_len = n;
    ps->hit = (uint8_t)hit;
    ps->page = p->addr;
    p->promoted++;
    p->promo_kept = 1;
    __atomic_add_fetch(&mw_live, 1, __ATOMIC_RELAXED);
    mw_debug("site %p promoted (%s stub at %p)", (void *)ps->rip, hit ? "hit" : "miss", (void *)stub);
    mw_site_release(ps, MW_PS_LIVE);
}

void mw_promo_note(struct mw_thread *t, const struct mw_site *s)
{
    (void)t;
    if (mw_mode == MW_PROMO_OFF || !mw_insn_is_promotable(&s->insn))
        return;
    uint64_t rip = s->rip;
    struct mw_promo_site *ps = mw_site_find_or_add(rip);
    if (!ps || __atomic_load_n(&ps->state, __ATOMIC_ACQUIRE) != MW_PS_COLD)
        return;
    unsigned threshold = mw_mode == MW_PROMO_ALWAYS ? 1 : MW_PROMO_THRESHOLD;
    if (__atomic_add_fetch(&ps->faults, 1, __ATOMIC_RELAXED) < threshold || !mw_site_claim(ps, MW_PS_COLD))
        return;
    ps->faults = 0;
    mw_promote(ps, s, (unsigned)(ps - mw_sites));
}

/* --- the fault path's questions ------------------------------------------------- */

int mw_promo_trap(const siginfo_t *info, ucontext_t *uc)
{
    (void)info;
    if (!__atomic_load_n(&mw_live, __ATOMIC_RELAXED) && mw_mode == MW_PROMO_OFF)
        return 0;
    uint64_t rip = mw_ctx_rip(uc) - 1; /* int3 reports the byte after it */
    if (!mw_site_find(rip))
        return 0;
    uint8_t now;
    if (mw_sys_safe_read(&now, (const void *)rip, 1) == 1 && now == 0xcc) {
        /* still being changed: let the patcher finish first */
        struct { long s, ns; } nap = {0, 20000};
        MW_SYS2(SYS_nanosleep, &nap, NULL);
    }
    mw_ctx_set_rip(uc, rip);
    return 1;
}

int mw_promo_original(uint64_t rip, const uint8_t **bytes, unsigned *len)
{
    if (mw_mode == MW_PROMO_OFF)
        return 0;
    const struct mw_promo_site *ps = mw_site_find(rip);
    if (!ps || !ps->len)
        return 0;
    *bytes = ps->bytes;
    *len = ps->len;
    return 1;
}

uint64_t mw_promo_site_of(uint64_t rip, const uint8_t **bytes, unsigned *len)
{
    if (!__atomic_load_n(&mw_live, __ATOMIC_RELAXED))
        return 0;
    for (unsigned i = 0; i < MW_PROMO_SITES; i++) {
        const struct mw_promo_site *ps = &mw_sites[i];
        if (!ps->stub || !ps->hit)
            continue;
        uintptr_t copy = (uintptr_t)ps->stub + MW_PROMO_HIT_DONE + MW_PROMO_HIT_SLOW_OFFSET + 8;
        if (rip == copy) {
            *bytes = ps->bytes;
            *len = ps->len;
            return ps->rip;
        }
    }
    return 0;
}

/* --- giving code back ----------------------------------------------------------- */

static void mw_retire(struct mw_promo_site *ps, struct mw_page *p)
{
    uint8_t jump[15];
    memcpy(jump, ps->bytes, ps->len);
    mw_emit_jmp(jump, ps->rip, (uintptr_t)ps->stub);
    /* The stub stays where it is (a thread may still be in it); the site
     * gets its own bytes back. */
    mw_patch_replace(ps->rip, jump, ps->bytes, 5);
    ps->stub = NULL;
    ps->faults = 0;
    if (p && p->promoted)
        p->promoted--;
    __atomic_sub_fetch(&mw_live, 1, __ATOMIC_RELAXED);
    mw_site_release(ps, MW_PS_COLD);
}

void mw_promo_page_changed(struct mw_page *p)
{
    if (!p || !p->promoted)
        return;
    for (unsigned i = 0; i < MW_PROMO_SITES && p->promoted; i++) {
        struct mw_promo_site *ps = &mw_sites[i];
        if (ps->page == p->addr && mw_site_claim(ps, MW_PS_LIVE))
            mw_retire(ps, p);
    }
}

void mw_promo_forget_code(uintptr_t start, uintptr_t end)
{
    if (!__atomic_load_n(&mw_live, __ATOMIC_RELAXED))
        return;
    for (unsigned i = 0; i < MW_PROMO_SITES; i++) {
        struct mw_promo_site *ps = &mw_sites[i];
        if (ps->rip < start || ps->rip >= end)
            continue;
        if (mw_site_claim(ps, MW_PS_LIVE)) {
            struct mw_page *p = mw_page_find(ps->page);
            if (p && p->promoted)
                p->promoted--;
            __atomic_sub_fetch(&mw_live, 1, __ATOMIC_RELAXED);
        }
        ps->stub = NULL; /* the code is gone: nothing to write back */
        ps->state = MW_PS_COLD;
        ps->faults = 0;
    }
}

int mw_promo_serves(const struct mw_page *p) { return p && p->promoted; }

void mw_promo_after_fork_child(void)
{
    if (mw_mode == MW_PROMO_OFF)
        return;
    if (mw_patch_after_fork_child() != 0)
        mw_mode = MW_PROMO_OFF;
    /* The second views still show the parent's memory: point them at the
     * child's own alias of each page (backend_alias.c made new ones). */
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

int mw_promo_site_bytes(unsigned index, uint64_t *rip, const uint8_t **bytes, unsigned *len)
{
    if (index >= MW_PROMO_SITES || !mw_sites[index].rip || !mw_sites[index].len)
        return -1;
    *rip = mw_sites[index].rip;
    *bytes = mw_sites[index].bytes;
    *len = mw_sites[index].len;
    return 0;
}
