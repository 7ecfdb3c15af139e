/*
 * trampoline/chain.c - the program's view of the engine's signals (see
 * chain.h).
 */
#include "trampoline/chain.h"

#include <string.h>

#include "core/spin.h"
#include "core/sys.h"
#include "trampoline/onstack.h"
#include "trampoline/record.h"
#include "trampoline/thread.h"

static struct mw_prog_action mw_prog[65];
static mw_spin_t mw_prog_lock;

static uint64_t mw_bit(int sig) { return 1ULL << (sig - 1); }

/* The synchronous signals the engine always keeps, and SIGSYS in
 * MEMWATCH_SYSCALLS=trap mode. */
static uint64_t mw_managed = (1ULL << (SIGSEGV - 1)) | (1ULL << (SIGBUS - 1)) | (1ULL << (SIGFPE - 1)) |
                             (1ULL << (SIGILL - 1)) | (1ULL << (SIGTRAP - 1));

int mw_chain_is_managed(int sig) { return sig > 0 && sig <= 64 && (mw_managed & mw_bit(sig)); }

uint64_t mw_chain_managed_mask(void) { return mw_managed; }

void mw_chain_add_managed(int sig) { mw_managed |= mw_bit(sig); }

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

static void (*mw_die_hook)(void);

void mw_chain_set_die_hook(void (*fn)(void)) { mw_die_hook = fn; }

void mw_chain_die(int sig, int natural)
{
    if (mw_die_hook)
        mw_die_hook();
    struct mw_kernel_sigaction dfl = {.handler = SIG_DFL};
    mw_sys_rt_sigaction(sig, &dfl, NULL);
    if (natural)
        return; /* the instruction runs again and faults with nobody to catch it */
    uint64_t set = mw_bit(sig);
    mw_sys_rt_sigprocmask(SIG_UNBLOCK, &set, NULL);
    mw_sys_tgkill(mw_sys_getpid(), mw_sys_gettid(), sig);
    MW_SYS1(SYS_exit_group, 128 + sig); /* not reached: the default action of sig is to die */
}

static int mw_managed_index(int sig)
{
    switch (sig) {
    case SIGSEGV: return 0;
    case SIGBUS: return 1;
    case SIGFPE: return 2;
    case SIGILL: return 3;
    case SIGTRAP: return 4;
    default: return 5; /* SIGSYS */
    }
}

/* Takes the program's action for sig, applying SA_RESETHAND as the kernel
 * does at delivery. */
static struct mw_prog_action mw_take_action(int sig)
{
    struct mw_prog_action a;
    mw_spin_lock(&mw_prog_lock);
    a = mw_prog[sig];
    if (a.handler != SIG_DFL && a.handler != SIG_IGN && (a.flags & SA_RESETHAND)) {
        mw_prog[sig].handler = SIG_DFL;
        mw_prog[sig].flags &= ~(unsigned long)SA_SIGINFO;
    }
    mw_spin_unlock(&mw_prog_lock);
    return a;
}

static void mw_call_program(struct mw_thread *t, int sig, const struct mw_prog_action *a, siginfo_t *info,
                            void *ctx)
{
    if (a->flags & SA_ONSTACK)
        mw_call_handler_on_program_stack(t, a->handler, (a->flags & SA_SIGINFO) != 0, sig, info, ctx);
    else if (a->flags & SA_SIGINFO)
        ((void (*)(int, siginfo_t *, void *))a->handler)(sig, info, ctx);
    else
        ((void (*)(int))a->handler)(sig);
}

void mw_chain_deliver(int sig, siginfo_t *info, ucontext_t *uc, int natural)
{
    struct mw_thread *t = mw_thread_peek();
    mw_stat_add(&mw_stat_foreign, 1);
    /* The program believes this signal blocked (the kernel never blocks the
     * engine's signals): a fault then kills, as the kernel forces it; a
     * signal sent by someone waits until the program unblocks it. */
    if (t && (t->prog_blocked & mw_bit(sig))) {
        if (info->si_code > 0) {
            mw_chain_die(sig, natural);
        } else {
            t->prog_pending |= mw_bit(sig);
            t->prog_pending_info[mw_managed_index(sig)] = *info;
        }
        return;
    }
    struct mw_prog_action a = mw_take_action(sig);
    int sent = info->si_code <= 0; /* kill, tkill, sigqueue: not a fault */
    if (a.handler == SIG_IGN && sent)
        return;
    /* A fault that is ignored or defaulted kills (the kernel resets an
     * ignored fault to SIG_DFL too); so does a sent one left at SIG_DFL. */
    if (a.handler == SIG_DFL || a.handler == SIG_IGN) {
        mw_chain_die(sig, natural && !sent);
        return;
    }
    /* The mask the kernel would have set for the program's handler, but
     * the managed signals stay deliverable so the engine keeps working
     * inside it (a handler that touches watched memory).  The program's view
     * of its mask is not widened for the handler's duration: handlers leave
     * by siglongjmp as often as by returning, and a view that outlived the
     * handler would turn the next real fault into a "blocked" one. */
    uint64_t interrupted;
    memcpy(&interrupted, &uc->uc_sigmask, sizeof interrupted);
    uint64_t mask = interrupted | a.mask;
    if (!(a.flags & SA_NODEFER))
        mask |= mw_bit(sig);
    mask &= ~mw_chain_managed_mask();
    uint64_t ours;
    mw_sys_rt_sigprocmask(SIG_SETMASK, &mask, &ours);
    mw_call_program(t, sig, &a, info, uc);
    mw_sys_rt_sigprocmask(SIG_SETMASK, &ours, NULL);
}

void mw_chain_wrapped_entry(int sig, siginfo_t *info, void *ctx)
{
    struct mw_prog_action a = mw_take_action(sig);
    if (a.handler == SIG_DFL || a.handler == SIG_IGN)
        return; /* changed under us; the kernel's own action is set anew by sigaction */
    mw_call_program(mw_thread_peek(), sig, &a, info, ctx);
}

void mw_chain_raise_pending(struct mw_thread *t)
{
    uint64_t ready = t->prog_pending & ~t->prog_blocked;
    for (int sig = 1; ready && sig <= 64; sig++) {
        if (!(ready & mw_bit(sig)))
            continue;
        ready &= ~mw_bit(sig);
        t->prog_pending &= ~mw_bit(sig);
        siginfo_t info = t->prog_pending_info[mw_managed_index(sig)];
        MW_SYS4(SYS_rt_tgsigqueueinfo, mw_sys_getpid(), t->tid, sig, &info);
    }
}
