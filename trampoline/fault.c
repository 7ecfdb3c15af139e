/*
 * trampoline/fault.c - the fault path, top to bottom.
 *
 *   signal arrives (SIGSEGV, SIGBUS, SIGFPE, SIGILL or SIGTRAP, on the
 *   thread's alternate stack, async signals blocked, SA_NODEFER)
 *     -> raised by an instruction in our executor?  land it (exec.c), done
 *     -> SIGTRAP after a single-stepped instruction?  close up (step.c)
 *     -> SIGSEGV on a page the table knows?
 *          code region: the capture cycle's hook (preload/wx.c)
 *          watched page: decode (site.c) and run the instruction by its kind:
 *            explicit operand   relocate and execute   (mem.c)
 *            string             rebase and execute     (string.c)
 *            stack, branches    emulate                (emulate.c)
 *            anything else      single-step            (step.c)
 *          then count, record, resume after the instruction (record.c)
 *     -> anything else is the program's: its handler or the default death
 *        (chain.c)
 *
 * Table access is held only while the instruction runs; callbacks and the
 * program's handlers run after it is released.  errno is preserved.
 */
#include "trampoline/fault.h"

#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "core/sys.h"
#include "trampoline/chain.h"
#include "trampoline/exec.h"
#include "trampoline/regs.h"
#include "trampoline/route.h"

static mw_code_fault_fn mw_code_hook;
static mw_sys_trap_fn mw_sys_hook;
static uintptr_t mw_text_start, mw_text_end;

void mw_fault_set_code_hook(mw_code_fault_fn fn) { mw_code_hook = fn; }
void mw_fault_set_sys_hook(mw_sys_trap_fn fn) { mw_sys_hook = fn; }

void mw_fault_set_self_text(uintptr_t start, uintptr_t end)
{
    mw_text_start = start;
    mw_text_end = end;
}

#define MW_PF_WRITE 0x2
#define MW_PF_INSTR 0x10

/* The watched-page path; read access is held by the caller. */
static void mw_watch_fault(struct mw_thread *t, struct mw_page *p, siginfo_t *info, ucontext_t *uc,
                           struct mw_record *rec, struct mw_outcome *out)
{
    uint64_t rip = mw_ctx_rip(uc);
    uint64_t err = (uint64_t)uc->uc_mcontext.gregs[REG_ERR];
    if (err & MW_PF_INSTR) { /* executing a watched page: only stepping can do it */
        out->verdict = (p->prog_prot & PROT_EXEC) ? MW_STEP : MW_FOREIGN;
        return;
    }
    const struct mw_site *s = mw_site_get(t, rip);
    if (!s || !s->decoded || s->insn.kind == MW_KIND_UNSUPPORTED) {
        if (s)
            mw_step_report_once(rip, s->bytes, s->decoded ? s->insn.len : 15,
                                s->decoded ? s->insn.reason : "undecodable");
        out->verdict = MW_STEP;
        return;
    }
    switch (s->insn.kind) {
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
    if (out->verdict == MW_STEP)
        mw_step_report_once(rip, s->bytes, s->insn.len, "the engine could not complete it");
}

/* SIGSEGV: ours, or not.  Returns 1 when handled, 0 when it is the
 * program's, 2 when the relocated instruction raised *deliver for the
 * program. */
static int mw_fault_segv(struct mw_thread *t, siginfo_t *info, ucontext_t *uc, siginfo_t *deliver)
{
    if (info->si_code != SEGV_ACCERR)
        return 0;
    uintptr_t addr = (uintptr_t)info->si_addr;
    uintptr_t page = MW_PAGE_FLOOR(addr);
    struct mw_record rec;
    struct mw_outcome out = {.verdict = MW_FOREIGN};
    mw_record_init(&rec, t);

    mw_read_begin(t);
    struct mw_page *p = mw_page_find(page);
    if (!p) {
        mw_read_end(t);
        return 0;
    }
    if (p->code && !p->nwatches && !p->alias) {
        mw_read_end(t);
        return mw_code_hook ? mw_code_hook(t, info, uc) : 0;
    }
    mw_watch_fault(t, p, info, uc, &rec, &out);
    if (out.verdict == MW_STEP) {
        uint64_t err = (uint64_t)uc->uc_mcontext.gregs[REG_ERR];
        if (!mw_step_begin(t, p, uc, addr, (err & MW_PF_WRITE) != 0))
            out.verdict = MW_FOREIGN;
    }
    if (out.verdict == MW_DONE)
        mw_record_end(&rec);
    mw_read_end(t);

    switch (out.verdict) {
    case MW_DONE:
        mw_record_deliver(&rec, t);
        return 1;
    case MW_STEP:
    case MW_RETRY:
        return 1;
    case MW_DELIVER:
        memset(deliver, 0, sizeof *deliver);
        deliver->si_signo = out.signo;
        deliver->si_code = out.code;
        deliver->si_addr = (void *)out.addr;
        mw_record_deliver(&rec, t);
        return 2;
    default:
        return 0;
    }
}

/* A fault inside the library's own code (not the executor) is a bug: die
 * by it now rather than recurse. */
static int mw_fault_in_self(ucontext_t *uc)
{
    uintptr_t rip = (uintptr_t)mw_ctx_rip(uc);
    return rip >= mw_text_start && rip < mw_text_end;
}

/* errno belongs to the interrupted code: the engine's own work must not
 * change it, while a program handler we hand over to may (as it could
 * without us) - so it is put back before that hand-over, not after. */
void mw_signal_entry(int sig, siginfo_t *info, void *ctx)
{
    ucontext_t *uc = ctx;
    int saved_errno = errno;
    struct mw_thread *t = mw_thread_self();
    int handled = 0;
    siginfo_t raised;
    if (t && mw_exec_recover(t, sig, info, uc)) {
        handled = 1;
    } else if (info->si_code > 0 && sig != SIGTRAP && mw_fault_in_self(uc)) {
        mw_warn("internal fault (signal %d at %p, address %p); ending the process", sig,
                (void *)mw_ctx_rip(uc), info->si_addr);
        mw_chain_die(sig, 1);
        handled = 1;
    } else if (t && sig == SIGSEGV) {
        handled = mw_fault_segv(t, info, uc, &raised);
    } else if (t && sig == SIGTRAP) {
        handled = mw_step_trap(t, info, uc);
    } else if (sig == SIGSYS && mw_sys_hook) {
        handled = mw_sys_hook(info, uc);
    }
    errno = saved_errno;
    if (handled == 2) {
        mw_chain_deliver(raised.si_signo, &raised, uc, 0);
    } else if (!handled) {
        if (t && sig != SIGTRAP)
            mw_step_fault(t, uc); /* a single-stepped instruction that faulted for real */
        mw_chain_deliver(sig, info, uc, sig != SIGTRAP);
    }
}
