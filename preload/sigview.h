/*
 * preload/sigview.h - the program's view of its own signal state, in kernel
 * terms: one place for the rules that the libc interposers
 * (interpose_signal.c, interpose_sigmask.c) and the trap-mode emulation of
 * the raw system calls (sys_trap.c: a process with no interposers) share.
 *
 *   - the engine's signals are never blocked in the kernel: the program's
 *     wish to block them is kept per thread (prog_blocked) and answered back;
 *   - the engine's signals keep the engine's handler: the program's action
 *     is kept in the chain table (trampoline/chain.c);
 *   - the kernel's alternate stack is the engine's where the engine keeps
 *     its own (the library): the program's is kept per thread (prog_ss_*),
 *     and its SA_ONSTACK handlers are entered through chain.c, which runs
 *     them there.  The agent (agent/) keeps no stack of its own: the
 *     program's alternate stacks stay the kernel's.
 */
#ifndef MW_PRELOAD_SIGVIEW_H
#define MW_PRELOAD_SIGVIEW_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <ucontext.h>

#include "core/sys.h"
#include "trampoline/thread.h"

/* The program asked for its mask to change (how, set: kernel layout): the
 * part naming the engine's signals goes into t's view.  Returns the view
 * before, to be or-ed into the old mask the program is answered with. */
uint64_t mw_sigview_mask_change(struct mw_thread *t, int how, uint64_t set);
/* After a mask change: managed signals sent while "blocked" and now
 * unblocked go out again. */
void mw_sigview_mask_done(struct mw_thread *t);

/* A thread found with the engine's signals blocked in the kernel (a
 * process started so - posix_spawn's SETSIGMASK, a parent's mask across
 * exec - or stopped inside a masked section when the agent was injected):
 * they are unblocked in the kernel and kept blocked in t's view. */
void mw_sigview_adopt_kernel_mask(struct mw_thread *t);

/* sigaltstack as the program sees it where the engine keeps the kernel's
 * alternate stack: ss/old as the kernel takes them, sp the program's stack
 * pointer (to tell "on the stack").  0 or -errno. */
long mw_sigview_altstack(struct mw_thread *t, const stack_t *ss, stack_t *old, uintptr_t sp);

/* Signals whose kernel action is chain.c's wrapper for a program SA_ONSTACK
 * handler (the program's action is then in the chain table). */
int mw_sigview_wrapped(int sig);
void mw_sigview_set_wrapped(int sig, int wrapped);
/* Does a program action for an unmanaged signal need the wrapper? */
int mw_sigview_needs_wrap(const void *handler, unsigned long flags);

/* The raw system calls, carried out for a program without interposers
 * (arguments exactly as the kernel takes them; pointers are the program's
 * and checked).  Results as the kernel's: >= 0 or -errno.  They run in the
 * SIGSYS handler, and rt_sigreturn puts back the mask and the alternate
 * stack saved in its frame: so the mask and the stack the program sets are
 * written into that frame (uc), which the kernel then installs. */
long mw_trap_rt_sigaction(int sig, const struct mw_kernel_sigaction *act, struct mw_kernel_sigaction *old,
                          size_t setsize);
long mw_trap_rt_sigprocmask(ucontext_t *uc, int how, const uint64_t *set, uint64_t *old, size_t setsize);
long mw_trap_sigaltstack(ucontext_t *uc, const stack_t *ss, stack_t *old);

#endif
