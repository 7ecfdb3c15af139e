/*
 * preload/interpose_sigmask.c - sigprocmask, pthread_sigmask, sigsuspend and
 * sigaltstack, as the program sees them.
 *
 * The kernel must never block the engine's signals (a watched access with
 * SIGSEGV blocked kills the process), and the kernel keeps the engine's
 * alternate stack.  So the program's requests for those are kept per thread
 * (struct mw_thread: prog_blocked, prog_ss_*) and answered back: the program
 * reads the mask and stack it set, the engine keeps working, and chain.c
 * honours the program's view when a signal is its own (a fault it "blocked"
 * kills, a signal sent while "blocked" waits for the unblock).
 */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "core/sys.h"
#include "preload/init.h"
#include "trampoline/chain.h"
#include "trampoline/onstack.h"
#include "trampoline/thread.h"

#define MW_API __attribute__((visibility("default")))

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31) /* linux/signal.h; not in every libc header */
#endif

typedef int (*mw_mask_fn)(int, const sigset_t *, sigset_t *);
typedef int (*mw_suspend_fn)(const sigset_t *);

static uint64_t mw_set_bits(const sigset_t *s)
{
    uint64_t v;
    memcpy(&v, s, sizeof v);
    return v;
}

static void mw_bits_into(sigset_t *s, uint64_t v) { memcpy(s, &v, sizeof v); }

/* The common part: compute the program's new view, give the kernel that
 * view minus the engine's signals, answer with the old view. */
static int mw_mask_change(mw_mask_fn real, int how, const sigset_t *set, sigset_t *old, int returns_errno)
{
    struct mw_thread *t = mw_thread_self();
    uint64_t managed = mw_chain_managed_mask();
    if (!real || !t)
        return real ? real(how, set, old) : (returns_errno ? ENOSYS : -1);
    sigset_t kset, kold;
    const sigset_t *pass = NULL;
    if (set) {
        if (how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK) {
            if (returns_errno)
                return EINVAL;
            errno = EINVAL;
            return -1;
        }
        kset = *set;
        mw_bits_into(&kset, mw_set_bits(set) & ~managed);
        pass = &kset;
    }
    int rc = real(how, pass, &kold);
    if (rc != 0)
        return rc;
    uint64_t view_old = t->prog_blocked;
    if (set) {
        uint64_t want = mw_set_bits(set) & managed;
        if (how == SIG_BLOCK)
            t->prog_blocked |= want;
        else if (how == SIG_UNBLOCK)
            t->prog_blocked &= ~want;
        else
            t->prog_blocked = want;
    }
    if (old) {
        *old = kold;
        mw_bits_into(old, mw_set_bits(&kold) | view_old);
    }
    if (t->prog_pending & ~t->prog_blocked)
        mw_chain_raise_pending(t);
    return 0;
}

MW_API int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
    static mw_mask_fn real;
    if (!real)
        real = (mw_mask_fn)dlsym(RTLD_NEXT, "sigprocmask");
    return mw_mask_change(real, how, set, old, 0);
}

MW_API int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
    static mw_mask_fn real;
    if (!real)
        real = (mw_mask_fn)dlsym(RTLD_NEXT, "pthread_sigmask");
    return mw_mask_change(real, how, set, old, 1);
}

MW_API int sigsuspend(const sigset_t *mask)
{
    static mw_suspend_fn real;
    if (!real)
        real = (mw_suspend_fn)dlsym(RTLD_NEXT, "sigsuspend");
    struct mw_thread *t = mw_thread_self();
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    if (!t)
        return real(mask);
    sigset_t k = *mask;
    uint64_t managed = mw_chain_managed_mask(), saved = t->prog_blocked;
    mw_bits_into(&k, mw_set_bits(mask) & ~managed);
    t->prog_blocked = mw_set_bits(mask) & managed;
    if (t->prog_pending & ~t->prog_blocked)
        mw_chain_raise_pending(t);
    int rc = real(&k);
    int err = errno;
    t->prog_blocked = saved;
    errno = err;
    return rc;
}

MW_API int sigaltstack(const stack_t *ss, stack_t *old)
{
    struct mw_thread *t = mw_thread_self();
    if (!t) {
        long r = mw_sys_sigaltstack(ss, old);
        if (r) {
            errno = (int)-r;
            return -1;
        }
        return 0;
    }
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    int on = mw_on_program_altstack(t, sp);
    if (ss) {
        int mode = ss->ss_flags & ~(int)SS_AUTODISARM;
        if (mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK) {
            errno = EINVAL;
            return -1;
        }
        if (on) {
            errno = EPERM;
            return -1;
        }
        if (mode != SS_DISABLE && ss->ss_size < (size_t)MINSIGSTKSZ) {
            errno = ENOMEM;
            return -1;
        }
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
