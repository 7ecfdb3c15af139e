/*
 * trampoline/mem.c - running an instruction with one explicit memory operand.
 *
 * The operand was re-encoded as [scratch] (relocate.c).  Here: compute the
 * address the program meant, find how it is reached (route.c), point scratch
 * at it - the alias view, or a bounce buffer when the access straddles
 * watched and unwatched pages - run the instruction in the executor, and put
 * the program's registers back with RIP past the instruction.  The scratch
 * register gets its own value back: the instruction never saw it.
 * The bounce buffer (bounce.c) mirrors which of those pages the program can
 * read and write, so the CPU decides, as it would natively, whether and on
 * which byte the access faults.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "core/sys.h"
#include "trampoline/bounce.h"
#include "trampoline/exec.h"
#include "trampoline/fault.h"
#include "trampoline/regs.h"
#include "trampoline/route.h"
#include "trampoline/xstate.h"

/* Translates an address inside the alias view or the bounce buffer back to
 * the program's view, for a fault the instruction raised. */
static uintptr_t mw_to_view(const struct mw_route *r, uintptr_t a, const char *bounce)
{
    if (bounce && a >= (uintptr_t)bounce && a < (uintptr_t)bounce + r->len)
        return r->addr + (a - (uintptr_t)bounce);
    for (unsigned i = 0; i < r->nseg; i++) {
        const struct mw_route_seg *s = &r->seg[i];
        if (s->alias && a >= (uintptr_t)s->alias && a < (uintptr_t)s->alias + s->len)
            return s->view + (a - (uintptr_t)s->alias);
    }
    return a;
}

/* --- faults the instruction raised ----------------------------------------- */

/* The signal the program would have had: the executor's fault with the
 * program's addresses.  si_addr naming the executor's code is the faulting
 * instruction (SIGFPE, SIGILL): the program's RIP.  A page fault on a closed
 * bounce page is the program's page: unmapped there means SEGV_MAPERR, and
 * the error code's "present" bit says so too. */
static void mw_deliver_exec_fault(struct mw_thread *t, const struct mw_exec_fault *f, const struct mw_route *r,
                                  const struct mw_bounce *b, uint64_t rip, ucontext_t *uc, struct mw_outcome *out)
{
    uintptr_t where = mw_to_view(r, (uintptr_t)f->addr, b ? b->at : NULL);
    int code = f->code;
    uint64_t err = f->err;
    if (mw_exec_in_code(t, f->addr))
        where = rip;
    else if (f->signo == SIGSEGV && where != (uintptr_t)f->addr && mw_page_present(where) < 0) {
        code = SEGV_MAPERR; /* a bounce or alias page stood in for a page not mapped */
        err &= ~1ULL;
    }
    uc->uc_mcontext.gregs[REG_TRAPNO] = (greg_t)f->trapno;
    uc->uc_mcontext.gregs[REG_ERR] = (greg_t)err;
    mw_outcome_deliver(out, f->signo, code, where);
}

/* --- the x87 last-instruction pointers --------------------------------------- */

/* An x87 instruction records its own address, opcode and data address (FIP,
 * FOP, FDP) in the environment that fnstenv, fxsave and xsave store; run in
 * the executor it records the slot and the alias.  Put the program's back.
 * (CPUs that save these only with an exception pending leave them alone.) */
static void mw_fix_x87_pointers(struct mw_thread *t, const struct mw_site *s, void *xsave, uint64_t rip,
                                uint64_t data)
{
    uint8_t *fx = xsave;
    uint64_t fip;
    memcpy(&fip, fx + 8, 8);
    if (!mw_exec_in_code(t, fip))
        return;
    unsigned i = 0;
    while (i + 1 < s->insn.len && (s->bytes[i] < 0xd8 || s->bytes[i] > 0xdf))
        i++; /* prefixes and REX up to the x87 escape */
    uint16_t fop = (uint16_t)(((s->bytes[i] & 7) << 8) | s->bytes[i + 1]);
    memcpy(fx + 6, &fop, 2);
    memcpy(fx + 8, &rip, 8);
    memcpy(fx + 16, &data, 8);
}

/* --- the strategy --------------------------------------------------------------- */

void mw_run_mem(struct mw_thread *t, const struct mw_site *s, siginfo_t *info, ucontext_t *uc,
                struct mw_record *rec, struct mw_outcome *out)
{
    const struct mw_insn *in = &s->insn;
    if (in->has_vsib) {
        mw_run_vsib(t, s, info, uc, rec, out);
        return;
    }
    uint64_t gpr[16], flags = mw_ctx_flags(uc), rip = mw_ctx_rip(uc);
    mw_ctx_load_gprs(uc, gpr);
    uint64_t ea = mw_memop_ea(&in->mem, gpr, rip + in->len);
    int64_t bit_bytes = mw_memop_bit_bytes(&in->mem, gpr);
    uintptr_t access = (uintptr_t)(ea + (uint64_t)bit_bytes);
    if (in->mem.align)
        access &= ~(uintptr_t)(in->mem.align - 1);
    size_t size = in->mem.size;
    uintptr_t fault_addr = (uintptr_t)info->si_addr;
    uintptr_t access2 = in->has_mem2 ? (uintptr_t)mw_memop_ea(&in->mem2, gpr, rip + in->len) : 0;

    /* The fault must be this access: if our reading of the instruction
     * disagrees with the CPU's, never guess - single-step it instead. */
    if ((fault_addr < MW_PAGE_FLOOR(access) || fault_addr >= access + size) &&
        (!in->has_mem2 || fault_addr < MW_PAGE_FLOOR(access2) || fault_addr >= access2 + in->mem2.size)) {
        out->verdict = MW_STEP;
        return;
    }
    /* The instruction runs with the frame's own extended state: as much
     * of it as the kernel saved for this process, never more. */
    struct mw_xframe xframe, *xf = NULL;
    if (in->uses_fp) {
        if (mw_xframe_of(uc, &xframe) != 0) {
            out->verdict = MW_STEP;
            return;
        }
        xf = &xframe;
    }
    /* Both operands routed before anything runs.  A second operand is
     * addressed by a register (movdir64b's destination), which points at it
     * while the instruction runs; it is one cache line, and when it straddles
     * (misaligned: the CPU will refuse it) it bounces in the buffer's second
     * half, the first operand (64 bytes too) in the first. */
    struct mw_route route, route2;
    int have2 = 0;
    if (mw_route_build(&route, access, size) != 0) {
        out->verdict = MW_STEP;
        return;
    }
    if (in->has_mem2) {
        if (mw_route_build(&route2, access2, in->mem2.size) != 0) {
            mw_route_finish(&route);
            out->verdict = MW_STEP;
            return;
        }
        have2 = 1;
    }
    if (!route.watched && !(have2 && route2.watched))
        out->verdict = MW_RETRY; /* unwatched since the fault was raised */
    else if (!mw_route_allows(&route, in->mem.read, in->mem.write) ||
             (have2 && !mw_route_allows(&route2, in->mem2.read, in->mem2.write)))
        out->verdict = MW_FOREIGN;
    else if (route.mode == MW_ROUTE_MIXED &&
             (access & (MW_PAGE_SIZE - 1)) + size > (have2 ? 2 : MW_BOUNCE_PAGES) * MW_PAGE_SIZE)
        out->verdict = MW_STEP;
    else
        out->verdict = MW_DONE;
    if (out->verdict != MW_DONE) {
        if (have2)
            mw_route_finish(&route2);
        mw_route_finish(&route);
        return;
    }

    char *target = route.direct, *target2 = have2 ? route2.direct : NULL;
    struct mw_bounce bounce, bounce2, *b = NULL, *b2 = NULL;
    if (route.mode == MW_ROUTE_MIXED) {
        /* Same offset within a page as the real address, so alignment
         * requirements (movaps, cmpxchg16b, xsave) behave as they would. */
        b = &bounce;
        mw_bounce_fill(b, t, &route, in->mem.write, 0);
        target = b->at;
    }
    if (have2 && route2.mode == MW_ROUTE_MIXED) {
        b2 = &bounce2;
        mw_bounce_fill(b2, t, &route2, in->mem2.write, 2);
        target2 = b2->at;
    }

    mw_record_match(rec, t, &route, access, size, in->mem.read, in->mem.write, rip);
    if (have2)
        mw_record_match(rec, t, &route2, access2, in->mem2.size, in->mem2.read, in->mem2.write, rip);

    uint64_t saved_scratch = gpr[in->scratch], saved_sub = 0, saved_reg2 = 0;
    gpr[in->scratch] = (uint64_t)target + (ea - access);
    if (in->rsp_sub >= 0) {
        saved_sub = gpr[in->rsp_sub];
        gpr[in->rsp_sub] = gpr[MW_RSP];
    }
    if (have2) { /* after the stand-in: movdir64b rsp, [m] points the stand-in at the line */
        saved_reg2 = gpr[in->addr_reg2];
        gpr[in->addr_reg2] = (uint64_t)(uintptr_t)target2;
    }
    struct mw_exec_fault fault;
    int faulted = mw_exec_run(t, s->slot, gpr, &flags, xf, &fault);
    if (b)
        mw_bounce_reopen(b, &route);
    if (b2)
        mw_bounce_reopen(b2, &route2);
    if (faulted) {
        mw_record_after(rec);
        int second = have2 && mw_to_view(&route2, (uintptr_t)fault.addr, b2 ? b2->at : NULL) != (uintptr_t)fault.addr;
        mw_deliver_exec_fault(t, &fault, second ? &route2 : &route, second ? b2 : b, rip, uc, out);
        if (have2)
            mw_route_finish(&route2);
        mw_route_finish(&route);
        return;
    }
    if (b && in->mem.write)
        mw_bounce_write_back(b, &route, access, size);
    if (b2 && in->mem2.write)
        mw_bounce_write_back(b2, &route2, access2, in->mem2.size);
    if (xf)
        mw_fix_x87_pointers(t, s, xf->image, rip, access);
    mw_record_after(rec);
    if (have2) {
        mw_route_finish(&route2);
        gpr[in->addr_reg2] = saved_reg2;
    }
    mw_route_finish(&route);

    gpr[in->scratch] = saved_scratch;
    uint64_t prior_rsp = mw_ctx_gpr(uc, MW_RSP);
    if (in->rsp_sub >= 0) {
        gpr[MW_RSP] = gpr[in->rsp_sub];
        gpr[in->rsp_sub] = saved_sub;
    } else {
        gpr[MW_RSP] = prior_rsp;
    }
    mw_ctx_store_gprs(uc, gpr);
    mw_ctx_set_flags(uc, flags);
    mw_ctx_set_rip(uc, rip + in->len);
    mw_exec_resume(t, uc, prior_rsp);
    out->verdict = MW_DONE;
}
