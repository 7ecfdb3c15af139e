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
#include "preload/sigview.h"
#include "trampoline/thread.h"

#define MW_API __attribute__((visibility("default")))

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
    uint64_t view_old = set ? mw_sigview_mask_change(t, how, mw_set_bits(set)) : t->prog_blocked;
    if (old) {
        *old = kold;
        mw_bits_into(old, mw_set_bits(&kold) | view_old);
    }
    mw_sigview_mask_done(t);
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
    mw_bits_into(&k, mw_set_bits(mask) & ~mw_chain_managed_mask());
    uint64_t saved = mw_sigview_mask_change(t, SIG_SETMASK, mw_set_bits(mask));
    mw_sigview_mask_done(t);
    int rc = real(&k);
    int err = errno;
    t->prog_blocked = saved;
    errno = err;
    return rc;
}

MW_API int sigaltstack(const stack_t *ss, stack_t *old)
{
    struct mw_thread *t = mw_thread_self();
    long r = t ? mw_sigview_altstack(t, ss, old, (uintptr_t)__builtin_frame_address(0)) : mw_sys_sigaltstack(ss, old);
    if (r) {
        errno = (int)-r;
        return -1;
    }
    return 0;
}
