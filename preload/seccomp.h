/*
 * preload/seccomp.h - trap mode's filters and whether they are on (see
 * seccomp.c).  Started by mw_syscalls_start (lifecycle.h) at start-up.
 */
#ifndef MW_PRELOAD_SECCOMP_H
#define MW_PRELOAD_SECCOMP_H

/* si_errno of a SIGSYS our filters raised (SECCOMP_RET_DATA). */
#define MW_TRAP_DATA 0x4d57

enum mw_trap_status {
    MW_TRAP_OFF,        /* not asked for */
    MW_TRAP_ON,         /* the filter traps (ours, or inherited across exec) */
    MW_TRAP_NO_GATE,    /* the gate's address is taken by something else */
    MW_TRAP_NO_FILTER,  /* the kernel refused the filter (or SIGSYS) */
};

enum mw_trap_status mw_syscalls_status(void);

/* Maps the syscall gate (core/gate.h), or finds ours already there (the
 * injector makes it first), and makes the library's own calls go through
 * it.  0 or -errno.  An image that inherited the full filter must do this
 * before any other call it makes. */
int mw_syscall_gate_take(void);
/* Is our gate mapped (by us, or by the injector)? */
int mw_syscall_gate_present(void);

#endif
