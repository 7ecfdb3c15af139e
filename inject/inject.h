/*
 * inject/inject.h - getting code into another process with ptrace: stopping
 * one thread of it, running system calls and function calls in it, mapping
 * the capture agent into it, and leaving it exactly as it was found.
 *
 * Raw system calls only (core/sys.h), no allocation but mmap, no stdio: the
 * same code runs in the memwatch tool (launching a static program, --pid)
 * and inside a served process, in the helper that follows an exec
 * (preload/exec_follow.c), where libc may not be usable.
 *
 * Every wait is bounded.  Only the one thread we stop is stopped; the others
 * run on.  What the thread was doing is saved when we take it (general
 * registers, and the whole FPU/vector state: the code we call uses it) and
 * put back when we leave, together with any byte we changed; a system call
 * it was in restarts as the kernel would restart it after a signal.
 * Signals that arrive meanwhile are held and delivered as we leave, except
 * the ones our own code raises (a seccomp trap the agent handles, a fault),
 * which go to the process's handler at once.
 */
#ifndef MW_INJECT_INJECT_H
#define MW_INJECT_INJECT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/user.h>

enum mw_inj {
    MW_INJ_OK = 0,
    MW_INJ_GONE,        /* the process ended (or the thread: ESRCH) */
    MW_INJ_PERM,        /* ptrace refused (EPERM) */
    MW_INJ_TIMEOUT,     /* no stop within the bound */
    MW_INJ_FAILED,      /* something else went wrong: see errno_value */
    MW_INJ_BAD_IMAGE,   /* the agent file is not an image we can map */
    MW_INJ_NO_GATE,     /* the gate's address is taken in the process */
};

#define MW_INJ_DEFERRED 8

struct mw_tracee {
    int tid;                        /* the thread we stopped */
    int pid;                        /* its process */
    int wait_any;                   /* wait for any tracee (an exec changes the id) */
    int seized;                     /* ours to release: seized (or stopped by TRACEME) */
    int taken;                      /* registers saved */
    int gate;                       /* the gate exists in the process */
    int gate_made;                  /* ... because we made it */
    struct user_regs_struct saved;  /* as found */
    unsigned char *xstate;          /* the FPU/vector state as found (mmap'd) */
    size_t xstate_len, xstate_cap;
    uint64_t scratch_at;            /* where a `syscall` was poked, or 0 */
    uint64_t scratch_word;          /* the word it replaced */
    uint64_t syscall_at;            /* a `syscall` instruction usable before the gate */
    uint64_t scratch_page;          /* a page of ours in the process, or 0 */
    siginfo_t deferred[MW_INJ_DEFERRED];
    int ndeferred;
    int errno_value;                /* the errno behind MW_INJ_FAILED */
};

/* Stops thread tid of process pid: PTRACE_SEIZE (with options) and
 * PTRACE_INTERRUPT, waiting up to ms for the stop. */
enum mw_inj mw_tracee_seize(struct mw_tracee *t, int pid, int tid, unsigned long options, unsigned ms);
/* A thread already traced by us (PTRACE_TRACEME's child, a thread seized
 * to wait for its exec): just remember it. */
void mw_tracee_stopped(struct mw_tracee *t, int pid, int tid);
/* Saves what the thread was doing (idempotent); needed before running
 * anything in it. */
enum mw_inj mw_tracee_take(struct mw_tracee *t);
/* Puts back everything that mw_tracee_take saved and any byte changed; the
 * thread stays stopped (the next run saves afresh). */
enum mw_inj mw_tracee_restore(struct mw_tracee *t);
/* mw_tracee_restore, then lets the thread go (held signals delivered) and
 * forgets it. */
enum mw_inj mw_tracee_release(struct mw_tracee *t);

/* Waits up to ms for the thread's next ptrace stop; *status as wait4 gives
 * it.  MW_INJ_GONE when the process ended. */
enum mw_inj mw_tracee_wait(struct mw_tracee *t, unsigned ms, int *status);

/* A system call in the thread; the kernel's result (>= 0 or -errno) in
 * *result.  Before the gate exists it runs at a `syscall` instruction in
 * the thread's own code (one poked in for the time being if need be). */
enum mw_inj mw_remote_syscall(struct mw_tracee *t, long *result, long nr, long a0, long a1, long a2, long a3,
                              long a4, long a5);
/* Calls fn(a0..a5) in the thread on the stack ending at stack_top; returns
 * through the gate's int3.  Needs the gate. rax in *ret. */
enum mw_inj mw_remote_call(struct mw_tracee *t, uint64_t fn, uint64_t stack_top, const long args[6], unsigned ms,
                           uint64_t *ret);
/* Copies into / out of the process (writable / readable memory). */
enum mw_inj mw_remote_write(struct mw_tracee *t, uint64_t addr, const void *buf, size_t n);
enum mw_inj mw_remote_read(struct mw_tracee *t, void *buf, uint64_t addr, size_t n);
/* Maps n bytes of fresh read/write memory in the process (*addr), and lets
 * them go. */
enum mw_inj mw_remote_alloc(struct mw_tracee *t, size_t n, uint64_t *addr);
enum mw_inj mw_remote_free(struct mw_tracee *t, uint64_t addr, size_t n);
/* Gives the process the syscall gate (core/gate.h), unless it has ours. */
enum mw_inj mw_remote_make_gate(struct mw_tracee *t);
/* Takes away the gate mw_remote_make_gate made (an attach that failed). */
void mw_remote_drop_gate(struct mw_tracee *t);

/* Maps the agent image at path into the process and runs its entry point
 * with config; *agent_status is what it returned (agent/agent.h).  A start
 * that fails leaves no mapping behind. */
enum mw_inj mw_inject_agent(struct mw_tracee *t, const char *path, const char *config, long *agent_status);

/* Says what went wrong, for a message: "the process ended", ... */
const char *mw_inj_text(enum mw_inj r);

#endif
