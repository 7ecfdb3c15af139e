/*
 * trampoline/chain.h - handing signals that are not the engine's to the
 * program, exactly as the kernel would have.
 *
 * The engine owns the kernel's action for the synchronous signals it needs
 * (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP); the program's own wishes for
 * them are kept here (preload/interpose_signal.c stores them) and honoured on
 * every signal that is not ours: the program's handler is called with the
 * same siginfo and context, with its sa_mask and SA_NODEFER/SA_RESETHAND
 * semantics, or the default action happens - a real death by that signal,
 * core dump included, never exit(128 + n).
 */
#ifndef MW_TRAMPOLINE_CHAIN_H
#define MW_TRAMPOLINE_CHAIN_H

#include <signal.h>
#include <stdint.h>
#include <ucontext.h>

/* The program's disposition of one signal, in kernel terms. */
struct mw_prog_action {
    void *handler;          /* SIG_DFL, SIG_IGN or a function */
    unsigned long flags;    /* SA_* as the program gave them */
    uint64_t mask;          /* sa_mask, kernel layout */
};

/* Signals whose kernel action the engine keeps for itself. */
int mw_chain_is_managed(int sig);
/* Bitmask (kernel layout) of the managed signals. */
uint64_t mw_chain_managed_mask(void);
/* One more signal for the engine (SIGSYS in trap mode); at start-up only. */
void mw_chain_add_managed(int sig);

void mw_chain_set(int sig, const struct mw_prog_action *a);
void mw_chain_get(int sig, struct mw_prog_action *a);

/*
 * Gives sig to the program.  natural: re-running the interrupted instruction
 * raises the same signal again (a real fault left as it was), so the default
 * action can be had by restoring SIG_DFL and returning; otherwise the signal
 * is re-raised with tgkill.
 */
void mw_chain_deliver(int sig, siginfo_t *info, ucontext_t *uc, int natural);

/* Kernel entry for a program handler of an unmanaged signal installed with
 * SA_ONSTACK: runs it on the program's own alternate stack. */
void mw_chain_wrapped_entry(int sig, siginfo_t *info, void *ctx);

/* The program unblocked managed signals that were sent while it had them
 * "blocked": send them again, with their original siginfo. */
struct mw_thread;
void mw_chain_raise_pending(struct mw_thread *t);

/* Ends the process by sig, as its default action would. Does not return
 * unless natural (then the caller returns and the instruction re-faults). */
void mw_chain_die(int sig, int natural);
/* Called (signal context, raw syscalls only) before mw_chain_die ends the
 * process: the preload side writes what it still holds. */
void mw_chain_set_die_hook(void (*fn)(void));

#endif
