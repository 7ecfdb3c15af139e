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
#include "trampoline/promote_stub.h"
#include "trampoline/regs.h"

#define MW_PROMO_SITES 4096
#define MW_PROMO_REGIONS 64
#define MW_REGION_SIZE (1UL << 20)
#define MW_REGION_CODE (768UL << 10)   /* stubs; the rest: second views, a page each */
#define MW_REGION_VIEWS ((MW_REGION_SIZE - MW_REGION_CODE) / MW_PAGE_SIZE)
#define MW_REACH (1L << 31)

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
    uint8_t ncopies;             /* copies of the instruction in its stub */
    uint16_t copy[MW_STUB_COPIES];   /* their offsets (mw_promo_site_of) */
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

static void mw_put32(uint8_t *p, int32_t v) { memcpy(p, &v, 4); }

static unsigned mw_emit_jmp(uint8_t *out, uintptr_t at, uintptr_t to)
{
    out[0] = 0xe9;
    mw_put32(out + 1, (int32_t)(intptr_t)(to - (at + 5)));
    return 5;
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

/* The instruction forms a stub can run exactly: one explicit memory operand
 * (RIP-relative, or base and index registers other than rsp, no segment,
 * 64-bit addressing), room for the jump, rsp named nowhere. */
static int mw_insn_is_promotable(const struct mw_insn *in)
{
    if (in->kind != MW_KIND_MEM || in->len < 5 || in->has_vsib || in->has_mem2 || in->rsp_sub >= 0 ||
        in->mem.bit_reg >= 0 || in->mem.align || in->mem.seg != MW_SEG_FLAT || in->mem.addr32 ||
        in->mem.size > 64 || (in->regs_used & (1u << MW_RSP)) || in->scratch < 0)
        return 0;
    if (in->mem.base == MW_REG_RIP)
        return in->mem.index < 0;
    return in->scratch != in->mem.base && in->mem.disp == (int32_t)in->mem.disp;
}

static void mw_refuse(struct mw_promo_site *ps, const char *why)
{
    mw_debug("site %p: not promoted (%s)", (void *)ps->rip, why);
    mw_site_release(ps, MW_PS_REFUSED);
}

/* The offsets in p where an access of n bytes may touch a byte a watch
 * reports: [*lo, *hi), empty when none can. */
static void mw_hit_window(const struct mw_page *p, size_t n, int is_read, int is_write, uint64_t *lo, uint64_t *hi)
{
    *lo = *hi = 0;
    for (unsigned i = 0; i < p->nwatches; i++) {
        const struct mw_watch *w = p->watches[i];
        int wants = ((w->access & MEMWATCH_READ) && is_read) || ((w->access & MEMWATCH_WRITE) && is_write);
        if (!wants)
            continue;
        uintptr_t s = w->start > p->addr ? w->start - p->addr : 0;
        uintptr_t e = w->end < p->addr + MW_PAGE_SIZE ? w->end - p->addr : MW_PAGE_SIZE;
        uint64_t a = s + 1 > n ? s + 1 - n : 0;
        if (*lo == *hi) {
            *lo = a;
            *hi = e;
        } else {
            *lo = a < *lo ? a : *lo;
            *hi = e > *hi ? e : *hi;
        }
    }
}

/* Builds the stub and patches the site.  BUSY is held; read access to the
 * table too.  The page the stub trusts: the constant operand's, or for a
 * computed address the page this fault was on (a site is hot because it
 * keeps reaching one watched page). */
static void mw_promote(struct mw_promo_site *ps, const struct mw_site *s, unsigned index, uintptr_t fault_addr)
{
    const struct mw_insn *in = &s->insn;
    /* Its bytes go in the table before the site can be patched: a fault it
     * raised is read with them (mw_promo_original). */
    memcpy(ps->bytes, s->bytes, in->len);
    __atomic_store_n(&ps->len, in->len, __ATOMIC_RELEASE);
    struct mw_stub_plan plan = {.site = ps->rip, .bytes = ps->bytes, .len = ps->len, .in = in, .index = index};
    int constant = in->mem.base == MW_REG_RIP;
    if (constant) {
        uint64_t none[16] = {0};
        plan.ea = (uintptr_t)mw_memop_ea(&in->mem, none, ps->rip + in->len);
        plan.disp_off = mw_disp_offset(ps);
        if (!plan.disp_off) {
            mw_refuse(ps, "no RIP-relative displacement where one was decoded");
            return;
        }
    }
    if (!mw_code_is_promotable(ps->rip, in->len)) {
        mw_refuse(ps, "not code loaded from a file");
        return;
    }
    struct mw_page *p = mw_page_find(MW_PAGE_FLOOR(constant ? plan.ea : fault_addr));
    if (!p || p->backend != MW_BACKEND_ALIAS || (constant && MW_PAGE_FLOOR(plan.ea + in->mem.size - 1) != p->addr) ||
        (in->mem.read && !(p->prog_prot & PROT_READ)) || (in->mem.write && !(p->prog_prot & PROT_WRITE))) {
        mw_site_release(ps, MW_PS_COLD); /* not now: the page may change */
        return;
    }
    plan.page = p->addr;
    if (constant)
        plan.kind = mw_touches_watch(p, plan.ea, in->mem.size, in->mem.read, in->mem.write) ? MW_STUB_CONST_HIT
                                                                                              : MW_STUB_CONST_MISS;
    else
        plan.kind = MW_STUB_DYNAMIC;
    mw_hit_window(p, in->mem.size, in->mem.read, in->mem.write, &plan.win_lo, &plan.win_hi);

    mw_spin_lock(&mw_region_lock);
    struct mw_promo_region *r = mw_region_near(ps->rip, MW_STUB_MAX);
    char *view = r ? mw_region_view(r, p) : NULL;
    uintptr_t stub = r ? r->base + r->code_used : 0;
    if (r && view)
        r->code_used += MW_STUB_MAX; /* this site's room, whatever its stub turns out to need */
    mw_spin_unlock(&mw_region_lock);
    if (!r || !view) {
        mw_site_release(ps, MW_PS_COLD);
        return;
    }
    plan.view = (uintptr_t)view;
    uint8_t code[MW_STUB_MAX];
    struct mw_stub_layout layout;
    if (mw_stub_build(code, stub, &plan, &layout) != 0) {
        mw_refuse(ps, "its operand cannot be computed by a stub");
        return;
    }
    memcpy((void *)stub, code, layout.len);
    ps->ncopies = (uint8_t)layout.ncopies;
    for (unsigned i = 0; i < layout.ncopies; i++)
        ps->copy[i] = (uint16_t)layout.copy[i];
    uint8_t jump[15];
    memcpy(jump, ps->bytes, ps->len);
    mw_emit_jmp(jump, ps->rip, stub);
    ps->stub = (char *)stub; /* before the jump exists: a fault in the stub finds its site */
    if (mw_patch_replace(ps->rip, ps->bytes, jump, 5) != 0) {
        ps->stub = NULL;
        mw_refuse(ps, "the code could not be written");
        return;
    }
    ps->stub_len = layout.len;
    ps->page = p->addr;
    p->promoted++;
    p->promo_kept = 1;
    __atomic_add_fetch(&mw_live, 1, __ATOMIC_RELAXED);
    static const char *const kinds[] = {"miss", "hit", "computed-address"};
    mw_debug("site %p promoted (%s stub at %p)", (void *)ps->rip, kinds[plan.kind], (void *)stub);
    mw_site_release(ps, MW_PS_LIVE);
}

void mw_promo_note(struct mw_thread *t, const struct mw_site *s, uintptr_t fault_addr)
{
    (void)t;
    if (mw_mode == MW_PROMO_OFF || !mw_insn_is_promotable(&s->insn))
        return;
    uint64_t rip = s->rip;
    struct mw_promo_site *ps = mw_site_find_or_add(rip);
    if (!ps)
        return;
    if (__atomic_load_n(&ps->state, __ATOMIC_ACQUIRE) != MW_PS_COLD)
        return;
    unsigned threshold = mw_mode == MW_PROMO_ALWAYS ? 1 : MW_PROMO_THRESHOLD;
    if (__atomic_add_fetch(&ps->faults, 1, __ATOMIC_RELAXED) < threshold || !mw_site_claim(ps, MW_PS_COLD))
        return;
    ps->faults = 0;
    mw_promote(ps, s, (unsigned)(ps - mw_sites), fault_addr);
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

int mw_promo_original(uint64_t rip, const uint8_t *code, unsigned n, const uint8_t **bytes, unsigned *len)
{
    if (mw_mode == MW_PROMO_OFF)
        return 0;
    const struct mw_promo_site *ps = mw_site_find(rip);
    unsigned k = ps ? __atomic_load_n(&ps->len, __ATOMIC_ACQUIRE) : 0;
    if (!k || n < k)
        return 0;
    /* The code read before this question: the original itself, the int3 of
     * a patch under way, or a jump to this site's stub.  Anything else is
     * new code at an old site's address (the table's bytes are stale). */
    int32_t rel;
    memcpy(&rel, code + 1, 4);
    uintptr_t to = (uintptr_t)(rip + 5 + (int64_t)rel);
    int ours = memcmp(code, ps->bytes, k) == 0 || code[0] == 0xcc || (code[0] == 0xe9 && mw_pages_own(to, to + 1));
    if (!ours)
        return 0;
    *bytes = ps->bytes;
    *len = k;
    return 1;
}

uint64_t mw_promo_site_of(uint64_t rip, const uint8_t **bytes, unsigned *len)
{
    if (!__atomic_load_n(&mw_live, __ATOMIC_RELAXED))
        return 0;
    for (unsigned i = 0; i < MW_PROMO_SITES; i++) {
        const struct mw_promo_site *ps = &mw_sites[i];
        if (!ps->stub || rip < (uintptr_t)ps->stub || rip >= (uintptr_t)ps->stub + MW_STUB_MAX)
            continue;
        for (unsigned c = 0; c < ps->ncopies; c++) {
            if (rip == (uintptr_t)ps->stub + ps->copy[c]) {
                *bytes = ps->bytes;
                *len = ps->len;
                return ps->rip;
            }
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
