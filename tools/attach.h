/*
 * tools/attach.h - `memwatch --pid PID`: bringing a running process under
 * the library (tools/attach.c).
 *
 * A dynamically linked process loads libmemwatch.so with its own dlopen,
 * called by one of its threads stopped at a safe point (safepoint.c), and
 * starts it with the configuration (preload/attach.h).  A statically linked
 * one gets the capture agent, as a launched static program does
 * (inject/).  Before any of it, what stands in the way is said in one line
 * naming the pid (attach_check.c); nothing is left changed when it fails.
 */
#ifndef MWT_ATTACH_H
#define MWT_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "inject/inject.h"

struct mwt_launch;

/* The attach command: exit status 0 once the library (or the agent) is
 * active in the process, non-zero after one line saying why not. */
int mwt_attach_main(struct mwt_launch *l, const char *lib);

/* --- attach_check.c ------------------------------------------------------ */

/* What memwatch learns about the process before touching it. */
struct mwt_target {
    pid_t pid;
    char name[256];       /* basename of its executable: the <exe> of its dump directory */
    bool is_static;       /* no dynamic loader (PT_INTERP) */
    uintptr_t exe_lo, exe_hi; /* its executable's code, for the safe point */
};

/* Looks at the process without stopping it; NULL when nothing stands in
 * the way, else why (in buf): it does not exist, is a zombie or stopped,
 * a thread, already traced, not x86-64, already watched, not readable. */
const char *mwt_attach_refusal(pid_t pid, struct mwt_target *tg, char *buf, size_t n);
/* Why ptrace said EPERM: ownership, Yama ptrace_scope, a setuid program. */
const char *mwt_ptrace_refusal(pid_t pid, char *buf, size_t n);

/* --- safepoint.c --------------------------------------------------------- */

/* Stops one thread of the process where it holds no lock of the C library:
 * at a blocking system call glibc never makes holding its malloc or loader
 * lock, or running in the executable's own code.  Only that thread stops.
 * Waits up to ms; MW_INJ_TIMEOUT when no thread gets there. */
enum mw_inj mwt_stop_at_safe_point(const struct mwt_target *tg, unsigned ms, struct mw_tracee *t);

/* --- elfsym.c ------------------------------------------------------------ */

/* The address of the function name in the process: looked up in the
 * dynamic symbol tables of the objects it has mapped, the C library first.
 * 0 when none defines it. */
uint64_t mwt_remote_symbol(pid_t pid, const char *name);

#endif /* MWT_ATTACH_H */
