/*
 * preload/sigview.c - the program's view of its signal state (see
 * sigview.h), and the raw signal calls of a program without interposers.
 */
#include "preload/sigview.h"

#include <errno.h>
#include <string.h>

#include "trampoline/chain.h"
#include "trampoline/onstack.h"

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31) /* linux/signal.h; not in every libc header */
#endif

/* Where the kernel's alternate stack is the engine's (see sigview.h). */
#ifdef MW_AGENT
#define MW_ENGINE_OWNS_ALTSTACK 0
#define MW_MIN_SIGSTACK 2048 /* never asked: the agent leaves sigaltstack to the kernel */
#else
#define MW_ENGINE_OWNS_ALTSTACK 1
#define MW_MIN_SIGSTACK MINSIGSTKSZ /* libc's, from the kernel's AT_MINSIGSTKSZ */
#endif

uint64_t mw_sigview_mask_change(struct mw_thread *t, int how, uint64_t set)
{
    uint64_t before = t->prog_blocked, want = set & mw_chain_managed_mask();
    if (how == SIG_BLOCK)
        t->prog_blocked |= want;
    else if (how == SIG_UNBLOCK)
        t->prog_blocked &= ~want;
    else
        t->prog_blocked = want;
    return before;
}

void mw_sigview_mask_done(struct mw_thread *t)
{
    if (t->prog_pending & ~t->prog_blocked)
        mw_chain_raise_pending(t);
}

void mw_sigview_adopt_kernel_mask(struct mw_thread *t)
{
    uint64_t cur = 0, managed = mw_chain_managed_mask();
    if (!t || mw_sys_rt_sigprocmask(SIG_BLOCK, NULL, &cur) != 0 || !(cur & managed))
        return;
    t->prog_blocked = cur & managed;
    mw_sys_rt_sigprocmask(SIG_UNBLOCK, &managed, NULL);
}

long mw_sigview_altstack(struct mw_thread *t, const stack_t *ss, stack_t *old, uintptr_t sp)
{
    int on = mw_on_program_altstack(t, sp);
    if (ss) {
        int mode = ss->ss_flags & ~(int)SS_AUTODISARM;
        if (mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK)
            return -EINVAL;
        if (on)
            return -EPERM;
        if (mode != SS_DISABLE && ss->ss_size < (size_t)MW_MIN_SIGSTACK)
            return -ENOMEM;
    }
    if (old) {
        old->ss_sp = t->prog_ss_sp;
        old->ss_size = t->prog_ss_size;
        old->ss_flags = (t->prog_ss_flags & SS_DISABLE) ? SS_DISABLE : on ? SS_ONSTACK : t->prog_ss_flags;
    }
    if (ss) {
        if ((ss->ss_flags & ~(int)SS_AUTODISARM) == SS_DISABLE) {
            t->prog_ss_sp = NULL;
            t->prog_ss_size = 0;
            t->prog_ss_flags = SS_DISABLE;
        } else {
            t->prog_ss_sp = ss->ss_sp;
            t->prog_ss_size = ss->ss_size;
            t->prog_ss_flags = ss->ss_flags & (int)SS_AUTODISARM;
        }
    }
    return 0;
}

static volatile unsigned char mw_wrapped[65];

int mw_sigview_wrapped(int sig) { return sig > 0 && sig <= 64 && mw_wrapped[sig]; }

void mw_sigview_set_wrapped(int sig, int wrapped)
{
    if (sig > 0 && sig <= 64)
        mw_wrapped[sig] = (unsigned char)wrapped;
}

int mw_sigview_needs_wrap(const void *handler, unsigned long flags)
{
    return MW_ENGINE_OWNS_ALTSTACK && (flags & SA_ONSTACK) && handler != SIG_DFL && handler != SIG_IGN;
}

/* --- the raw calls ------------------------------------------------------- */

static long mw_copy_in(void *dst, const void *src, size_t n)
{
    return mw_sys_safe_read(dst, src, n) == (long)n ? 0 : -EFAULT;
}

static long mw_copy_out(void *dst, const void *src, size_t n)
{
    return mw_sys_safe_write(dst, src, n) == (long)n ? 0 : -EFAULT;
}

static void mw_action_to_kernel(const struct mw_prog_action *a, struct mw_kernel_sigaction *k)
{
    memset(k, 0, sizeof *k);
    k->handler = a->handler;
    k->flags = a->flags;
    k->mask = a->mask;
}

/* A managed signal: the program's action goes into the chain table. */
static long mw_managed_sigaction(int sig, const struct mw_kernel_sigaction *act, struct mw_kernel_sigaction *old)
{
    struct mw_prog_action prev, next;
    mw_sigmask_t saved;
    mw_sigblock_all(&saved);
    mw_chain_get(sig, &prev);
    if (act) {
        next = (struct mw_prog_action){act->handler, act->flags & ~MW_SA_RESTORER, act->mask};
        mw_chain_set(sig, &next);
    }
    mw_sigrestore(&saved);
    if (old)
        mw_action_to_kernel(&prev, old);
    return 0;
}

/* Any other signal: the kernel's, without the engine's signals in its mask,
 * and through the wrapper when it wants the program's alternate stack. */
static long mw_unmanaged_sigaction(int sig, const struct mw_kernel_sigaction *act, struct mw_kernel_sigaction *old)
{
    struct mw_kernel_sigaction k, kold;
    struct mw_prog_action prog = {0}, prev;
    int wrap = 0;
    if (act) {
        k = *act;
        k.mask &= ~mw_chain_managed_mask();
        wrap = mw_sigview_needs_wrap(act->handler, act->flags);
        if (wrap) {
            prog = (struct mw_prog_action){act->handler, act->flags & ~MW_SA_RESTORER, act->mask};
            k.handler = (void *)mw_chain_wrapped_entry;
            k.flags |= SA_SIGINFO;
        }
    }
    mw_sigmask_t saved;
    mw_sigblock_all(&saved); /* the table entry and the kernel change together */
    int was_wrapped = mw_sigview_wrapped(sig);
    mw_chain_get(sig, &prev);
    if (wrap)
        mw_chain_set(sig, &prog);
    /* The wrapper returns through our restorer; the program's own handler
     * through the restorer it gave. */
    long rc = wrap ? mw_sys_rt_sigaction(sig, &k, &kold)
                   : mw_gated_syscall6(SYS_rt_sigaction, sig, (long)(act ? &k : NULL), (long)&kold, 8, 0, 0);
    if (rc == 0 && act)
        mw_sigview_set_wrapped(sig, wrap);
    mw_sigrestore(&saved);
    if (rc == 0 && old) {
        if (was_wrapped)
            mw_action_to_kernel(&prev, old);
        else
            *old = kold;
    }
    return rc;
}

long mw_trap_rt_sigaction(int sig, const struct mw_kernel_sigaction *act, struct mw_kernel_sigaction *old,
                          size_t setsize)
{
    struct mw_kernel_sigaction in, out;
    if (setsize != sizeof(uint64_t) || sig <= 0 || sig > 64)
        return -EINVAL;
    if (act && mw_copy_in(&in, act, sizeof in) != 0)
        return -EFAULT;
    long rc = mw_chain_is_managed(sig) ? mw_managed_sigaction(sig, act ? &in : NULL, old ? &out : NULL)
                                       : mw_unmanaged_sigaction(sig, act ? &in : NULL, old ? &out : NULL);
    if (rc == 0 && old)
        rc = mw_copy_out(old, &out, sizeof out);
    return rc;
}

long mw_trap_rt_sigprocmask(ucontext_t *uc, int how, const uint64_t *set, uint64_t *old, size_t setsize)
{
    const uint64_t unblockable = (1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1));
    uint64_t want = 0, mask;
    struct mw_thread *t = mw_thread_self();
    if (setsize != sizeof(uint64_t))
        return -EINVAL;
    if (set) {
        if (how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK)
            return -EINVAL;
        if (mw_copy_in(&want, set, sizeof want) != 0)
            return -EFAULT;
    }
    memcpy(&mask, &uc->uc_sigmask, sizeof mask); /* the interrupted code's: sigreturn installs it */
    uint64_t before = mask, kset = want & ~mw_chain_managed_mask() & ~unblockable;
    if (set) {
        mask = how == SIG_BLOCK ? mask | kset : how == SIG_UNBLOCK ? mask & ~kset : kset;
        memcpy(&uc->uc_sigmask, &mask, sizeof mask);
    }
    uint64_t view_old = !t ? 0 : set ? mw_sigview_mask_change(t, how, want) : t->prog_blocked;
    before |= view_old;
    long rc = old ? mw_copy_out(old, &before, sizeof before) : 0;
    if (t)
        mw_sigview_mask_done(t);
    return rc;
}

/* The agent leaves the alternate stack to the program: the kernel's, and
 * the frame's, which sigreturn installs.  The call itself is made for the
 * kernel's checks and answer - unless we run on the old stack ourselves
 * (SA_ONSTACK) while the program did not: then only the frame changes. */
static long mw_altstack_in_frame(ucontext_t *uc, const stack_t *ss, stack_t *old)
{
    stack_t in, had = uc->uc_stack;
    if (ss && mw_copy_in(&in, ss, sizeof in) != 0)
        return -EFAULT;
    long rc = mw_sys_sigaltstack(ss ? &in : NULL, NULL);
    if (rc == -EPERM && !(had.ss_flags & SS_ONSTACK)) {
        int mode = ss->ss_flags & ~(int)SS_AUTODISARM;
        rc = mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK ? -EINVAL
             : mode != SS_DISABLE && in.ss_size < (size_t)MW_MIN_SIGSTACK ? -ENOMEM
                                                                             : 0;
    }
    if (rc == 0 && old)
        rc = mw_copy_out(old, &had, sizeof had);
    if (rc == 0 && ss) {
        int disable = (in.ss_flags & ~(int)SS_AUTODISARM) == SS_DISABLE;
        uc->uc_stack = (stack_t){.ss_sp = disable ? NULL : in.ss_sp,
                                 .ss_size = disable ? 0 : in.ss_size,
                                 .ss_flags = disable ? SS_DISABLE : in.ss_flags & (int)SS_AUTODISARM};
    }
    return rc;
}

long mw_trap_sigaltstack(ucontext_t *uc, const stack_t *ss, stack_t *old)
{
    if (!MW_ENGINE_OWNS_ALTSTACK)
        return mw_altstack_in_frame(uc, ss, old);
    struct mw_thread *t = mw_thread_self();
    stack_t in, out;
    if (!t)
        return mw_altstack_in_frame(uc, ss, old);
    if (ss && mw_copy_in(&in, ss, sizeof in) != 0)
        return -EFAULT;
    long rc = mw_sigview_altstack(t, ss ? &in : NULL, old ? &out : NULL, (uintptr_t)uc->uc_mcontext.gregs[REG_RSP]);
    if (rc == 0 && old)
        rc = mw_copy_out(old, &out, sizeof out);
    return rc;
}
