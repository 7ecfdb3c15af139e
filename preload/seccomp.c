/*
 * preload/seccomp.c - trap mode: catching memory (and signal, exec, fork)
 * system calls that do not go through the interposers.
 *
 * Two filters, one gate:
 *  - MEMWATCH_SYSCALLS=trap, with the library preloaded (static parts,
 *    Go, packers, inline `syscall`): the interposers see every libc call, so
 *    the filter traps only what makes memory executable - mmap asking for
 *    write+execute, mprotect / pkey_mprotect asking for execute;
 *  - a process with no interposers (the library attached to a running
 *    process, or the agent in a statically linked one: config "adopted"):
 *    the filter traps every call the engine must see - mmap that is W+X or
 *    MAP_FIXED, every mprotect, pkey_mprotect, munmap and mremap,
 *    rt_sigaction, rt_sigprocmask and sigaltstack (a query too: the
 *    program's view answers), execve/execveat, and fork (clone without
 *    CLONE_VM or a new stack).
 * Calls from the syscall gate (core/gate.h), which the library and the
 * agent use for their own, always pass; so does mapping the gate itself.
 * The SIGSYS handler (sys_trap.c) carries a trapped call out through the
 * interposers' code and puts the kernel's result in rax.
 *
 * Hazards, and what is done about them:
 *  - the filter outlives exec.  The gate's address is the same in every
 *    image, and it is created by mapping a memfd read+execute (which the
 *    filters let through), so a child that inherits the filter and loads the
 *    library again works.  With the narrow filter the dynamic loader's own
 *    mappings (read+execute, no write) are not trapped; a program exec'd
 *    *without* the library that mprotects memory executable (text
 *    relocations, an executable stack) gets SIGSYS and dies: the launcher
 *    keeps LD_PRELOAD for children, and the README says so.  With the full
 *    filter every image traps at once (the loader maps with MAP_FIXED), so
 *    exec is followed: the capture agent is injected into the new image
 *    before it runs (exec_follow.c), or the exec is refused.
 *  - the filter needs no_new_privs: after it, exec of setuid programs does
 *    not raise privileges.
 *  - the program's own filters stack with ours; a SIGSYS that is not ours
 *    (another filter's trap) goes to the program's SIGSYS handler (chain.c).
 *  - memory made executable by mapping a file or memfd read+execute (dual
 *    mapping JITs) is not trapped: it was never writable in that mapping.
 *  - a trapped call costs a signal round trip: the full filter makes every
 *    munmap and mprotect of the program pay one (README, bench/static.sh).
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sched.h>
#include <string.h>
#include <ucontext.h>

#include "core/fmt.h"
#include "core/gate.h"
#include "core/log.h"
#include "core/sys.h"
#include "preload/config.h"
#include "preload/lifecycle.h"
#include "preload/loader.h"
#include "preload/seccomp.h"
#include "preload/sys_trap.h"
#include "trampoline/fault.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* An existing gate (made by the injector before it loaded us) is ours when
 * it holds our code. */
static int mw_gate_is_ours(void)
{
    static const unsigned char code[] = MW_GATE_CODE;
    unsigned char have[sizeof code];
    return mw_sys_safe_read(have, (const void *)MW_GATE_ADDR, sizeof have) == (long)sizeof have &&
           memcmp(have, code, sizeof code) == 0;
}

int mw_syscall_gate_present(void) { return mw_gate_is_ours(); }

int mw_syscall_gate_take(void)
{
    static const unsigned char code[] = MW_GATE_CODE;
    if (mw_gate_is_ours()) {
        mw_syscall_gate = MW_GATE_ADDR;
        return 0;
    }
    long fd = mw_sys_memfd_create(MW_GATE_NAME, MFD_CLOEXEC);
    if (fd < 0)
        return (int)fd;
    long rc = mw_sys_write((int)fd, code, sizeof code);
    if (rc == (long)sizeof code)
        rc = mw_sys_ftruncate((int)fd, 4096);
    if (rc == 0) {
        /* MAP_FIXED_NOREPLACE: never over something of the program's. */
        void *p = (void *)MW_SYS6(SYS_mmap, MW_GATE_ADDR, MW_GATE_SIZE, PROT_READ | PROT_EXEC,
                                  MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
        rc = mw_sys_failed((long)p) ? (long)p : (uintptr_t)p == MW_GATE_ADDR ? 0 : -EEXIST;
    }
    mw_sys_close((int)fd);
    if (rc == 0)
        mw_syscall_gate = MW_GATE_ADDR;
    return (int)rc;
}

#define MW_LD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define MW_RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define MW_ARG_LO(n) (offsetof(struct seccomp_data, args) + (n) * sizeof(__u64))
#define MW_ARG_HI(n) (MW_ARG_LO(n) + 4)
#define MW_ARG2 MW_ARG_LO(2) /* prot, low half */
#define MW_IP_LO offsetof(struct seccomp_data, instruction_pointer)
#define MW_IP_HI (offsetof(struct seccomp_data, instruction_pointer) + 4)
/* A jump from instruction `at` to the absolute indices t (true) and f. */
#define MW_JMP(at, op, k, t, f) BPF_JUMP(BPF_JMP | (op) | BPF_K, (k), (t) - (at) - 1, (f) - (at) - 1)

static int mw_filter_load(const struct sock_filter *f, unsigned short n)
{
    struct sock_fprog prog = {.len = n, .filter = (struct sock_filter *)f};
    long rc = MW_SYS5(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (rc == 0)
        rc = MW_SYS3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
    /* > 0: the id of a thread whose own filters differ and could not be
     * given ours (TSYNC) - the filter is then on no thread. */
    return rc > 0 ? -EBUSY : (int)rc;
}

/* MEMWATCH_SYSCALLS=trap with the interposers in place. */
static int mw_filter_install_exec_only(void)
{
    const __u32 gate_hi = (__u32)(MW_GATE_ADDR >> 32), gate_lo = (__u32)MW_GATE_ADDR;
    struct sock_filter f[] = {
        /* 0 */ MW_LD(offsetof(struct seccomp_data, arch)),
        /* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 17),  /* -> allow */
        /* 2 */ MW_LD(offsetof(struct seccomp_data, nr)),
        /* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mmap, 3, 0),            /* -> 7 */
        /* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mprotect, 6, 0),        /* -> 11 */
        /* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_pkey_mprotect, 5, 0),   /* -> 11 */
        /* 6 */ MW_RET(SECCOMP_RET_ALLOW),
        /* 7: mmap: write and execute together */
        /* 7 */ MW_LD(MW_ARG2),
        /* 8 */ BPF_STMT(BPF_ALU | BPF_AND | BPF_K, PROT_WRITE | PROT_EXEC),
        /* 9 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PROT_WRITE | PROT_EXEC, 3, 0), /* -> 13 */
        /* 10 */ MW_RET(SECCOMP_RET_ALLOW),
        /* 11: mprotect, pkey_mprotect: execute */
        /* 11 */ MW_LD(MW_ARG2),
        /* 12 */ BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 0, 6),          /* no exec -> allow */
        /* 13: from the gate? */
        /* 13 */ MW_LD(MW_IP_HI),
        /* 14 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, gate_hi, 0, 3),             /* -> trap */
        /* 15 */ MW_LD(MW_IP_LO),
        /* 16 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, gate_lo + 16, 1, 0),        /* past it -> trap */
        /* 17 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, gate_lo, 1, 0),             /* in it -> allow */
        /* 18 */ MW_RET(SECCOMP_RET_TRAP | MW_TRAP_DATA),
        /* 19 */ MW_RET(SECCOMP_RET_ALLOW),
    };
    return mw_filter_load(f, sizeof f / sizeof f[0]);
}

/* No interposers: everything the engine must see (see the top). */
static int mw_filter_install_full(void)
{
    const __u32 gate_hi = (__u32)(MW_GATE_ADDR >> 32), gate_lo = (__u32)MW_GATE_ADDR;
    enum { NR = 7, MMAP = 21, CLONE = 30, TRAP = 36, ALLOW = 37 };
    const struct sock_filter f[] = {
        /* 0 */ MW_LD(offsetof(struct seccomp_data, arch)),
        /* 1 */ MW_JMP(1, BPF_JEQ, AUDIT_ARCH_X86_64, 2, ALLOW),
        /* 2: from the gate? */
        /* 2 */ MW_LD(MW_IP_HI),
        /* 3 */ MW_JMP(3, BPF_JEQ, gate_hi, 4, NR),
        /* 4 */ MW_LD(MW_IP_LO),
        /* 5 */ MW_JMP(5, BPF_JGE, gate_lo + 16, NR, 6),
        /* 6 */ MW_JMP(6, BPF_JGE, gate_lo, ALLOW, NR),
        /* 7 */ MW_LD(offsetof(struct seccomp_data, nr)),
        /* 8 */ MW_JMP(8, BPF_JEQ, SYS_mmap, MMAP, 9),
        /* 9 */ MW_JMP(9, BPF_JEQ, SYS_mprotect, TRAP, 10),
        /* 10 */ MW_JMP(10, BPF_JEQ, SYS_pkey_mprotect, TRAP, 11),
        /* 11 */ MW_JMP(11, BPF_JEQ, SYS_munmap, TRAP, 12),
        /* 12 */ MW_JMP(12, BPF_JEQ, SYS_mremap, TRAP, 13),
        /* 13 */ MW_JMP(13, BPF_JEQ, SYS_rt_sigaction, TRAP, 14),
        /* 14 */ MW_JMP(14, BPF_JEQ, SYS_execve, TRAP, 15),
        /* 15 */ MW_JMP(15, BPF_JEQ, SYS_execveat, TRAP, 16),
        /* 16 */ MW_JMP(16, BPF_JEQ, SYS_fork, TRAP, 17),
        /* 17: the mask and the alternate stack, set or asked: the program's view answers */
        /* 17 */ MW_JMP(17, BPF_JEQ, SYS_rt_sigprocmask, TRAP, 18),
        /* 18 */ MW_JMP(18, BPF_JEQ, SYS_sigaltstack, TRAP, 19),
        /* 19 */ MW_JMP(19, BPF_JEQ, SYS_clone, CLONE, 20),
        /* 20 */ MW_RET(SECCOMP_RET_ALLOW),
        /* 21 MMAP: mapping the gate itself passes (a new image gets one) */
        /* 21 */ MW_LD(MW_ARG_HI(0)),
        /* 22 */ MW_JMP(22, BPF_JEQ, gate_hi, 23, 25),
        /* 23 */ MW_LD(MW_ARG_LO(0)),
        /* 24 */ MW_JMP(24, BPF_JEQ, gate_lo, ALLOW, 25),
        /* 25 */ MW_LD(MW_ARG_LO(2)),
        /* 26 */ BPF_STMT(BPF_ALU | BPF_AND | BPF_K, PROT_WRITE | PROT_EXEC),
        /* 27 */ MW_JMP(27, BPF_JEQ, PROT_WRITE | PROT_EXEC, TRAP, 28),
        /* 28 */ MW_LD(MW_ARG_LO(3)),
        /* 29 */ MW_JMP(29, BPF_JSET, MAP_FIXED | MAP_FIXED_NOREPLACE, TRAP, ALLOW),
        /* 30 CLONE: a new process on the same stack (fork); threads pass */
        /* 30 */ MW_LD(MW_ARG_LO(0)),
        /* 31 */ MW_JMP(31, BPF_JSET, CLONE_VM, ALLOW, 32),
        /* 32 */ MW_LD(MW_ARG_LO(1)),
        /* 33 */ MW_JMP(33, BPF_JEQ, 0, 34, ALLOW),
        /* 34 */ MW_LD(MW_ARG_HI(1)),
        /* 35 */ MW_JMP(35, BPF_JEQ, 0, TRAP, ALLOW),
        /* 36 */ MW_RET(SECCOMP_RET_TRAP | MW_TRAP_DATA),
        /* 37 */ MW_RET(SECCOMP_RET_ALLOW),
    };
    _Static_assert(sizeof f / sizeof f[0] == ALLOW + 1, "labels out of step with the program");
    return mw_filter_load(f, sizeof f / sizeof f[0]);
}

static enum mw_trap_status mw_trap_state = MW_TRAP_OFF;

enum mw_trap_status mw_syscalls_status(void) { return mw_trap_state; }

static enum mw_trap_status mw_syscalls_start_as(int full)
{
    const char *what = full ? "memwatch" : "MEMWATCH_SYSCALLS=trap";
    int rc = mw_syscall_gate_take();
    if (rc != 0) {
        mw_warn("%s: cannot map the syscall gate at %p: %s; direct system calls are not watched", what,
                (void *)MW_GATE_ADDR, mw_strerror(-rc));
        return MW_TRAP_NO_GATE;
    }
    mw_fault_set_sys_hook(mw_sys_trap);
    if (full)
        mw_loader_find();
    if (mw_fault_install_signal(SIGSYS) != 0) {
        rc = -EINVAL;
    } else if (full && mw_sys_trap_filter_present()) {
        mw_debug("the seccomp filter is inherited (exec)");
        return MW_TRAP_ON;
    } else {
        rc = full ? mw_filter_install_full() : mw_filter_install_exec_only();
    }
    if (rc != 0) {
        mw_warn("%s: cannot install the seccomp filter: %s; direct system calls are not watched", what,
                mw_strerror(-rc));
        return MW_TRAP_NO_FILTER;
    }
    mw_debug("seccomp filter installed (%s); syscall gate at %p", full ? "every call" : "executable memory",
             (void *)MW_GATE_ADDR);
    return MW_TRAP_ON;
}

void mw_syscalls_start(void)
{
    const struct mw_config *c = mw_config();
    if (c->adopted || c->syscalls_trap)
        mw_trap_state = mw_syscalls_start_as(c->adopted);
}
