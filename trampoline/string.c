/*
 * trampoline/string.c - movs/stos/lods/cmps/scas, with or without rep.
 *
 * A string instruction walks rsi and rdi over memory that may go in and out
 * of watched pages.  It runs here in chunks that stay inside one page for
 * each pointer: rsi and rdi are rebased onto the alias view of a watched page
 * (or left alone on an unwatched one), rcx is cut to the chunk, the original
 * instruction runs in the executor, and the pointers are moved back to the
 * program's view.  An element that straddles two pages is done by hand.
 * When both pointers reach pages that are not watched the loop stops with RIP
 * unchanged: the CPU carries on natively from there, and if it faults on
 * another watched page the instruction is not counted twice.
 */
#include <string.h>
#include <sys/mman.h>

#include "trampoline/exec.h"
#include "trampoline/fault.h"
#include "trampoline/regs.h"
#include "trampoline/route.h"

struct mw_str {
    const struct mw_insn *in;
    ucontext_t *uc;
    int uses_src, uses_dst, writes_dst, reads_dst, down;
    uint64_t amask;             /* 0x67: esi, edi, ecx wrap at 32 bits */
    unsigned elem;
    uint64_t seg_base;
};

static uint64_t mw_str_mask(unsigned elem) { return elem == 8 ? ~0ULL : (1ULL << (elem * 8)) - 1; }

/* Flags of `cmp a, b` at the element's width, computed by the CPU. */
static uint64_t mw_cmp_flags(uint64_t a, uint64_t b, unsigned elem)
{
    uint64_t f;
    switch (elem) {
    case 1: __asm__("cmpb %b2, %b1\n\tpushfq\n\tpopq %0" : "=r"(f) : "q"(a), "q"(b) : "cc"); break;
    case 2: __asm__("cmpw %w2, %w1\n\tpushfq\n\tpopq %0" : "=r"(f) : "r"(a), "r"(b) : "cc"); break;
    case 4: __asm__("cmpl %k2, %k1\n\tpushfq\n\tpopq %0" : "=r"(f) : "r"(a), "r"(b) : "cc"); break;
    default: __asm__("cmpq %2, %1\n\tpushfq\n\tpopq %0" : "=r"(f) : "r"(a), "r"(b) : "cc"); break;
    }
    return f;
}

#define MW_ARITH_FLAGS 0x8d5ULL /* CF PF AF ZF SF OF */

/* Elements that fit in the page of p walking in the instruction's direction. */
static uint64_t mw_room(uintptr_t p, unsigned elem, int down)
{
    if (!down)
        return (MW_PAGE_CEIL(p + 1) - p) / elem;
    return (p + elem - MW_PAGE_FLOOR(p)) / elem;
}

static int mw_is_watched(uintptr_t p)
{
    struct mw_page *pg = mw_page_find(MW_PAGE_FLOOR(p));
    return mw_page_watched(pg);
}

/* A pointer or count moved by d: with 0x67 the instruction writes the 32-bit
 * register, which zeroes the upper half. */
static uint64_t mw_str_advance(const struct mw_str *st, uint64_t r, uint64_t d)
{
    return (r + d) & st->amask;
}

/* One element by hand (it straddles a page boundary, or uses 32-bit
 * addresses that the alias view is out of reach of). Returns 0 or -1. */
static int mw_str_one(struct mw_thread *t, const struct mw_str *st, uint64_t gpr[16], uint64_t *flags,
                      struct mw_record *rec, uint64_t ip, struct mw_outcome *out)
{
    unsigned n = st->elem;
    uint64_t a = 0, b = 0, mask = mw_str_mask(n);
    uintptr_t src = st->seg_base + (gpr[MW_RSI] & st->amask), dst = gpr[MW_RDI] & st->amask, bad = 0;
    struct mw_route rs, rd;
    int have_s = 0, have_d = 0, rc = -1, bad_is_write = 0;
    if (st->uses_src) {
        if (mw_route_build(&rs, src, n) != 0)
            goto done;
        have_s = 1;
        mw_record_match(rec, t, &rs, src, n, 1, 0, ip);
        if (mw_route_read(&rs, src, &a, n, &bad) != 0)
            goto fault;
    }
    if (st->uses_dst) {
        if (mw_route_build(&rd, dst, n) != 0)
            goto done;
        have_d = 1;
        mw_record_match(rec, t, &rd, dst, n, st->reads_dst, st->writes_dst, ip);
        if (st->reads_dst && mw_route_read(&rd, dst, &b, n, &bad) != 0)
            goto fault;
    }
    switch (st->in->str_op) {
    case MW_STR_MOVS:
    case MW_STR_STOS:
        bad_is_write = 1;
        if (mw_write_all_or_nothing(&rd, dst, st->in->str_op == MW_STR_MOVS ? &a : &gpr[MW_RAX], n, &bad) != 0)
            goto fault;
        break;
    case MW_STR_LODS:
        gpr[MW_RAX] = n == 4 ? a : n == 8 ? a : (gpr[MW_RAX] & ~mask) | a;
        break;
    case MW_STR_CMPS:
        *flags = (*flags & ~MW_ARITH_FLAGS) | (mw_cmp_flags(a, b, n) & MW_ARITH_FLAGS);
        break;
    case MW_STR_SCAS:
        *flags = (*flags & ~MW_ARITH_FLAGS) | (mw_cmp_flags(gpr[MW_RAX] & mask, b, n) & MW_ARITH_FLAGS);
        break;
    }
    int64_t step = st->down ? -(int64_t)n : (int64_t)n;
    if (st->uses_src)
        gpr[MW_RSI] = mw_str_advance(st, gpr[MW_RSI], (uint64_t)step);
    if (st->uses_dst)
        gpr[MW_RDI] = mw_str_advance(st, gpr[MW_RDI], (uint64_t)step);
    if (st->in->str_rep)
        gpr[MW_RCX] = mw_str_advance(st, gpr[MW_RCX], (uint64_t)-1);
    rc = 0;
    goto done;
fault:
    mw_deliver_page_fault(out, st->uc, bad, bad_is_write);
done:
    mw_record_after(rec);
    if (have_s)
        mw_route_finish(&rs);
    if (have_d)
        mw_route_finish(&rd);
    if (rc != 0 && out->verdict != MW_DELIVER)
        out->verdict = MW_STEP;
    return rc;
}

/* repe/repne cmps and scas stop on the flags of the last comparison. */
static int mw_rep_condition_stops(const struct mw_insn *in, uint64_t flags)
{
    if (!in->str_rep || (in->str_op != MW_STR_CMPS && in->str_op != MW_STR_SCAS))
        return 0;
    int zf = (flags & 0x40) != 0;
    return in->str_rep == MW_REP_REP ? !zf : zf;
}

/* Rebases pointer p (view) onto the memory that serves its page. */
static uint64_t mw_rebase(uintptr_t p, struct mw_route *r)
{
    return r->mode == MW_ROUTE_ALIAS ? (uint64_t)(uintptr_t)r->direct : (uint64_t)p;
}

/* One chunk of n elements in the executor. Returns 0, or -1 with out set. */
static int mw_str_chunk(struct mw_thread *t, const struct mw_site *s, const struct mw_str *st, uint64_t gpr[16],
                        uint64_t *flags, uint64_t n, struct mw_record *rec, uint64_t ip, struct mw_outcome *out,
                        int *stopped_early)
{
    uint64_t bytes = n * st->elem;
    uintptr_t src = st->seg_base + gpr[MW_RSI], dst = gpr[MW_RDI];
    uintptr_t src_lo = st->down ? src + st->elem - bytes : src, dst_lo = st->down ? dst + st->elem - bytes : dst;
    struct mw_route rs, rd;
    int have_s = 0, have_d = 0, rc = -1;
    uint64_t x[16];
    memcpy(x, gpr, sizeof x);
    if (st->uses_src) {
        if (mw_route_build(&rs, src_lo, bytes) != 0 || rs.mode == MW_ROUTE_MIXED)
            goto step;
        have_s = 1;
        mw_record_match(rec, t, &rs, src_lo, bytes, 1, 0, ip);
        x[MW_RSI] = mw_rebase(src_lo, &rs) + (src - src_lo);
    }
    if (st->uses_dst) {
        if (mw_route_build(&rd, dst_lo, bytes) != 0 || rd.mode == MW_ROUTE_MIXED)
            goto step;
        have_d = 1;
        mw_record_match(rec, t, &rd, dst_lo, bytes, st->reads_dst, st->writes_dst, ip);
        x[MW_RDI] = mw_rebase(dst_lo, &rd) + (dst - dst_lo);
    }
    if (st->in->str_rep)
        x[MW_RCX] = n;
    uint64_t x_rsi = x[MW_RSI], x_rdi = x[MW_RDI];
    struct mw_exec_fault fault;
    if (mw_exec_run(t, s->slot, x, flags, NULL, &fault) != 0) {
        st->uc->uc_mcontext.gregs[REG_TRAPNO] = (greg_t)fault.trapno;
        st->uc->uc_mcontext.gregs[REG_ERR] = (greg_t)fault.err;
        mw_outcome_deliver(out, fault.signo, fault.code, (uintptr_t)fault.addr);
        goto done;
    }
    uint64_t done_elems = st->in->str_rep ? n - x[MW_RCX] : 1;
    gpr[MW_RSI] += x[MW_RSI] - x_rsi;
    gpr[MW_RDI] += x[MW_RDI] - x_rdi;
    gpr[MW_RAX] = x[MW_RAX];
    if (st->in->str_rep)
        gpr[MW_RCX] -= done_elems;
    *stopped_early = mw_rep_condition_stops(st->in, *flags);
    rc = 0;
    goto done;
step:
    out->verdict = MW_STEP;
done:
    mw_record_after(rec);
    if (have_s)
        mw_route_finish(&rs);
    if (have_d)
        mw_route_finish(&rd);
    return rc;
}

void mw_run_string(struct mw_thread *t, const struct mw_site *s, ucontext_t *uc, struct mw_record *rec,
                   struct mw_outcome *out)
{
    const struct mw_insn *in = &s->insn;
    struct mw_str st = {.in = in, .uc = uc, .elem = in->str_elem, .amask = in->str_addr32 ? 0xffffffffULL : ~0ULL};
    uint8_t op = in->str_op;
    st.uses_src = op == MW_STR_MOVS || op == MW_STR_LODS || op == MW_STR_CMPS;
    st.uses_dst = op != MW_STR_LODS;
    st.writes_dst = op == MW_STR_MOVS || op == MW_STR_STOS;
    st.reads_dst = op == MW_STR_CMPS || op == MW_STR_SCAS;
    uint64_t gpr[16], flags = mw_ctx_flags(uc), rip = mw_ctx_rip(uc);
    mw_ctx_load_gprs(uc, gpr);
    st.down = (flags & MW_FLAG_DF) != 0;
    st.seg_base = in->mem.seg ? mw_segment_base(in->mem.seg) : 0;

    /* A rep instruction that re-faults after running natively for a while
     * is the same execution: count it once. */
    if (in->str_rep && t->rep_rip == rip && gpr[MW_RCX] && gpr[MW_RCX] <= t->rep_count_left)
        rec->counted = 1;
    t->rep_rip = 0;

    int finished = 0;
    while (!finished) {
        if (in->str_rep && (gpr[MW_RCX] & st.amask) == 0) {
            finished = 1;
            break;
        }
        uintptr_t src = st.seg_base + (gpr[MW_RSI] & st.amask), dst = gpr[MW_RDI] & st.amask;
        int watched = (st.uses_src && mw_is_watched(src)) || (st.uses_dst && mw_is_watched(dst)) ||
                      (st.uses_src && mw_is_watched(src + st.elem - 1)) ||
                      (st.uses_dst && mw_is_watched(dst + st.elem - 1));
        if (!watched) {
            /* Native from here on: let the CPU continue the instruction. */
            t->rep_rip = rip;
            t->rep_count_left = gpr[MW_RCX];
            break;
        }
        uint64_t n = in->str_rep ? gpr[MW_RCX] & st.amask : 1;
        if (st.uses_src && mw_room(src, st.elem, st.down) < n)
            n = mw_room(src, st.elem, st.down);
        if (st.uses_dst && mw_room(dst, st.elem, st.down) < n)
            n = mw_room(dst, st.elem, st.down);
        if (in->str_addr32)
            n = 0; /* element by element */
        int stopped_early = 0;
        int rc;
        if (n == 0) {
            rc = mw_str_one(t, &st, gpr, &flags, rec, rip, out);
            stopped_early = mw_rep_condition_stops(in, flags);
        } else {
            rc = mw_str_chunk(t, s, &st, gpr, &flags, n, rec, rip, out, &stopped_early);
        }
        if (rc != 0) {
            /* The chunks before this one happened: the program sees their
             * progress, as after an interrupted rep instruction. */
            mw_ctx_store_gprs(uc, gpr);
            mw_ctx_set_flags(uc, flags);
            return;
        }
        if (!in->str_rep || stopped_early)
            finished = 1;
    }
    mw_ctx_store_gprs(uc, gpr);
    mw_ctx_set_flags(uc, flags);
    if (finished)
        mw_ctx_set_rip(uc, rip + in->len);
    out->verdict = MW_DONE;
}
