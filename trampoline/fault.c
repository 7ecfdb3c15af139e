/*
 * trampoline/fault.c - the fault path, top to bottom, in the order it runs.
 *
 *   signal arrives: SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP (SIGSYS in trap
 *   mode), on the thread's alternate stack, every other signal blocked,
 *   SA_NODEFER (a fault inside the handler nests)
 *   1. entry guard, before anything touches thread-local storage:
 *        raised by the library's own code?            -> one line, die by it
 *        nested so deep the stack is nearly gone?     -> one line, die by it
 *   2. raised by an instruction in this thread's executor?  land it, done
 *      (exec.c: the strategy that ran it sees the fault and decides)
 *   3. SIGSEGV, SEGV_ACCERR, on a page the table knows (read access held):
 *        code region only:  the capture cycle's hook (preload/wx.c), done
 *        watched page:      decode (site.c), then the strategy by kind:
 *            explicit operand   relocate, execute in the executor  (mem.c, vsib.c)
 *            string             rebase, execute in chunks          (string.c)
 *            stack, branches    emulate                            (emulate.c)
 *            none fits          single-step the original           (step.c)
 *        each match the access against the watches before it runs
 *        (record.c: before bytes) and say how it ended (enum mw_verdict):
 *            MW_DONE     completed; the context resumes after it:
 *                        count it now (mw_record_commit), after bytes taken
 *            MW_STEP     page opened, trap flag set: it runs for real on
 *                        return and is counted at its SIGTRAP (step.c)
 *            MW_RETRY    unwatched meanwhile: return, it runs natively
 *            MW_DELIVER  it faulted for real in the executor: nothing
 *                        counted, the program gets that fault
 *            MW_FOREIGN  not ours to run (the program forbids the access)
 *        read access released; callbacks and the access log run (record.c)
 *   4. SIGTRAP after a single-stepped instruction: close its pages, count
 *      (before 3 and 4: a trap on a byte the code patcher wrote - a site
 *      being changed, a thread resuming between a span's moved instructions:
 *      promote.c sends it on, done)
 *   5. SIGSYS from the trap-mode filter: the preload side's hook
 *   6. anything else is the program's: its handler, with the program's
 *      errno, or the default death by the same signal (chain.c)
 *
 *   A promoted site (promote.c) takes no fault on an unwatched neighbour; on
 *   a watched byte its stub calls promote_hit.c, which enters at step 3 with
 *   a context it built itself (mw_fault_promoted) and returns to the stub.
 *   The stub's and the hit entry's own saves below the program's red zone,
 *   when that stack is a watched page, fault into step 3 too (the guard of
 *   step 1 lets the entry's through) and are carried out unrecorded.
 */
#include "trampoline/fault.h"

#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "core/pages.h"
#include "core/sys.h"
#include "trampoline/chain.h"
#include "trampoline/exec.h"
#include "trampoline/promote.h"
#include "trampoline/promote_hit.h"
#include "trampoline/regs.h"
#include "trampoline/route.h"

#define MW_PF_WRITE 0x2
#define MW_PF_INSTR 0x10

/* --- 1. the entry guard ------------------------------------------------------ */

/* How much of the library's alternate stack a handler keeps in reserve: the
 * die path (one line of text) and one more signal frame. */
#define MW_STACK_RESERVE (16 * 1024)

enum mw_guard {
    MW_GUARD_OK,
    MW_GUARD_SELF_FAULT,   /* the library's own code faulted */
    MW_GUARD_TOO_DEEP,     /* faults nested in faults until the stack ran out */
};

/* Nothing here may touch thread-local storage or call into libc: it is what
 * stands between a broken thread (its TLS or TCB overwritten) and a handler
 * that faults and re-enters itself forever.  The bound on re-entry comes from
 * the stack pointer alone: nested frames pile up on the alternate stack, and
 * the block it lives in says where it ends (thread.h). */
static __attribute__((no_stack_protector)) enum mw_guard mw_entry_guard(int sig, const siginfo_t *info,
                                                                        const ucontext_t *uc)
{
    uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    if (mw_fault_in_self_text(sig, info, uc) && !mw_promo_hit_in_entry(rip))
        return MW_GUARD_SELF_FAULT;
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    long room = mw_thread_stack_room(sp);
    if (room >= 0 && room < MW_STACK_RESERVE + (long)mw_xstate_cpu_max())
        return MW_GUARD_TOO_DEEP;
    return MW_GUARD_OK;
}

/* Ends the process by the signal, as a real crash: one line on stderr, the
 * default action restored, the instruction re-run (or the signal re-sent).
 * Raw syscalls only. */
static __attribute__((no_stack_protector)) void mw_die_from_guard(enum mw_guard why, int sig, const siginfo_t *info,
                                                                  const ucontext_t *uc)
{
    void *rip = (void *)uc->uc_mcontext.gregs[REG_RIP];
    if (why == MW_GUARD_SELF_FAULT)
        mw_warn("internal fault inside libmemwatch (signal %d at %p, address %p); ending the process", sig, rip,
                info->si_addr);
    else
        mw_warn("signal %d at %p (address %p) nested in fault handlers until the signal stack ran out; "
                "ending the process",
                sig, rip, info->si_addr);
    mw_chain_die(sig, info->si_code > 0 && sig != SIGTRAP);
}

/* --- 3. SIGSEGV -------------------------------------------------------------- */

/* A watched page: run the instruction by its kind.  Read access is held.
 * bytes: the instruction, when they are not at RIP (a promoted site). */
static const struct mw_site *mw_watch_fault(struct mw_thread *t, struct mw_page *p, siginfo_t *info,
                                            ucontext_t *uc, const uint8_t *bytes, unsigned n,
                                            struct mw_record *rec, struct mw_outcome *out)
{
    uint64_t rip = mw_ctx_rip(uc);
    uint64_t err = (uint64_t)uc->uc_mcontext.gregs[REG_ERR];
    if (err & MW_PF_INSTR) { /* executing a watched page: only stepping can do it */
        out->verdict = (p->prog_prot & PROT_EXEC) ? MW_STEP : MW_FOREIGN;
        return NULL;
    }
    const struct mw_site *s = mw_site_get(t, rip, bytes, n);
    if (!s || !s->decoded || s->insn.kind == MW_KIND_UNSUPPORTED) {
        if (s)
            mw_step_report_once(rip, s->bytes, s->decoded ? s->insn.len : 15,
                                s->decoded ? s->insn.reason : "undecodable");
        out->verdict = MW_STEP;
        return s;
    }
    switch (s->insn.kind) {
    case MW_KIND_TILE:
        out->verdict = MW_STEP; /* rows anywhere: stepped, its rows recorded (tile.c) */
        break;
    case MW_KIND_MEM:
        mw_run_mem(t, s, info, uc, rec, out);
        break;
    case MW_KIND_STRING:
        mw_run_string(t, s, uc, rec, out);
        break;
    default:
        mw_emulate(t, &s->insn, uc, rec, out);
        break;
    }
    if (out->verdict == MW_STEP) {
        out->step_insn = &s->insn;
        if (s->insn.kind != MW_KIND_TILE)
            mw_step_report_once(rip, s->bytes, s->insn.len, "the engine could not complete it");
    }
    return s;
}

/* How mw_fault_watched treats the access. */
enum mw_fault_how {
    MW_FW_PLAIN = 0,
    MW_FW_PROMOTE = 1,    /* count the site toward promotion when it completed */
    MW_FW_UNRECORDED = 2, /* a stub's own save below the red zone: run, never recorded */
};

/* A SEGV_ACCERR at uc's RIP: ours or not.  The verdict says what the entry
 * does next; MW_DELIVER fills *deliver with the fault the program must see.
 * bytes: the instruction when not at RIP. */
static enum mw_verdict mw_fault_watched(struct mw_thread *t, siginfo_t *info, ucontext_t *uc, const uint8_t *bytes,
                                        unsigned n, enum mw_fault_how how, siginfo_t *deliver)
{
    uintptr_t addr = (uintptr_t)info->si_addr;
    struct mw_record rec;
    struct mw_outcome out = {.verdict = MW_FOREIGN};
    mw_record_init(&rec, t);

    mw_read_begin(t);
    struct mw_page *p = mw_page_find(MW_PAGE_FLOOR(addr));
    if (!p) {
        mw_read_end(t);
        return MW_FOREIGN;
    }
    if (p->code && !mw_page_watched(p)) {
        mw_read_end(t);
        return mw_fault_hooks.code && mw_fault_hooks.code(t, info, uc) ? MW_DONE : MW_FOREIGN;
    }
    const struct mw_site *s = mw_watch_fault(t, p, info, uc, bytes, n, &rec, &out);
    if (out.verdict == MW_STEP) {
        uint64_t err = (uint64_t)uc->uc_mcontext.gregs[REG_ERR];
        if (!mw_step_begin(t, p, uc, addr, (err & MW_PF_WRITE) != 0, out.step_insn))
            out.verdict = MW_FOREIGN;
    }
    int counted = out.verdict == MW_DONE && how != MW_FW_UNRECORDED;
    if (counted) {
        mw_record_commit(&rec);
        if (how == MW_FW_PROMOTE && s)
            mw_promo_note(t, s, addr);
    } else {
        mw_record_discard(&rec);
    }
    mw_read_end(t);

    if (counted)
        mw_record_deliver(&rec, t);
    if (out.verdict == MW_DELIVER) {
        memset(deliver, 0, sizeof *deliver);
        deliver->si_signo = out.signo;
        deliver->si_code = out.code;
        deliver->si_addr = (void *)out.addr;
    }
    return out.verdict;
}

/* SIGSEGV.  A fault in a promoted site's stub, on its copy of an original
 * instruction, is that instruction's own: handled (and, if it is the
 * program's, shown to it) at the instruction's address with its bytes; when
 * done, the stub goes on after the copy; a single step runs the copy where
 * it is.  Any other fault of a stub, or of the hit entry before it leaves
 * the program's stack, is a save below the program's red zone that met a
 * watched page (a watched stack): carried out, never recorded. */
static enum mw_verdict mw_fault_segv(struct mw_thread *t, siginfo_t *info, ucontext_t *uc, siginfo_t *deliver)
{
    if (info->si_code != SEGV_ACCERR)
        return MW_FOREIGN;
    uint64_t rip = mw_ctx_rip(uc);
    const uint8_t *bytes = NULL;
    unsigned n = 0;
    if ((uint64_t)uc->uc_mcontext.gregs[REG_ERR] & MW_PF_INSTR) /* a fetch: no bytes to read */
        return mw_fault_watched(t, info, uc, NULL, 0, MW_FW_PLAIN, deliver);
    int in_stub = mw_pages_own(rip, rip + 1);
    uint64_t site = in_stub ? mw_promo_site_of(rip, &bytes, &n) : 0;
    if (!site && (in_stub || mw_promo_hit_in_entry(rip)))
        return mw_fault_watched(t, info, uc, NULL, 0, MW_FW_UNRECORDED, deliver);
    if (!site) {
        /* At a promoted site, only its original instruction can have raised
         * the fault, even if the patcher has changed the bytes since: the
         * code is read first, then the site table asked (a site is in the
         * table, with its bytes, before it is ever patched). */
        uint8_t code[16];
        n = mw_site_fetch(rip, code);
        if (!mw_promo_original(rip, code, n, &bytes, &n))
            bytes = code;
        return mw_fault_watched(t, info, uc, bytes, n, MW_FW_PROMOTE, deliver);
    }
    mw_ctx_set_rip(uc, site);
    enum mw_verdict v = mw_fault_watched(t, info, uc, bytes, n, MW_FW_PLAIN, deliver);
    if (v == MW_DONE)
        mw_ctx_set_rip(uc, rip + n); /* on in the stub, after the copy */
    else if (v == MW_STEP || v == MW_RETRY)
        mw_ctx_set_rip(uc, rip);
    return v;
}

enum mw_verdict mw_fault_promoted(struct mw_thread *t, ucontext_t *uc, const uint8_t *bytes, unsigned n,
                                  siginfo_t *deliver)
{
    const struct mw_site *s = mw_site_get(t, mw_ctx_rip(uc), bytes, n);
    if (!s || !s->decoded || s->insn.kind != MW_KIND_MEM)
        return MW_FOREIGN;
    uint64_t gpr[16];
    mw_ctx_load_gprs(uc, gpr);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_signo = SIGSEGV;
    info.si_code = SEGV_ACCERR;
    info.si_addr = (void *)(uintptr_t)mw_memop_ea(&s->insn.mem, gpr, mw_ctx_rip(uc) + s->insn.len);
    uc->uc_mcontext.gregs[REG_ERR] = s->insn.mem.write ? 7 : 5;
    return mw_fault_watched(t, &info, uc, bytes, n, MW_FW_PLAIN, deliver);
}

/* --- the entry --------------------------------------------------------------- */

/* errno belongs to the interrupted code: the engine's own work must not
 * change it, while a program handler we hand over to may (as it could
 * without us) - so it is put back before that hand-over, not after. */
__attribute__((no_stack_protector)) void mw_signal_entry(int sig, siginfo_t *info, void *ctx)
{
    ucontext_t *uc = ctx;
    enum mw_guard guard = mw_entry_guard(sig, info, uc);
    if (guard != MW_GUARD_OK) {
        mw_die_from_guard(guard, sig, info, uc);
        return;
    }
    int saved_errno = errno;
    struct mw_thread *t = mw_thread_self();
    enum mw_verdict verdict = MW_FOREIGN;
    siginfo_t raised;
    if (t && mw_exec_recover(t, sig, info, uc))
        verdict = MW_DONE;
    else if ((sig == SIGILL || sig == SIGTRAP || (sig == SIGSEGV && info->si_code == SI_KERNEL)) &&
             mw_promo_trap(sig, info, uc))
        verdict = MW_DONE;
    else if (t && sig == SIGSEGV)
        verdict = mw_fault_segv(t, info, uc, &raised);
    else if (t && sig == SIGTRAP)
        verdict = mw_step_trap(t, info, uc) ? MW_DONE : MW_FOREIGN;
    else if (sig == SIGSYS && mw_fault_hooks.sys)
        verdict = mw_fault_hooks.sys(info, uc) ? MW_DONE : MW_FOREIGN;
    errno = saved_errno;
    switch (verdict) {
    case MW_DONE:
    case MW_STEP:
    case MW_RETRY:
        break;
    case MW_DELIVER:
        mw_chain_deliver(raised.si_signo, &raised, uc, 0);
        break;
    case MW_FOREIGN:
        if (t && sig != SIGTRAP)
            mw_step_fault(t, uc); /* a single-stepped instruction that faulted for real */
        mw_chain_deliver(sig, info, uc, sig != SIGTRAP);
        break;
    }
}
