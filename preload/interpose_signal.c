/*
 * preload/interpose_signal.c - sigaction and signal, as the program sees them.
 *
 * For the signals the engine keeps (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP)
 * the program's wishes are stored in the engine's chain table and answered
 * back on queries, while the kernel keeps the engine's handler: installed
 * first, kept first.  Every other signal goes to libc, with two changes the
 * program cannot see: the engine's signals are taken out of sa_mask (a
 * handler must not block them), and a handler wanting SA_ONSTACK is entered
 * through chain.c, which runs it on the program's own alternate stack (the
 * kernel's is the engine's).
 */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "preload/init.h"
#include "preload/sigview.h"
#include "trampoline/chain.h"
#include "trampoline/thread.h"

#define MW_API __attribute__((visibility("default")))

typedef int (*mw_sigaction_fn)(int, const struct sigaction *, struct sigaction *);
typedef sighandler_t (*mw_signal_fn)(int, sighandler_t);

static mw_sigaction_fn mw_real_sigaction(void)
{
    static mw_sigaction_fn fn;
    if (!fn)
        fn = (mw_sigaction_fn)dlsym(RTLD_NEXT, "sigaction");
    return fn;
}

static mw_signal_fn mw_real_signal(void)
{
    static mw_signal_fn fn;
    if (!fn)
        fn = (mw_signal_fn)dlsym(RTLD_NEXT, "signal");
    return fn;
}

static void mw_to_user(const struct mw_prog_action *a, struct sigaction *out)
{
    memset(out, 0, sizeof *out);
    out->sa_sigaction = (void (*)(int, siginfo_t *, void *))a->handler;
    out->sa_flags = (int)a->flags;
    memcpy(&out->sa_mask, &a->mask, sizeof a->mask);
}

static void mw_from_user(const struct sigaction *in, struct mw_prog_action *a)
{
    a->handler = (void *)in->sa_sigaction;
    a->flags = (unsigned long)(unsigned)in->sa_flags;
    memcpy(&a->mask, &in->sa_mask, sizeof a->mask);
}

/* Stores the program's new action for a managed signal, returns the old. */
static void mw_exchange(int sig, const struct mw_prog_action *act, struct mw_prog_action *old)
{
    mw_sigmask_t saved;
    mw_sigblock_all(&saved);
    mw_chain_get(sig, old);
    if (act)
        mw_chain_set(sig, act);
    mw_sigrestore(&saved);
}

static int mw_sigaction_unmanaged(int sig, const struct sigaction *act, struct sigaction *oldact)
{
    mw_sigaction_fn real = mw_real_sigaction();
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    if (sig <= 0 || sig > 64)
        return real(sig, act, oldact);
    struct sigaction kact, kold;
    int wrap = 0;
    struct mw_prog_action a = {0}, prev;
    if (act) {
        kact = *act;
        for (int m = 1; m <= 64; m++)
            if (mw_chain_is_managed(m))
                sigdelset(&kact.sa_mask, m);
        wrap = mw_sigview_needs_wrap((void *)act->sa_handler, (unsigned long)(unsigned)act->sa_flags);
        if (wrap) {
            mw_from_user(act, &a);
            kact.sa_sigaction = mw_chain_wrapped_entry;
            kact.sa_flags |= SA_SIGINFO;
        }
    }
    mw_sigmask_t saved;
    mw_sigblock_all(&saved); /* the table entry and the kernel change together */
    int was_wrapped = mw_sigview_wrapped(sig);
    mw_chain_get(sig, &prev);
    if (act && wrap)
        mw_chain_set(sig, &a);
    int rc = real(sig, act ? &kact : NULL, &kold);
    if (rc == 0 && act)
        mw_sigview_set_wrapped(sig, wrap);
    mw_sigrestore(&saved);
    if (rc == 0 && oldact) {
        if (was_wrapped)
            mw_to_user(&prev, oldact);
        else
            *oldact = kold;
    }
    return rc;
}

MW_API int sigaction(int sig, const struct sigaction *act, struct sigaction *oldact)
{
    if (!mw_chain_is_managed(sig))
        return mw_sigaction_unmanaged(sig, act, oldact);
    mw_init_once();
    struct mw_prog_action a, old;
    if (act)
        mw_from_user(act, &a);
    mw_exchange(sig, act ? &a : NULL, &old);
    if (oldact)
        mw_to_user(&old, oldact);
    return 0;
}

/* glibc's signal(): BSD semantics, i.e. SA_RESTART and no reset. */
static sighandler_t mw_signal_common(int sig, sighandler_t handler, unsigned long flags)
{
    if (!mw_chain_is_managed(sig)) {
        mw_signal_fn real = mw_real_signal();
        return real ? real(sig, handler) : SIG_ERR;
    }
    if (handler == SIG_ERR) {
        errno = EINVAL;
        return SIG_ERR;
    }
    mw_init_once();
    struct mw_prog_action a = {.handler = (void *)handler, .flags = flags, .mask = 0}, old;
    mw_exchange(sig, &a, &old);
    return (sighandler_t)old.handler;
}

MW_API sighandler_t signal(int sig, sighandler_t handler) { return mw_signal_common(sig, handler, SA_RESTART); }

MW_API sighandler_t bsd_signal(int sig, sighandler_t handler) { return mw_signal_common(sig, handler, SA_RESTART); }

MW_API sighandler_t sysv_signal(int sig, sighandler_t handler)
{
    return mw_signal_common(sig, handler, SA_RESETHAND | SA_NODEFER);
}
