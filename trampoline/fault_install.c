/*
 * trampoline/fault_install.c - taking the engine's signals from the kernel
 * (see fault.h): mw_signal_entry - the library's (fault.c) or the agent's
 * (agent/fault.c) - becomes the kernel's action, and whatever action was
 * there before stays the program's, in the chain table.  The kernel's
 * actions as they were are remembered, so a start that fails can give them
 * back exactly.  Also kept here, for either entry: the hooks the
 * preload side hands over and where the library's own code lies.
 */
#include "trampoline/fault.h"

#include "core/sys.h"
#include "trampoline/chain.h"

struct mw_fault_hooks mw_fault_hooks;

void mw_fault_set_code_hook(mw_code_fault_fn fn) { mw_fault_hooks.code = fn; }
void mw_fault_set_sys_hook(mw_sys_trap_fn fn) { mw_fault_hooks.sys = fn; }

void mw_fault_set_self_text(uintptr_t start, uintptr_t end)
{
    mw_fault_hooks.text_start = start;
    mw_fault_hooks.text_end = end;
}

/* Runs before anything touches thread-local storage: no stack canary. */
__attribute__((no_stack_protector)) int mw_fault_in_self_text(int sig, const siginfo_t *info,
                                                              const ucontext_t *uc)
{
    uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    return info->si_code > 0 && sig != SIGTRAP && rip >= mw_fault_hooks.text_start &&
           rip < mw_fault_hooks.text_end;
}

static struct mw_kernel_sigaction mw_before[65]; /* the kernel's actions before ours */
static uint64_t mw_taken;                        /* signals we took, by bit */

int mw_fault_install_signal(int sig)
{
    /* Every other signal stays blocked while we run: no handler of the
     * program can interrupt the engine half-way (and touch watched memory). */
    mw_chain_add_managed(sig);
    struct mw_kernel_sigaction act = {
        .handler = (void *)mw_signal_entry,
        .flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESTART,
        .mask = ~mw_chain_managed_mask(),
    }, old;
    if (mw_sys_rt_sigaction(sig, &act, &old) != 0)
        return -1;
    if (!(mw_taken & (1ULL << (sig - 1))))
        mw_before[sig] = old;
    mw_taken |= 1ULL << (sig - 1);
    if (old.handler != (void *)mw_signal_entry && old.handler != SIG_DFL) {
        /* Someone installed a handler before we loaded: it is the program's. */
        struct mw_prog_action prev = {old.handler, old.flags & ~MW_SA_RESTORER, old.mask};
        mw_chain_set(sig, &prev);
    }
    return 0;
}

int mw_fault_install(void)
{
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP};
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (mw_fault_install_signal(sigs[i]) != 0)
            return -1;
    return 0;
}

void mw_fault_uninstall(void)
{
    for (int sig = 1; sig <= 64; sig++)
        if (mw_taken & (1ULL << (sig - 1)))
            mw_gated_syscall6(SYS_rt_sigaction, sig, (long)&mw_before[sig], 0, 8, 0, 0); /* restorer and all */
    mw_taken = 0;
}
