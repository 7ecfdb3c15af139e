/*
 * agent/thread.h - what the agent's per-thread state (agent/thread.c) adds
 * to trampoline/thread.h.
 */
#ifndef MW_AGENT_THREAD_H
#define MW_AGENT_THREAD_H

/* The calling thread forks now (table held): its state is the one the
 * child keeps (mw_thread_after_fork_child). */
void mw_agent_thread_forking(void);

#endif
