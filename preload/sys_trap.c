/*
 * preload/sys_trap.c - a system call one of trap mode's filters caught
 * (SIGSYS, seccomp.c), carried out for the program as the kernel would have
 * done it, through the same code the interposers use:
 *
 *   mmap, mprotect, pkey_mprotect, munmap, mremap   interpose_mem.c (the
 *                                                    loader's mmap: loader.h)
 *   rt_sigaction, rt_sigprocmask, sigaltstack        sigview.c
 *   execve, execveat                                 exec_follow.c
 *   fork, clone without CLONE_VM (a fork)            here, around lifecycle's
 *                                                    prepare/parent/child
 *
 * The result goes into the context's rax; the program resumes after its
 * `syscall` instruction.  The arguments are the program's registers as the
 * kernel would have read them (rdi, rsi, rdx, r10, r8, r9).
 */
#include "preload/sys_trap.h"

#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "core/sys.h"
#include "preload/exec_follow.h"
#include "preload/interpose_mem.h"
#include "preload/lifecycle.h"
#include "preload/loader.h"
#include "preload/seccomp.h"
#include "preload/sigview.h"

#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1
#endif

static const uint64_t mw_probe_set; /* blocks nothing */
static volatile int mw_probe_seen;

int mw_sys_trap_filter_present(void)
{
    mw_probe_seen = 0;
    MW_SYS4(SYS_rt_sigprocmask, SIG_BLOCK, &mw_probe_set, NULL, 8); /* not through the gate: trapped */
    return mw_probe_seen;
}

/* The loader mapping a library's code is no code of the program's: the
 * table only forgets what the mapping replaces (loader.h). */
static long mw_trap_mmap(const long a[6], uintptr_t ip)
{
    const int wx = PROT_WRITE | PROT_EXEC;
    if (!mw_loader_owns(ip) || ((int)a[2] & wx) == wx)
        return mw_mem_mmap((void *)a[0], (size_t)a[1], (int)a[2], (int)a[3], (int)a[4], a[5]);
    long r = (long)mw_sys_mmap((void *)a[0], (size_t)a[1], (int)a[2], (int)a[3], (int)a[4], a[5]);
    if (!mw_sys_failed(r))
        mw_mem_unmapped((uintptr_t)r, (uintptr_t)r + (((size_t)a[1] + 4095) & ~(size_t)4095));
    return r;
}

/* A fork made here, with the table held across it: the child's copy is
 * never half-changed, and the child learns it is one before it runs on. */
static long mw_trap_fork(long nr, const long a[6])
{
    mw_fork_prepare();
    long r = mw_gated_syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    if (r == 0)
        mw_fork_child();
    else
        mw_fork_parent();
    return r;
}

int mw_sys_trap(siginfo_t *info, ucontext_t *uc)
{
    if (info->si_code != SYS_SECCOMP || info->si_errno != MW_TRAP_DATA)
        return 0;
    greg_t *g = uc->uc_mcontext.gregs;
    const long a[6] = {g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10], g[REG_R8], g[REG_R9]};
    long r;
    switch (info->si_syscall) {
    case SYS_mmap:
        r = mw_trap_mmap(a, (uintptr_t)g[REG_RIP]);
        break;
    case SYS_mprotect:
        r = mw_mem_protect((void *)a[0], (size_t)a[1], (int)a[2], -1);
        break;
    case SYS_pkey_mprotect:
        r = mw_mem_protect((void *)a[0], (size_t)a[1], (int)a[2], (int)a[3]);
        break;
    case SYS_munmap:
        r = mw_mem_munmap((void *)a[0], (size_t)a[1]);
        break;
    case SYS_mremap:
        r = mw_mem_mremap((void *)a[0], (size_t)a[1], (size_t)a[2], (int)a[3], (void *)a[4]);
        break;
    case SYS_rt_sigaction:
        r = mw_trap_rt_sigaction((int)a[0], (const void *)a[1], (void *)a[2], (size_t)a[3]);
        break;
    case SYS_rt_sigprocmask:
        if ((const uint64_t *)a[1] == &mw_probe_set)
            mw_probe_seen = 1;
        r = mw_trap_rt_sigprocmask(uc, (int)a[0], (const uint64_t *)a[1], (uint64_t *)a[2], (size_t)a[3]);
        break;
    case SYS_sigaltstack:
        r = mw_trap_sigaltstack(uc, (const stack_t *)a[0], (stack_t *)a[1]);
        break;
    case SYS_execve:
    case SYS_execveat:
        r = mw_exec_follow(info->si_syscall, a, uc);
        break;
    case SYS_clone:
    case SYS_fork:
        r = mw_trap_fork(info->si_syscall, a);
        break;
    default:
        r = -ENOSYS;
    }
    g[REG_RAX] = r;
    return 1;
}
