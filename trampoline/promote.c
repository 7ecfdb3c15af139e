/*
 * trampoline/promote.c - hot-site promotion (see promote.h): counting
 * faults per site, deciding, building the stub, patching the site, and
 * giving sites their code back.
 *
 * The sites live in one open-addressed table keyed by RIP (lock-free
 * counting in the fault handler).  A site is built by the one thread that
 * wins its state from COLD to BUSY, with read access to the region table
 * held, so the pages its stub trusts cannot change meanwhile; a writer that
 * changes such a page first gives the site its code back (table lock held,
 * so no site is half built then).  An instruction moved into a span's stub
 * is an INNER entry of the table: its bytes, for the hit path and for a
 * fault it raises; it belongs to the span's site.  Stubs, their regions and
 * second views are never freed (promote_place.h).
 */
#include "trampoline/promote.h"

#include <Zydis/Zydis.h>
#include <cpuid.h>
#include <string.h>
#include <sys/mman.h>

#include "core/log.h"
#include "core/pages.h"
#include "core/sys.h"
#include "trampoline/codemap.h"
#include "trampoline/fault.h"
#include "trampoline/maps.h"
#include "trampoline/patch.h"
#include "trampoline/promote_hit.h"
#include "trampoline/promote_place.h"
#include "trampoline/promote_stub.h"
#include "trampoline/regs.h"

#define MW_PROMO_SITES 4096
#define MW_JMP_LEN 5

enum mw_promo_state {
    MW_PS_COLD,     /* counting faults */
    MW_PS_BUSY,     /* one thread is building or retiring it */
    MW_PS_LIVE,     /* patched: the site jumps to its stub */
    MW_PS_REFUSED,  /* cannot be promoted (kind, code): never tried again */
    MW_PS_INNER,    /* moved into another site's span stub */
};

struct mw_promo_site {
    uint64_t rip;                 /* the instruction; 0: a free entry */
    uint32_t faults;
    uint8_t state;                /* enum mw_promo_state */
    uint8_t len;                  /* its length, once its bytes are recorded */
    uint8_t bytes[15];            /* the original instruction */
    /* a LIVE site (kept when retired: a thread may still be in the stub) */
    uint8_t ninsn;                /* instructions the patch moved (more than 1: a span) */
    uint8_t off[MW_SPAN_MAX];     /* their offsets from the site */
    uint16_t index[MW_SPAN_MAX];  /* their table entries */
    uint16_t block[MW_SPAN_MAX];  /* their blocks in the stub */
    uint8_t orig5[MW_JMP_LEN];    /* the original bytes under the jump */
    uint8_t ncopies;
    struct mw_stub_copy copy[MW_STUB_COPIES];
    uint8_t npages;
    uintptr_t pages[MW_SPAN_MAX]; /* the pages its stub trusts */
    char *stub;
    unsigned stub_len;
};

static enum mw_promo_mode mw_mode;
static struct mw_promo_site mw_sites[MW_PROMO_SITES];
static unsigned mw_live;         /* sites now LIVE: the handler's quick "any stub?" */
static uintptr_t mw_sites_lo = UINTPTR_MAX, mw_sites_hi; /* every site's address lies inside */

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
                                                   __ATOMIC_ACQUIRE)) {
            uintptr_t lo = __atomic_load_n(&mw_sites_lo, __ATOMIC_RELAXED);
            while (rip < lo && !__atomic_compare_exchange_n(&mw_sites_lo, &lo, rip, 1, __ATOMIC_RELAXED,
                                                            __ATOMIC_RELAXED))
                ;
            uintptr_t hi = __atomic_load_n(&mw_sites_hi, __ATOMIC_RELAXED);
            while (rip + 16 > hi && !__atomic_compare_exchange_n(&mw_sites_hi, &hi, rip + 16, 1, __ATOMIC_RELAXED,
                                                                 __ATOMIC_RELAXED))
                ;
            return &mw_sites[i];
        }
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

/* Its bytes go in the table before the instruction can be patched or moved:
 * a fault it raised is read with them (mw_promo_original). */
static void mw_site_record(struct mw_promo_site *ps, const uint8_t *bytes, unsigned len)
{
    memcpy(ps->bytes, bytes, len);
    __atomic_store_n(&ps->len, (uint8_t)len, __ATOMIC_RELEASE);
}

/* --- deciding ------------------------------------------------------------------- */

/* Where the instruction's RIP-relative displacement lies in its bytes, or 0. */
static unsigned mw_disp_offset(const uint8_t *bytes, unsigned len)
{
    ZydisDecoder d;
    ZydisDecodedInstruction zi;
    ZydisDecoderInit(&d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&d, NULL, bytes, len, &zi)) || zi.length != len)
        return 0;
    if (!(zi.attributes & ZYDIS_ATTRIB_IS_RELATIVE) || zi.raw.disp.size != 32)
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

/* Is the code at [rip, rip + len) the program's own, loaded from a file
 * and not tracked (never a JIT's memory or text the program made writable,
 * never ours)?  MW_PROMO_ALWAYS (testing) also takes anonymous executable
 * memory that is not writable. */
static int mw_code_is_promotable(uint64_t rip, unsigned len)
{
    uintptr_t lo = MW_PAGE_FLOOR(rip), hi = MW_PAGE_CEIL(rip + len);
    /* a page the table tracks is a code region (the program made its text
     * writable: capture must see its bytes, never a patch) or watched */
    if (mw_page_find(lo) || mw_page_find(hi - MW_PAGE_SIZE))
        return 0;
    if (mw_codemap_module(rip, len))
        return 1;
    if (mw_mode != MW_PROMO_ALWAYS)
        return 0;
    struct mw_map m;
    return mw_maps_query(lo, hi, &m, 1) == 1 && (m.prot & PROT_EXEC) && !(m.prot & PROT_WRITE) && !m.special &&
           !mw_pages_own(lo, hi);
}

/* The memory forms a stub block can run exactly: one explicit operand
 * (RIP-relative, or base and index registers other than rsp, no segment,
 * 64-bit addressing), rsp named nowhere. */
static int mw_insn_is_blockable(const struct mw_insn *in)
{
    if (in->kind != MW_KIND_MEM || in->has_vsib || in->has_mem2 || in->rsp_sub >= 0 || in->mem.bit_reg >= 0 ||
        in->mem.align || in->mem.seg != MW_SEG_FLAT || in->mem.addr32 || in->mem.size > 64 ||
        (in->regs_used & (1u << MW_RSP)) || in->scratch < 0)
        return 0;
    if (in->mem.base == MW_REG_RIP)
        return in->mem.index < 0;
    return in->scratch != in->mem.base && in->mem.disp == (int32_t)in->mem.disp;
}

/* An instruction a span may move into its stub as it is: no control flow,
 * nothing that depends on where it runs but a RIP-relative operand. */
static int mw_insn_is_movable(const ZydisDecodedInstruction *zi)
{
    switch (zi->meta.category) {
    case ZYDIS_CATEGORY_COND_BR: case ZYDIS_CATEGORY_UNCOND_BR: case ZYDIS_CATEGORY_CALL:
    case ZYDIS_CATEGORY_RET: case ZYDIS_CATEGORY_SYSCALL: case ZYDIS_CATEGORY_SYSRET:
    case ZYDIS_CATEGORY_INTERRUPT: case ZYDIS_CATEGORY_SYSTEM:
        return 0;
    default:
        return zi->mnemonic != ZYDIS_MNEMONIC_UD2 && zi->mnemonic != ZYDIS_MNEMONIC_HLT;
    }
}

static void mw_refuse(struct mw_promo_site *ps, const char *why)
{
    mw_debug("site %p: not promoted (%s)", (void *)ps->rip, why);
    mw_site_release(ps, MW_PS_REFUSED);
}

/* lahf and sahf in 64-bit mode (CPUID 0x80000001 ECX bit 0): all but the
 * first x86-64 processors. */
static int mw_has_lahf(void)
{
    unsigned a, b, c, d;
    return __get_cpuid(0x80000001, &a, &b, &c, &d) && (c & 1);
}

/* What a block of the stub does for instruction in at rip (page: the
 * watched page its computed address is expected on).  0, or -1 when the
 * block would not be exact. */
static int mw_plan_block(struct mw_stub_insn *b, const struct mw_insn *in, uintptr_t fault_page,
                         struct mw_insn *reloc)
{
    if (!mw_insn_is_blockable(in)) {
        b->kind = MW_STUB_RAW;
        return 0;
    }
    b->in = in;
    int constant = in->mem.base == MW_REG_RIP;
    struct mw_page *p;
    if (constant) {
        uint64_t none[16] = {0};
        b->ea = (uintptr_t)mw_memop_ea(&in->mem, none, b->rip + b->len);
        p = mw_page_find(MW_PAGE_FLOOR(b->ea));
        if (!mw_page_watched(p)) {
            b->kind = MW_STUB_RAW; /* an ordinary page: the copy reaches it */
            return 0;
        }
        if (MW_PAGE_FLOOR(b->ea + in->mem.size - 1) != p->addr)
            return -1;
    } else {
        p = mw_page_find(fault_page);
        if (!mw_has_lahf())
            return -1; /* the block keeps the flags with lahf/sahf */
        /* the stub keeps rax for its own comparisons (promote_stub.c) */
        if (mw_decode_scratch_not(b->bytes, b->len, b->rip, MW_RAX, reloc) != 0 || !mw_insn_is_blockable(reloc) ||
            reloc->scratch == MW_RAX)
            return -1;
        b->in = reloc;
    }
    if (!p || p->backend != MW_BACKEND_ALIAS || (in->mem.read && !(p->prog_prot & PROT_READ)) ||
        (in->mem.write && !(p->prog_prot & PROT_WRITE)))
        return -1;
    b->page = p->addr;
    if (constant)
        b->kind = mw_touches_watch(p, b->ea, in->mem.size, in->mem.read, in->mem.write) ? MW_STUB_CONST_HIT
                                                                                          : MW_STUB_CONST_MISS;
    else
        b->kind = MW_STUB_DYNAMIC;
    mw_hit_window(p, in->mem.size, in->mem.read, in->mem.write, &b->win_lo, &b->win_hi);
    return 0;
}

struct mw_span {
    uintptr_t start;                      /* the first instruction moved: where the jump goes */
    unsigned n;
    unsigned len;                         /* bytes the instructions cover */
    uintptr_t jump_to;                    /* the last instruction is a direct jump there, else 0 */
    uintptr_t tramp;                      /* a span's trampoline, and the jump's displacement */
    int32_t rel;
    struct mw_insn insn[MW_SPAN_MAX];     /* decoded */
    struct mw_insn reloc[MW_SPAN_MAX];    /* computed-address blocks: decoded again, scratch not rax */
    uint8_t bytes[MW_SPAN_MAX][15];
};

/* Is any byte of [lo, hi) part of a patch already made or being made (a
 * live site's jump, a moved instruction) - other than by the site being
 * promoted, mine? */
static int mw_range_taken(uintptr_t lo, uintptr_t hi, uint64_t mine)
{
    for (uintptr_t a = lo >= MW_JMP_LEN ? lo - (MW_JMP_LEN - 1) : 0; a < hi; a++) {
        const struct mw_promo_site *o = mw_site_find(a);
        if (!o || a == mine)
            continue;
        uint8_t st = __atomic_load_n(&o->state, __ATOMIC_ACQUIRE);
        if ((st == MW_PS_LIVE || st == MW_PS_BUSY) && a + MW_JMP_LEN > lo)
            return 1;
        if (st == MW_PS_INNER && a >= lo)
            return 1;
    }
    return 0;
}

/* The instructions from start on, until they cover a jump and reach `cover`
 * (the site's end): straight-line code, a direct jump only as the last. */
static const char *mw_span_collect(uintptr_t start, uintptr_t cover, const struct mw_site *s, struct mw_span *sp)
{
    ZydisDecoder d;
    ZydisDecoderInit(&d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
    sp->start = start;
    sp->n = 0;
    sp->len = 0;
    sp->jump_to = 0;
    while ((sp->len < MW_JMP_LEN || start + sp->len < cover) && !sp->jump_to) {
        uintptr_t at = start + sp->len;
        if (sp->n == MW_SPAN_MAX)
            return "too many instructions to move";
        if (at == s->rip) { /* the site itself: its decoded bytes (its code may have changed since) */
            sp->insn[sp->n] = s->insn;
            memcpy(sp->bytes[sp->n], s->bytes, s->insn.len);
            sp->len += s->insn.len;
            sp->n++;
            continue;
        }
        ZydisDecodedInstruction zi;
        ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
        if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&d, (const void *)at, 15, &zi, ops)))
            return "undecodable bytes around it";
        int jump = zi.meta.category == ZYDIS_CATEGORY_UNCOND_BR && ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE &&
                   ops[0].imm.is_relative;
        if (!jump && !mw_insn_is_movable(&zi))
            return "control flow next to it";
        if (jump && (sp->len + zi.length < MW_JMP_LEN || at + zi.length < cover))
            return "a jump right after it, too soon";
        if (jump)
            sp->jump_to = at + zi.length + (uintptr_t)ops[0].imm.value.s; /* the span's last instruction */
        memcpy(sp->bytes[sp->n], (const void *)at, zi.length);
        if (mw_decode(sp->bytes[sp->n], zi.length, at, &sp->insn[sp->n]) != 0)
            return "an instruction next to it does not decode";
        sp->len += zi.length;
        sp->n++;
    }
    if (mw_range_taken(start, start + sp->len, s->rip))
        return "the instructions next to it are taken";
    return NULL;
}

/* The site alone when it is as long as a jump.  A shorter one moves into the
 * stub with its neighbours: the instructions after it, or - where a branch
 * lands right after it (a loop's store before its back edge) - the ones
 * before it too, only where nothing can enter between them. */
static const char *mw_span_find(const struct mw_promo_site *ps, const struct mw_site *s, struct mw_span *sp)
{
    uintptr_t site = ps->rip, end = site + s->insn.len;
    if (s->insn.len >= MW_JMP_LEN)
        return mw_span_collect(site, end, s, sp);
    struct mw_module *m = mw_codemap_module(site, MW_JMP_LEN + 15);
    uintptr_t fs, fe;
    int lsda;
    if (!m)
        return "a short site outside a module's code";
    if (mw_codemap_function(m, site, &fs, &fe, &lsda) != 0)
        return "no unwind table entry for its function";
    /* candidates: the site, then the instruction starts before it, nearest first */
    uintptr_t before[MW_SPAN_MAX] = {0};
    unsigned nbefore = 0;
    ZydisDecoder d;
    ZydisDecoderInit(&d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
    ZydisDecodedInstruction zi;
    for (uintptr_t at = fs; at < site;) {
        if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&d, NULL, (const void *)at, fe - at, &zi)))
            break;
        memmove(before + 1, before, (MW_SPAN_MAX - 1) * sizeof before[0]);
        before[0] = at;
        nbefore += nbefore < MW_SPAN_MAX - 1;
        at += zi.length;
        if (at > site)
            nbefore = 0; /* the site is not an instruction start of this decode: do not go back */
    }
    const char *why = "nothing to move it with";
    for (unsigned k = 0; k <= nbefore; k++) {
        uintptr_t start = k ? before[k - 1] : site;
        why = mw_span_collect(start, end, s, sp);
        if (why)
            continue;
        if (start + sp->len > fe) {
            why = "past the end of its function";
            continue;
        }
        if (mw_codemap_enterable(m, fs, fe, lsda, start, start + sp->len)) {
            why = "a branch may land between the instructions a jump would cover";
            continue;
        }
        sp->tramp = mw_place_trampoline(m, start);
        if (!sp->tramp)
            return "no room for its trampoline";
        sp->rel = (int32_t)(intptr_t)(sp->tramp - (start + MW_JMP_LEN));
        return NULL;
    }
    return why;
}

/* The table entries of the span's instructions, claimed for the stub: the
 * faulting site's own (already BUSY) among them; the first is the owner of
 * the patch.  Returns how many were claimed (all: sp->n). */
static unsigned mw_span_claim(struct mw_promo_site *site, const struct mw_span *sp, struct mw_promo_site **entry)
{
    uintptr_t at = sp->start;
    unsigned i = 0;
    for (; i < sp->n; at += sp->insn[i++].len) {
        struct mw_promo_site *e = at == site->rip ? site : mw_site_find_or_add(at);
        if (!e || (e != site && !(mw_site_claim(e, MW_PS_COLD) || mw_site_claim(e, MW_PS_REFUSED))))
            break;
        mw_site_record(e, sp->bytes[i], sp->insn[i].len);
        entry[i] = e;
    }
    return i;
}

static void mw_span_release(struct mw_promo_site *site, struct mw_promo_site **entry, unsigned n, uint8_t to)
{
    for (unsigned i = 0; i < n; i++)
        if (entry[i] != site)
            mw_site_release(entry[i], to);
}

/* Builds the stub and patches the code.  The faulting site is BUSY, read
 * access to the table held.  A computed address's page is the one this
 * fault was on (a site is hot because it keeps reaching one watched page).
 * The patch belongs to the span's first instruction (the owner): the site
 * itself, or one before it. */
static void mw_promote(struct mw_promo_site *site, const struct mw_site *s, uintptr_t fault_addr)
{
    mw_site_record(site, s->bytes, s->insn.len);
    if (!mw_code_is_promotable(site->rip, s->insn.len)) {
        mw_refuse(site, "not code loaded from a file");
        return;
    }
    struct mw_span span_storage, *sp = &span_storage;
    const char *why = mw_span_find(site, s, sp);
    if (why) {
        mw_refuse(site, why);
        return;
    }
    struct mw_promo_site *entry[MW_SPAN_MAX];
    unsigned claimed = mw_span_claim(site, sp, entry);
    struct mw_promo_site *ps = claimed ? entry[0] : site;
    int span = sp->n > 1;
    struct mw_stub_plan plan = {.n = sp->n, .exit = sp->start + sp->len};
    int ok = claimed == sp->n;
    uintptr_t at = sp->start;
    for (unsigned i = 0; i < sp->n && ok; i++) {
        struct mw_stub_insn *b = &plan.insn[i];
        b->rip = at;
        b->bytes = sp->bytes[i];
        b->len = sp->insn[i].len;
        b->disp_off = mw_disp_offset(b->bytes, b->len);
        b->index = (unsigned)(entry[i] - mw_sites);
        if (sp->jump_to && i == sp->n - 1) {
            b->kind = MW_STUB_JUMP;
            b->target = sp->jump_to;
        } else {
            ok = mw_plan_block(b, &sp->insn[i], MW_PAGE_FLOOR(fault_addr), &sp->reloc[i]) == 0;
        }
        at += b->len;
    }
    uintptr_t tramp = span ? sp->tramp : 0;
    struct mw_promo_region *r = NULL;
    uintptr_t stub = ok ? mw_place_stub(span ? tramp : ps->rip, MW_STUB_MAX, &r) : 0;
    for (unsigned i = 0; i < sp->n && stub; i++) {
        struct mw_stub_insn *b = &plan.insn[i];
        if (b->kind == MW_STUB_RAW || b->kind == MW_STUB_JUMP)
            continue;
        const struct mw_page *p = mw_page_find(b->page);
        char *view = mw_place_view(r, p);
        if (!view)
            stub = 0;
        b->view = (uintptr_t)view;
    }
    uint8_t code[MW_STUB_MAX];
    struct mw_stub_layout layout;
    if (!stub || mw_stub_build(code, stub, &plan, &layout) != 0) {
        mw_span_release(site, entry, claimed, MW_PS_COLD);
        mw_site_release(site, ok ? MW_PS_COLD : MW_PS_REFUSED); /* no room now, or never */
        return;
    }
    memcpy((void *)stub, code, layout.len);
    ps->ninsn = (uint8_t)sp->n;
    at = 0;
    for (unsigned i = 0; i < sp->n; i++) {
        ps->off[i] = (uint8_t)at;
        ps->index[i] = (uint16_t)(entry[i] - mw_sites);
        ps->block[i] = (uint16_t)layout.block[i];
        at += sp->insn[i].len;
    }
    ps->ncopies = (uint8_t)layout.ncopies;
    memcpy(ps->copy, layout.copy, layout.ncopies * sizeof layout.copy[0]);
    memcpy(ps->orig5, (const void *)ps->rip, MW_JMP_LEN);
    ps->stub = (char *)stub; /* before the jump exists: a fault in the stub finds its site */
    ps->stub_len = layout.len;
    int rc;
    if (span) {
        uint8_t jump[MW_JMP_LEN];
        jump[0] = 0xe9;
        int32_t rel = (int32_t)(intptr_t)(stub - (tramp + MW_JMP_LEN));
        memcpy(jump + 1, &rel, 4);
        memcpy((void *)tramp, jump, MW_JMP_LEN);
        rc = mw_patch_span(ps->rip, ps->orig5, sp->rel);
    } else {
        uint8_t jump[15];
        memcpy(jump, ps->bytes, ps->len);
        jump[0] = 0xe9;
        int32_t rel = (int32_t)(intptr_t)(stub - (ps->rip + MW_JMP_LEN));
        memcpy(jump + 1, &rel, 4);
        rc = mw_patch_replace(ps->rip, ps->bytes, jump, MW_JMP_LEN);
    }
    if (rc != 0) {
        mw_span_release(site, entry, claimed, MW_PS_COLD);
        mw_refuse(site, "the code could not be written");
        return;
    }
    ps->npages = 0;
    for (unsigned i = 0; i < sp->n; i++) {
        uintptr_t page = plan.insn[i].kind == MW_STUB_RAW || plan.insn[i].kind == MW_STUB_JUMP ? 0 : plan.insn[i].page;
        int seen = !page;
        for (unsigned k = 0; k < ps->npages && !seen; k++)
            seen = ps->pages[k] == page;
        if (seen)
            continue;
        ps->pages[ps->npages++] = page;
        struct mw_page *p = mw_page_find(page);
        p->promoted++;
        p->promo_kept = 1;
    }
    for (unsigned i = 1; i < sp->n; i++)
        mw_site_release(entry[i], MW_PS_INNER);
    __atomic_add_fetch(&mw_live, 1, __ATOMIC_RELAXED);
    mw_debug("site %p promoted (%u instruction%s from %p, stub at %p)", (void *)site->rip, sp->n, sp->n > 1 ? "s" : "",
             (void *)ps->rip, (void *)stub);
    mw_site_release(ps, MW_PS_LIVE);
}

void mw_promo_note(struct mw_thread *t, const struct mw_site *s, uintptr_t fault_addr)
{
    (void)t;
    if (mw_mode == MW_PROMO_OFF || !mw_insn_is_blockable(&s->insn))
        return;
    struct mw_promo_site *ps = mw_site_find_or_add(s->rip);
    if (!ps || __atomic_load_n(&ps->state, __ATOMIC_ACQUIRE) != MW_PS_COLD)
        return;
    unsigned threshold = mw_mode == MW_PROMO_ALWAYS ? 1 : MW_PROMO_THRESHOLD;
    if (__atomic_add_fetch(&ps->faults, 1, __ATOMIC_RELAXED) < threshold || !mw_site_claim(ps, MW_PS_COLD))
        return;
    ps->faults = 0;
    mw_promote(ps, s, fault_addr);
}

/* --- the fault path's questions ------------------------------------------------- */

/* The span site whose moved instruction starts at x, inside its jump's
 * bytes, and which instruction that is; NULL when there is none. */
static const struct mw_promo_site *mw_span_inner_at(uint64_t x, unsigned *which)
{
    for (unsigned k = 1; k < MW_JMP_LEN; k++) {
        const struct mw_promo_site *ps = mw_site_find(x - k);
        if (!ps || !ps->stub || ps->ninsn < 2)
            continue;
        for (unsigned i = 1; i < ps->ninsn; i++)
            if (ps->off[i] == k) {
                *which = i;
                return ps;
            }
    }
    return NULL;
}

int mw_promo_trap(int sig, const siginfo_t *info, ucontext_t *uc)
{
    if (mw_mode == MW_PROMO_OFF || (sig != SIGTRAP && info->si_code != SI_KERNEL && sig != SIGILL))
        return 0;
    /* Decided by where the trap was, not by the byte there now: the patcher
     * may have moved on since. */
    uint64_t x = mw_ctx_rip(uc) - (sig == SIGTRAP); /* int3 reports the byte after it */
    unsigned which;
    const struct mw_promo_site *ps = mw_span_inner_at(x, &which);
    if (ps) {
        /* stopped between moved instructions: go on with the same one in the stub */
        mw_ctx_set_rip(uc, (uintptr_t)ps->stub + ps->block[which]);
        return 1;
    }
    ps = sig == SIGTRAP ? mw_site_find(x) : NULL;
    if (!ps || !ps->len || __atomic_load_n(&ps->state, __ATOMIC_ACQUIRE) == MW_PS_INNER)
        return 0;
    /* the patcher is changing the site: let it finish, then run what is there */
    uint8_t now;
    if (mw_sys_safe_read(&now, (const void *)x, 1) == 1 && now == 0xcc) {
        struct { long s, ns; } nap = {0, 20000};
        MW_SYS2(SYS_nanosleep, &nap, NULL);
    }
    mw_ctx_set_rip(uc, x);
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
    /* The code read before this question: the original itself, an int3 of
     * a patch under way, or a jump to a stub or trampoline.  Anything else
     * is new code at an old site's address (the table's bytes are stale). */
    int32_t rel;
    memcpy(&rel, code + 1, 4);
    uintptr_t to = (uintptr_t)(rip + MW_JMP_LEN + (int64_t)rel);
    int ours = memcmp(code, ps->bytes, k) == 0 || code[0] == 0xcc || (code[0] == 0xe9 && mw_pages_own(to, to + 1));
    if (!ours)
        return 0;
    *bytes = ps->bytes;
    *len = k;
    return 1;
}

uint64_t mw_promo_site_of(uint64_t rip, const uint8_t **bytes, unsigned *len)
{
    if (mw_mode == MW_PROMO_OFF)
        return 0;
    for (unsigned i = 0; i < MW_PROMO_SITES; i++) {
        const struct mw_promo_site *ps = &mw_sites[i];
        if (!ps->stub || rip < (uintptr_t)ps->stub || rip >= (uintptr_t)ps->stub + ps->stub_len)
            continue;
        for (unsigned c = 0; c < ps->ncopies; c++) {
            if (rip != (uintptr_t)ps->stub + ps->copy[c].off)
                continue;
            const struct mw_promo_site *e = &mw_sites[ps->index[ps->copy[c].insn]];
            *bytes = e->bytes;
            *len = e->len;
            return e->rip;
        }
    }
    return 0;
}

/* --- giving code back ----------------------------------------------------------- */

/* Table lock held.  The stub stays (a thread may still be in it); the code
 * under the jump comes back, and the moved instructions are free again. */
static void mw_retire(struct mw_promo_site *ps)
{
    if (ps->ninsn > 1) {
        mw_patch_unspan(ps->rip, ps->orig5);
    } else {
        uint8_t jump[MW_JMP_LEN];
        jump[0] = 0xe9;
        int32_t rel = (int32_t)(intptr_t)((uintptr_t)ps->stub - (ps->rip + MW_JMP_LEN));
        memcpy(jump + 1, &rel, 4);
        mw_patch_replace(ps->rip, jump, ps->orig5, MW_JMP_LEN);
    }
    for (unsigned i = 1; i < ps->ninsn; i++)
        mw_site_release(&mw_sites[ps->index[i]], MW_PS_COLD);
    for (unsigned k = 0; k < ps->npages; k++) {
        struct mw_page *p = mw_page_find(ps->pages[k]);
        if (p && p->promoted)
            p->promoted--;
    }
    ps->npages = 0;
    ps->faults = 0;
    __atomic_sub_fetch(&mw_live, 1, __ATOMIC_RELAXED);
    mw_site_release(ps, MW_PS_COLD);
}

void mw_promo_page_changed(struct mw_page *p)
{
    if (!p || !p->promoted)
        return;
    for (unsigned i = 0; i < MW_PROMO_SITES && p->promoted; i++) {
        struct mw_promo_site *ps = &mw_sites[i];
        int trusts = 0;
        for (unsigned k = 0; k < ps->npages && !trusts; k++)
            trusts = ps->pages[k] == p->addr;
        if (trusts && mw_site_claim(ps, MW_PS_LIVE))
            mw_retire(ps);
    }
}

void mw_promo_forget_code(uintptr_t start, uintptr_t end, int give_back)
{
    if (mw_mode == MW_PROMO_OFF || end <= __atomic_load_n(&mw_sites_lo, __ATOMIC_RELAXED) ||
        start >= __atomic_load_n(&mw_sites_hi, __ATOMIC_RELAXED))
        return;
    /* the code stays but may change or move: every patch over it undone first */
    for (unsigned i = 0; i < MW_PROMO_SITES && give_back; i++) {
        struct mw_promo_site *ps = &mw_sites[i];
        if (ps->rip + MW_JMP_LEN > start && ps->rip < end && mw_site_claim(ps, MW_PS_LIVE))
            mw_retire(ps);
    }
    for (unsigned i = 0; i < MW_PROMO_SITES; i++) {
        struct mw_promo_site *ps = &mw_sites[i];
        if (ps->rip < start || ps->rip >= end)
            continue;
        if (mw_site_claim(ps, MW_PS_LIVE)) {
            for (unsigned k = 0; k < ps->npages; k++) {
                struct mw_page *p = mw_page_find(ps->pages[k]);
                if (p && p->promoted)
                    p->promoted--;
            }
            __atomic_sub_fetch(&mw_live, 1, __ATOMIC_RELAXED);
        }
        /* The code is gone: nothing to write back; another object may come
         * to these addresses, with other bytes. */
        ps->npages = 0;
        ps->ninsn = 0;
        ps->stub = NULL;
        ps->faults = 0;
        __atomic_store_n(&ps->len, 0, __ATOMIC_RELEASE);
        mw_site_release(ps, MW_PS_COLD);
    }
}

int mw_promo_serves(const struct mw_page *p) { return p && p->promoted; }

int mw_promo_any_live(void) { return __atomic_load_n(&mw_live, __ATOMIC_RELAXED) != 0; }

void mw_promo_after_fork_child(void)
{
    if (mw_mode == MW_PROMO_OFF)
        return;
    if (mw_patch_after_fork_child() != 0)
        mw_mode = MW_PROMO_OFF;
    mw_place_after_fork_child();
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
