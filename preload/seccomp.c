/*
 * preload/seccomp.c - MEMWATCH_SYSCALLS=trap: catching executable memory made
 * by direct system calls (static binaries, Go, packers, inline `syscall`).
 *
 * A seccomp filter traps mmap asking for write+execute and mprotect /
 * pkey_mprotect asking for execute - unless the call comes from the syscall
 * gate (core/sys.h), a `syscall; ret` page the library maps at a fixed
 * address and uses for its own calls.  The SIGSYS handler carries the call
 * out through the same code as the interposed libc calls
 * (preload/interpose_mem.c), so it is tracked and captured, and puts the
 * kernel's result in rax.
 *
 * Hazards, and what is done about them:
 *  - the filter outlives exec.  The gate's address is the same in every
 *    image, and it is created by mapping a memfd read+execute (which the
 *    filter lets through), so a child that inherits the filter and loads the
 *    library again works; the dynamic loader's own mappings (read+execute,
 *    no write) are not trapped.  A program exec'd *without* the library that
 *    mprotects memory executable (text relocations, an executable stack)
 *    gets SIGSYS and dies: the launcher keeps LD_PRELOAD for children, and
 *    the README says so.
 *  - the filter needs no_new_privs: after it, exec of setuid programs does
 *    not raise privileges.
 *  - the program's own filters stack with ours; a SIGSYS that is not ours
 *    (another filter's trap) goes to the program's SIGSYS handler (chain.c).
 *  - memory made executable by mapping a file or memfd read+execute (dual
 *    mapping JITs) is not trapped: it was never writable in that mapping.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <ucontext.h>

#include "core/log.h"
#include "core/sys.h"
#include "preload/config.h"
#include "preload/interpose_mem.h"
#include "preload/lifecycle.h"
#include "trampoline/fault.h"

#define MW_GATE_ADDR 0x4d5700000000UL /* "MW", far from heap, stacks and mmap base */
#define MW_TRAP_DATA 0x4d57

#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1
#endif

static int mw_gate_map(void)
{
    static const unsigned char code[] = {0x0f, 0x05, 0xc3}; /* syscall; ret */
    long fd = mw_sys_memfd_create("memwatch-gate", MFD_CLOEXEC);
    if (fd < 0)
        return (int)fd;
    long rc = mw_sys_write((int)fd, code, sizeof code);
    if (rc == (long)sizeof code)
        rc = mw_sys_ftruncate((int)fd, 4096);
    if (rc == 0) {
        /* MAP_FIXED_NOREPLACE: never over something of the program's. */
        void *p = (void *)MW_SYS6(SYS_mmap, MW_GATE_ADDR, 4096, PROT_READ | PROT_EXEC,
                                  MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
        rc = mw_sys_failed((long)p) ? (long)p : (uintptr_t)p == MW_GATE_ADDR ? 0 : -EEXIST;
    }
    mw_sys_close((int)fd);
    return (int)rc;
}

#define MW_LD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define MW_RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define MW_ARG2 (offsetof(struct seccomp_data, args) + 2 * sizeof(__u64)) /* prot, low half */
#define MW_IP_LO offsetof(struct seccomp_data, instruction_pointer)
#define MW_IP_HI (offsetof(struct seccomp_data, instruction_pointer) + 4)

static int mw_filter_install(void)
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
    struct sock_fprog prog = {.len = sizeof f / sizeof f[0], .filter = f};
    long rc = MW_SYS5(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (rc == 0)
        rc = MW_SYS3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
    return (int)rc;
}

/* SIGSYS from our filter: do the call the way the interposers do it. */
static int mw_sys_trap(siginfo_t *info, ucontext_t *uc)
{
    if (info->si_code != SYS_SECCOMP || info->si_errno != MW_TRAP_DATA)
        return 0;
    greg_t *g = uc->uc_mcontext.gregs;
    long a1 = g[REG_RDI], a2 = g[REG_RSI], a3 = g[REG_RDX], a4 = g[REG_R10], a5 = g[REG_R8], a6 = g[REG_R9];
    long r;
    switch (info->si_syscall) {
    case SYS_mmap:
        r = mw_mem_mmap((void *)a1, (size_t)a2, (int)a3, (int)a4, (int)a5, a6);
        break;
    case SYS_mprotect:
        r = mw_mem_protect((void *)a1, (size_t)a2, (int)a3, -1);
        break;
    case SYS_pkey_mprotect:
        r = mw_mem_protect((void *)a1, (size_t)a2, (int)a3, (int)a4);
        break;
    default:
        r = -ENOSYS;
    }
    g[REG_RAX] = r;
    return 1;
}

void mw_syscalls_start(void)
{
    if (!mw_config()->syscalls_trap)
        return;
    int rc = mw_gate_map();
    if (rc != 0) {
        mw_warn("MEMWATCH_SYSCALLS=trap: cannot map the syscall gate at %p: %s; direct system calls are not "
                "watched",
                (void *)MW_GATE_ADDR, mw_strerror(-rc));
        return;
    }
    mw_syscall_gate = MW_GATE_ADDR;
    mw_fault_set_sys_hook(mw_sys_trap);
    if (mw_fault_install_signal(SIGSYS) != 0 || (rc = mw_filter_install()) != 0) {
        mw_warn("MEMWATCH_SYSCALLS=trap: cannot install the seccomp filter: %s; direct system calls are not "
                "watched",
                mw_strerror(-rc));
        return;
    }
    mw_debug("seccomp filter installed; syscall gate at %p", (void *)MW_GATE_ADDR);
}
