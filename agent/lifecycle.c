/*
 * agent/lifecycle.c - fork in a process the agent serves (preload/
 * lifecycle.h's fork calls; sys_trap.c carries the fork out between them).
 *
 * The table is held across the fork, so the child's copy is never half
 * changed; the child then keeps only its one thread and starts a dump
 * directory of its own (<exe>.<childpid>, seq from 1).
 */
#include "preload/lifecycle.h"

#include "agent/thread.h"
#include "trampoline/thread.h"

static mw_sigmask_t mw_fork_saved; /* the forking thread's: one fork at a time (table held) */

void mw_fork_prepare(void)
{
    mw_sigmask_t saved;
    mw_sigblock_all(&saved);
    mw_write_begin();
    mw_fork_saved = saved;
    mw_agent_thread_forking();
}

void mw_fork_parent(void)
{
    mw_sigmask_t saved = mw_fork_saved;
    mw_write_end();
    mw_sigrestore(&saved);
}

void mw_fork_child(void)
{
    mw_sigmask_t saved = mw_fork_saved;
    mw_thread_after_fork_child(); /* also lets go of the table the parent held */
    mw_dump_after_fork_child();
    mw_sigrestore(&saved);
}
