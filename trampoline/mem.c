/*
 * trampoline/mem.c - running an instruction with one explicit memory operand.
 *
 * The operand was re-encoded as [scratch] (relocate.c).  Here: compute the
 * address the program meant, find how it is reached (route.c), point scratch
 * at it - the alias view, or a bounce buffer when the access straddles
 * watched and unwatched pages - run the instruction in the executor, and put
 * the program's registers back with RIP past the instruction.  The scratch
 * register gets its own value back: the instruction never saw it.
 */
#include <string.h>
#include <sys/mman.h>

#include "core/sys.h"
#include "trampoline/exec.h"
#include "trampoline/fault.h"
#include "trampoline/regs.h"
#include "trampoline/route.h"
#include "trampoline/xstate.h"

/* Does the program itself allow this access on every watched page it
 * touches?  If not, the fault is real and stays the program's. */
static int mw_program_allows(const struct mw_route *r, int is_read, int is_write)
{
    for (unsigned i = 0; i < r->nseg; i++) {
        const struct mw_page *p = r->seg[i].page;
        if (!p)
            continue;
        if (is_write && !(p->prog_prot & PROT_WRITE))
            return 0;
        if (is_read && !(p->prog_prot & PROT_READ))
            return 0;
    }
    return 1;
}

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

void mw_run_mem(struct mw_thread *t, const struct mw_site *s, siginfo_t *info, ucontext_t *uc,
                struct mw_record *rec, struct mw_outcome *out)
{
    const struct mw_insn *in = &s->insn;
    uint64_t gpr[16], flags = mw_ctx_flags(uc), rip = mw_ctx_rip(uc);
    mw_ctx_load_gprs(uc, gpr);
    uint64_t ea = mw_memop_ea(&in->mem, gpr, rip + in->len);
    int64_t bit_bytes = mw_memop_bit_bytes(&in->mem, gpr);
    uintptr_t access = (uintptr_t)(ea + (uint64_t)bit_bytes);
    size_t size = in->mem.size;
    uintptr_t fault_addr = (uintptr_t)info->si_addr;

    /* The fault must be this access: if our reading of the instruction
     * disagrees with the CPU's, never guess - single-step it instead. */
    if (fault_addr < MW_PAGE_FLOOR(access) || fault_addr >= access + size) {
        out->verdict = MW_STEP;
        return;
    }
    if (in->uses_fp && !mw_xstate_has_xsave()) {
        out->verdict = MW_STEP;
        return;
    }
    struct mw_route route;
    if (mw_route_build(&route, access, size) != 0) {
        out->verdict = MW_STEP;
        return;
    }
    if (!route.watched) { /* unwatched since the fault was raised */
        mw_route_finish(&route);
        out->verdict = MW_RETRY;
        return;
    }
    if (!mw_program_allows(&route, in->mem.read, in->mem.write)) {
        mw_route_finish(&route);
        out->verdict = MW_FOREIGN;
        return;
    }

    char *target = route.direct, *bounce = NULL;
    uintptr_t bad = 0;
    if (route.mode == MW_ROUTE_MIXED && (access & (MW_PAGE_SIZE - 1)) + size > 4 * MW_PAGE_SIZE) {
        mw_route_finish(&route);
        out->verdict = MW_STEP;
        return;
    }
    if (route.mode == MW_ROUTE_MIXED) {
        /* Same offset within a page as the real address, so alignment
         * requirements (movaps, cmpxchg16b, xsave) behave as they would. */
        bounce = t->bounce + (access & (MW_PAGE_SIZE - 1));
        if (mw_route_read(&route, access, bounce, size, &bad) != 0 ||
            (in->mem.write && mw_route_write(&route, access, bounce, size, &bad) != 0)) {
            mw_route_finish(&route);
            mw_outcome_deliver(out, SIGSEGV, SEGV_ACCERR, bad);
            return;
        }
        target = bounce;
    }

    mw_record_match(rec, t, &route, access, size, in->mem.read, in->mem.write, rip);

    uint64_t saved_scratch = gpr[in->scratch], saved_sub = 0;
    gpr[in->scratch] = (uint64_t)target - (uint64_t)bit_bytes;
    if (in->rsp_sub >= 0) {
        saved_sub = gpr[in->rsp_sub];
        gpr[in->rsp_sub] = gpr[MW_RSP];
    }
    struct mw_exec_fault fault;
    void *xsave = in->uses_fp ? (void *)uc->uc_mcontext.fpregs : NULL;
    if (mw_exec_run(t, s->slot, gpr, &flags, xsave, &fault) != 0) {
        uintptr_t where = mw_to_view(&route, (uintptr_t)fault.addr, bounce);
        mw_record_after(rec);
        mw_route_finish(&route);
        mw_outcome_deliver(out, fault.signo, fault.code, where);
        return;
    }
    if (bounce && in->mem.write && mw_route_write(&route, access, bounce, size, &bad) != 0) {
        mw_route_finish(&route);
        mw_outcome_deliver(out, SIGSEGV, SEGV_ACCERR, bad);
        return;
    }
    mw_record_after(rec);
    mw_route_finish(&route);

    gpr[in->scratch] = saved_scratch;
    if (in->rsp_sub >= 0) {
        gpr[MW_RSP] = gpr[in->rsp_sub];
        gpr[in->rsp_sub] = saved_sub;
    } else {
        gpr[MW_RSP] = mw_ctx_gpr(uc, MW_RSP);
    }
    mw_ctx_store_gprs(uc, gpr);
    mw_ctx_set_flags(uc, flags);
    mw_ctx_set_rip(uc, rip + in->len);
    out->verdict = MW_DONE;
}
