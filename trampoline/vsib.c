/*
 * trampoline/vsib.c - gathers and scatters: one address per element.
 *
 * A vector-index operand reaches base + index[i] * scale + disp for every
 * element i whose mask bit is set (the mask is a k register for EVEX forms,
 * the top bit of each element of a mask vector for VEX forms).  The lanes'
 * addresses are read from the index register in the signal frame's XSAVE
 * image, and each active lane's memory is routed: a lane on ordinary memory
 * is reached where it is, a lane on a watched page through that page's
 * alias, at a distance (delta) that is the same for every page of one alias
 * run; a lane that straddles a watched page and another page is copied to
 * the bounce buffer (bounce.c).  Consecutive active lanes that share a delta
 * run together in the executor (relocate.c made the operand
 * [scratch + index * scale]) with scratch = base + disp + delta and the mask
 * narrowed to those lanes, in element order.  The CPU does the rest exactly
 * as it would: merging, clearing the mask, not touching masked-off lanes,
 * the order of overlapping scatter lanes.  Most gathers are one run; all of
 * them take one signal.
 *
 * A fault in a run (a lane on a page the program cannot reach) is delivered
 * with the progress the CPU made - gathers and scatters are restartable: the
 * elements done are done, the mask bits of the rest are still set, as the
 * kernel would show them.
 */
#include <string.h>
#include <sys/mman.h>

#include "trampoline/bounce.h"
#include "trampoline/exec.h"
#include "trampoline/fault.h"
#include "trampoline/regs.h"
#include "trampoline/route.h"
#include "trampoline/xstate.h"

#define MW_VSIB_LANES 16

/* --- the frame's extended state (standard format) ------------------------------- */

/* Component offsets come from CPUID (xstate.c); whether the frame holds a
 * component comes from the frame itself (xstate.h): a component it does not
 * hold reads as zero and is never written, so nothing lands outside the
 * image whatever the CPU has. */

static unsigned mw_xoff(unsigned c)
{
    unsigned off, len;
    mw_xstate_component(c, &off, &len);
    return off;
}

static uint64_t mw_xbv(const struct mw_xframe *xf)
{
    uint64_t v;
    memcpy(&v, xf->image + 512, 8);
    return v;
}

/* A component whose XSTATE_BV bit is clear is in its initial state (zero),
 * whatever its bytes say: it is made explicit before it is written. */
static void mw_xlive(const struct mw_xframe *xf, unsigned c)
{
    uint64_t bv = mw_xbv(xf);
    if (bv & (1ULL << c))
        return;
    unsigned off, len;
    mw_xstate_component(c, &off, &len);
    if (c == 1) {
        off = 160;
        len = 256;
    }
    memset(xf->image + off, 0, len);
    bv |= 1ULL << c;
    memcpy(xf->image + 512, &bv, 8);
}

/* Byte o of vector register id seen as a zmm register, and its component;
 * NULL when the frame does not hold that component. */
static uint8_t *mw_vbyte(const struct mw_xframe *xf, int id, unsigned o, unsigned *comp)
{
    unsigned c = id >= 16 ? 7 : o < 16 ? 1 : o < 32 ? 2 : 6;
    *comp = c;
    if (!mw_xframe_has(xf, c))
        return NULL;
    switch (c) {
    case 7: return xf->image + mw_xoff(7) + 64 * (id - 16) + o;
    case 1: return xf->image + 160 + 16 * id + o;
    case 2: return xf->image + mw_xoff(2) + 16 * id + (o - 16);
    default: return xf->image + mw_xoff(6) + 32 * id + (o - 32);
    }
}

static void mw_vread(const struct mw_xframe *xf, int id, uint8_t *dst, unsigned n)
{
    uint64_t bv = mw_xbv(xf);
    for (unsigned i = 0; i < n; i++) {
        unsigned c;
        uint8_t *p = mw_vbyte(xf, id, i, &c);
        dst[i] = p && ((bv >> c) & 1) ? *p : 0;
    }
}

static void mw_vwrite(const struct mw_xframe *xf, int id, const uint8_t *src, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        unsigned c;
        uint8_t *p = mw_vbyte(xf, id, i, &c);
        if (!p)
            continue;
        mw_xlive(xf, c);
        *p = src[i];
    }
}

static uint64_t mw_kread(const struct mw_xframe *xf, int k)
{
    uint64_t v = 0;
    if (mw_xframe_has(xf, 5) && (mw_xbv(xf) & (1ULL << 5)))
        memcpy(&v, xf->image + mw_xoff(5) + 8 * k, 8);
    return v;
}

static void mw_kwrite(const struct mw_xframe *xf, int k, uint64_t v)
{
    if (!mw_xframe_has(xf, 5))
        return;
    mw_xlive(xf, 5);
    memcpy(xf->image + mw_xoff(5) + 8 * k, &v, 8);
}

/* --- the mask ------------------------------------------------------------------- */

struct mw_mask {
    const struct mw_vsib *v;
    unsigned elem;
    uint64_t k;                 /* EVEX: the k register as it was */
    uint8_t vec[64];            /* VEX: the mask vector as it was */
};

static int mw_mask_active(const struct mw_mask *m, unsigned lane)
{
    if (m->v->mask_k > 0)
        return (m->k >> lane) & 1;
    return m->vec[lane * m->elem + m->elem - 1] >> 7;
}

/* Narrows the mask in the image to `lanes`; everything else the CPU zeroes
 * when the instruction completes. */
static void mw_mask_narrow(const struct mw_mask *m, const struct mw_xframe *x, uint32_t lanes)
{
    if (m->v->mask_k > 0) {
        mw_kwrite(x, m->v->mask_k, m->k & lanes);
        return;
    }
    uint8_t vec[64];
    memcpy(vec, m->vec, 64);
    for (unsigned l = 0; l < 64 / m->elem; l++)
        if (!(lanes >> l & 1))
            vec[l * m->elem + m->elem - 1] &= 0x7f;
    mw_vwrite(x, m->v->mask_vec, vec, 64);
}

/* After a fault: lanes not yet run (and mask bits beyond the lanes) are as
 * they were; the CPU left the running group's own progress in the image. */
static void mw_mask_restore(const struct mw_mask *m, const struct mw_xframe *x, uint32_t pending)
{
    unsigned lanes = m->v->lanes;
    if (m->v->mask_k > 0) {
        uint64_t beyond = lanes >= 64 ? 0 : m->k & ~((1ULL << lanes) - 1);
        mw_kwrite(x, m->v->mask_k, mw_kread(x, m->v->mask_k) | (m->k & pending) | beyond);
        return;
    }
    uint8_t vec[64];
    mw_vread(x, m->v->mask_vec, vec, 64);
    for (unsigned l = 0; l < 64 / m->elem; l++)
        if (l >= lanes || (pending >> l & 1))
            memcpy(vec + l * m->elem, m->vec + l * m->elem, m->elem);
    mw_vwrite(x, m->v->mask_vec, vec, 64);
}

/* --- the strategy ----------------------------------------------------------------- */

/* How far lane memory is from the program's address: 0 natively, the alias
 * distance on watched pages; a lane that straddles a watched page and
 * another goes through the bounce buffer, alone. */
static int64_t mw_lane_delta(const struct mw_route *r, uintptr_t ea)
{
    if (r->mode == MW_ROUTE_ALIAS)
        return (int64_t)((uintptr_t)r->direct - ea);
    return 0;
}

void mw_run_vsib(struct mw_thread *t, const struct mw_site *s, siginfo_t *info, ucontext_t *uc,
                 struct mw_record *rec, struct mw_outcome *out)
{
    const struct mw_insn *in = &s->insn;
    const struct mw_vsib *v = &in->vsib;
    struct mw_xframe xframe, *x = &xframe;
    /* An EVEX form needs its mask register in the frame: a frame that lacks
     * it could not belong to a process that ran this instruction. */
    if (mw_xframe_of(uc, x) != 0 || !x->xsave || v->lanes > MW_VSIB_LANES || (v->mask_k > 0 && !mw_xframe_has(x, 5))) {
        out->verdict = MW_STEP;
        return;
    }
    uint64_t gpr[16], flags = mw_ctx_flags(uc), rip = mw_ctx_rip(uc);
    mw_ctx_load_gprs(uc, gpr);
    uint64_t base = mw_memop_ea(&in->mem, gpr, rip + in->len); /* base + disp + segment */
    unsigned elem = in->mem.size;
    int is_read = in->mem.read, is_write = in->mem.write;

    struct mw_mask mask = {.v = v, .elem = elem};
    if (v->mask_k > 0)
        mask.k = mw_kread(x, v->mask_k);
    else
        mw_vread(x, v->mask_vec, mask.vec, 64);
    uint8_t idx[64];
    mw_vread(x, v->index, idx, 64);
    uint64_t ea[MW_VSIB_LANES];
    uint32_t active = 0;
    int ours = 0;
    uintptr_t fault_addr = (uintptr_t)info->si_addr;
    for (unsigned l = 0; l < v->lanes; l++) {
        int64_t iv;
        if (v->index_size == 4) {
            int32_t d;
            memcpy(&d, idx + 4 * l, 4);
            iv = d;
        } else {
            memcpy(&iv, idx + 8 * l, 8);
        }
        ea[l] = base + (uint64_t)iv * in->mem.scale;
        if (!mw_mask_active(&mask, l))
            continue;
        active |= 1u << l;
        if (fault_addr >= MW_PAGE_FLOOR(ea[l]) && fault_addr < ea[l] + elem)
            ours = 1;
    }
    /* The fault must be one of the lanes: if our reading disagrees with the
     * CPU's, never guess. */
    if (!ours) {
        out->verdict = MW_STEP;
        return;
    }

    /* Route every active lane before anything runs: a lane the program may
     * not touch makes the fault the program's, with nothing done. */
    struct mw_route routes[MW_VSIB_LANES];
    int8_t route_of[MW_VSIB_LANES];
    unsigned nroutes = 0;
    for (unsigned l = 0; l < v->lanes; l++) {
        route_of[l] = -1;
        if (!(active >> l & 1))
            continue;
        struct mw_route *r = &routes[nroutes];
        if (mw_route_build(r, ea[l], elem) != 0) {
            out->verdict = MW_STEP;
            goto done;
        }
        route_of[l] = (int8_t)nroutes++;
        if (!mw_route_allows(r, is_read, is_write)) {
            out->verdict = MW_FOREIGN;
            goto done;
        }
        mw_record_match(rec, t, r, ea[l], elem, is_read, is_write, rip);
    }

    /* Runs of consecutive active lanes reached the same way, in element
     * order: the CPU's own order, so a fault leaves exactly the progress it
     * would have, and overlapping scatter lanes land in order. */
    uint64_t saved_scratch = gpr[in->scratch];
    uint32_t pending = active;
    while (pending) {
        unsigned first = (unsigned)__builtin_ctz(pending);
        const struct mw_route *r = &routes[route_of[first]];
        int mixed = r->mode == MW_ROUTE_MIXED;
        int64_t delta = mw_lane_delta(r, ea[first]);
        uint32_t run = 1u << first;
        for (unsigned l = first + 1; !mixed && l < v->lanes; l++) {
            if (!(pending >> l & 1))
                continue;
            const struct mw_route *q = &routes[route_of[l]];
            if (q->mode == MW_ROUTE_MIXED || mw_lane_delta(q, ea[l]) != delta)
                break;
            run |= 1u << l;
        }
        pending &= ~run;
        struct mw_bounce bounce;
        if (mixed) {
            mw_bounce_fill(&bounce, t, r, is_write, 0);
            delta = (int64_t)((uintptr_t)bounce.at - ea[first]);
        }
        struct mw_exec_fault fault;
        mw_mask_narrow(&mask, x, run);
        gpr[in->scratch] = base + (uint64_t)delta;
        int faulted = mw_exec_run(t, s->slot, gpr, &flags, x, &fault);
        if (mixed) {
            mw_bounce_reopen(&bounce, r);
            if (!faulted && is_write)
                mw_bounce_write_back(&bounce, r, ea[first], elem);
        }
        if (faulted) {
            /* exec.c left the CPU's progress in the image */
            mw_mask_restore(&mask, x, pending);
            uintptr_t where = (uintptr_t)fault.addr;
            if (mw_exec_in_code(t, fault.addr))
                where = rip;
            else if (fault.signo == SIGSEGV && where)
                where -= (uintptr_t)delta;
            uc->uc_mcontext.gregs[REG_TRAPNO] = (greg_t)fault.trapno;
            uc->uc_mcontext.gregs[REG_ERR] = (greg_t)fault.err;
            mw_outcome_deliver(out, fault.signo, fault.code, where);
            goto done;
        }
    }
    gpr[in->scratch] = saved_scratch;
    mw_ctx_store_gprs(uc, gpr);
    mw_ctx_set_flags(uc, flags);
    mw_ctx_set_rip(uc, rip + in->len);
    out->verdict = MW_DONE;
done:
    mw_record_after(rec);
    for (unsigned i = 0; i < nroutes; i++)
        mw_route_finish(&routes[i]);
}
