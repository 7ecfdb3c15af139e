/*
 * trampoline/onstack.h - calling a program's signal handler on the program's
 * own alternate stack.
 *
 * The kernel keeps the engine's alternate stack for every thread (the engine
 * needs room, and a stack it knows is not watched); the program's own
 * sigaltstack is remembered per thread (interpose_sigaltstack.c).  A program
 * handler installed with SA_ONSTACK is then run on the program's stack by
 * switching to it here.  While it runs, the kernel's alternate stack is
 * narrowed to the part of ours below the frames still in use: the kernel
 * decides "already on the alternate stack" from rsp alone, so a fault inside
 * the program's handler would otherwise be delivered at the top of our stack,
 * over the frames that will return to it.
 */
#ifndef MW_TRAMPOLINE_ONSTACK_H
#define MW_TRAMPOLINE_ONSTACK_H

#include <signal.h>

#include "trampoline/thread.h"

/* Calls handler(sig, info, ctx) (siginfo form when siginfo is set, else
 * handler(sig)) on the thread's program alternate stack when it has one and
 * is not on it already; on the current stack otherwise. */
void mw_call_handler_on_program_stack(struct mw_thread *t, void *handler, int siginfo, int sig, siginfo_t *info,
                                      void *ctx);

/* Is sp inside the program's own alternate stack? */
int mw_on_program_altstack(const struct mw_thread *t, uintptr_t sp);

#endif
