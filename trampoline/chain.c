/*
 * trampoline/chain.c - the program's view of the engine's signals (see
 * chain.h).
 */
#include "trampoline/chain.h"

#include <string.h>

#include "core/spin.h"
#include "core/sys.h"
#include "trampoline/record.h"

static struct mw_prog_action mw_prog[65];
static mw_spin_t mw_prog_lock;

static uint64_t mw_bit(int sig) { return 1ULL << (sig - 1); }

int mw_chain_is_managed(int sig)
{
    return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP;
}

uint64_t mw_chain_managed_mask(void)
{
    return mw_bit(SIGSEGV) | mw_bit(SIGBUS) | mw_bit(SIGFPE) | mw_bit(SIGILL) | mw_bit(SIGTRAP);
}

/* Writers run with signals blocked (sigaction interposer), readers in a
 * handler with async signals blocked: the spinlock cannot be re-entered. */
void mw_chain_set(int sig, const struct mw_prog_action *a)
{
    if (sig <= 0 || sig > 64)
        return;
    mw_spin_lock(&mw_prog_lock);
    mw_prog[sig] = *a;
    mw_spin_unlock(&mw_prog_lock);
}

void mw_chain_get(int sig, struct mw_prog_action *a)
{
    memset(a, 0, sizeof *a);
    if (sig <= 0 || sig > 64)
        return;
    mw_spin_lock(&mw_prog_lock);
    *a = mw_prog[sig];
    mw_spin_unlock(&mw_prog_lock);
}

void mw_chain_die(int sig, int natural)
{
    struct mw_kernel_sigaction dfl = {.handler = SIG_DFL};
    mw_sys_rt_sigaction(sig, &dfl, NULL);
    if (natural)
        return; /* the instruction runs again and faults with nobody to catch it */
    uint64_t set = mw_bit(sig);
    mw_sys_rt_sigprocmask(SIG_UNBLOCK, &set, NULL);
    mw_sys_tgkill(mw_sys_getpid(), mw_sys_gettid(), sig);
    MW_SYS1(SYS_exit_group, 128 + sig); /* not reached: the default action of sig is to die */
}

void mw_chain_deliver(int sig, siginfo_t *info, ucontext_t *uc, int natural)
{
    struct mw_prog_action a;
    mw_stat_add(&mw_stat_foreign, 1);
    mw_spin_lock(&mw_prog_lock);
    a = mw_prog[sig];
    if (a.handler != SIG_DFL && a.handler != SIG_IGN && (a.flags & SA_RESETHAND)) {
        mw_prog[sig].handler = SIG_DFL;
        mw_prog[sig].flags &= ~(unsigned long)SA_SIGINFO;
    }
    mw_spin_unlock(&mw_prog_lock);
    /* A synchronous signal that is ignored or defaulted kills (the kernel
     * resets an ignored fault to SIG_DFL too). */
    if (a.handler == SIG_DFL || a.handler == SIG_IGN) {
        mw_chain_die(sig, natural);
        return;
    }
    /* The mask the kernel would have set for the program's handler; the
     * managed signals stay deliverable so the engine keeps working inside it
     * (a handler that touches watched memory). */
    uint64_t interrupted;
    memcpy(&interrupted, &uc->uc_sigmask, sizeof interrupted);
    uint64_t mask = interrupted | a.mask;
    if (!(a.flags & SA_NODEFER))
        mask |= mw_bit(sig);
    mask &= ~mw_chain_managed_mask();
    uint64_t ours;
    mw_sys_rt_sigprocmask(SIG_SETMASK, &mask, &ours);
    if (a.flags & SA_SIGINFO)
        ((void (*)(int, siginfo_t *, void *))a.handler)(sig, info, uc);
    else
        ((void (*)(int))a.handler)(sig);
    mw_sys_rt_sigprocmask(SIG_SETMASK, &ours, NULL);
}
