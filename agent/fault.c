/*
 * agent/fault.c - trampoline/fault.h for the agent: its signal entry and
 * the hooks.
 *
 *   signal arrives (SIGSEGV, SIGSYS or another of the engine's; on the
 *   program's alternate stack if the thread has one, async signals
 *   blocked, SA_NODEFER)
 *     -> raised by the agent's own code?  a bug: die by it now
 *     -> SIGSEGV on a page of a code region?  the W^X cycle (preload/wx.c)
 *     -> SIGSYS from the agent's filter?  carry the call out (sys_trap.c)
 *     -> anything else is the program's: its handler or the default death
 *        (trampoline/chain.c)
 *
 * No watched pages exist here (no decoder), so there is no executor and no
 * single-step; SIGBUS, SIGFPE, SIGILL and SIGTRAP are still kept (the chain
 * treats the engine's signals alike: the program's handlers for them are
 * kept in the chain table and called from here).  The agent makes no libc
 * call, so there is no errno of the program's to keep either.
 */
#include "trampoline/fault.h"

#include "core/log.h"
#include "core/sys.h"
#include "trampoline/chain.h"
#include "trampoline/table.h"

/* Is the page of this access fault one of a code region? */
static int mw_is_code_fault(const siginfo_t *info)
{
    if (info->si_code != SEGV_ACCERR)
        return 0;
    mw_read_begin(NULL);
    struct mw_page *p = mw_page_find(MW_PAGE_FLOOR((uintptr_t)info->si_addr));
    int code = p && p->code;
    mw_read_end(NULL);
    return code;
}

void mw_signal_entry(int sig, siginfo_t *info, void *ctx)
{
    ucontext_t *uc = ctx;
    uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    int handled = 0;
    if (sig != SIGSYS && mw_fault_in_self_text(sig, info, uc)) {
        mw_warn("internal fault (signal %d at %p, address %p); ending the process", sig, (void *)rip,
                info->si_addr);
        mw_chain_die(sig, 1);
        return;
    }
    /* No thread state for the cycle: finding it costs a gettid system call
     * here (no TLS), and the cycle needs only the thread id, at a capture. */
    if (sig == SIGSEGV && mw_fault_hooks.code && mw_is_code_fault(info))
        handled = mw_fault_hooks.code(NULL, info, uc);
    else if (sig == SIGSYS && mw_fault_hooks.sys)
        handled = mw_fault_hooks.sys(info, uc);
    if (!handled) /* a trap (int3) does not come again by itself: it is re-raised */
        mw_chain_deliver(sig, info, uc, sig != SIGTRAP);
}
