/*
 * preload/sys_trap.h - carrying out the system calls trap mode catches.
 */
#ifndef MW_PRELOAD_SYS_TRAP_H
#define MW_PRELOAD_SYS_TRAP_H

#include <signal.h>
#include <ucontext.h>

/* The SIGSYS hook (trampoline/fault.h: mw_fault_set_sys_hook): 1 when the
 * signal was a call one of our filters trapped, now carried out (its result
 * in the context's rax); 0 when it is the program's. */
int mw_sys_trap(siginfo_t *info, ucontext_t *uc);

/* Is the full filter already on this process (inherited across exec)?
 * Asks by making a call only that filter traps; the hook must be in place. */
int mw_sys_trap_filter_present(void);

#endif
