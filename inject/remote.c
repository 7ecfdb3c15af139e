/*
 * inject/remote.c - running system calls and function calls in a stopped
 * thread of another process (see inject.h).
 *
 * A system call is one single step over a `syscall` instruction with the
 * registers set for it: the gate's once the process has one, before that one
 * in the thread's own code (right before where it stopped, when it stopped
 * in a system call; else poked in where it stopped, and put back later).  A
 * function call starts at the function with the return address pointing at
 * the gate's int3, and ends at the SIGTRAP that int3 raises.  orig_rax is -1
 * while our code runs, so the kernel does not mistake our registers for an
 * interrupted system call to restart; the saved ones bring the restart back
 * when the thread is released.
 */
#include "inject/inject.h"

#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "core/gate.h"
#include "core/sys.h"

#define MW_SYSCALL_INSN 0x050fULL   /* 0f 05, little-endian */
#define MW_STEP_MS 5000              /* one system call of ours */
#define MW_FLAG_TF 0x100ULL
#define MW_FLAG_DF 0x400ULL

static long mw_ptrace(long req, long tid, uint64_t addr, uint64_t data)
{
    return MW_SYS4(SYS_ptrace, req, tid, addr, data);
}

static enum mw_inj mw_err(struct mw_tracee *t, long err)
{
    if (err == -ESRCH)
        return MW_INJ_GONE;
    t->errno_value = (int)-err;
    return MW_INJ_FAILED;
}

/* A signal our own code raised synchronously (a seccomp trap the agent
 * carries out, a fault): it must reach the process's handler now. */
static int mw_raised_by_our_code(const siginfo_t *si)
{
    switch (si->si_signo) {
    case SIGSEGV:
    case SIGBUS:
    case SIGILL:
    case SIGFPE:
    case SIGSYS:
        return si->si_code > 0;
    default:
        return 0;
    }
}

/* Resumes with req and waits until the thread stops at `until` (rip after
 * our single step, or after the gate's int3), passing our own code's
 * signals on and holding every other. */
/* mw_run_until's "the step has not moved" (see mw_run_regs). */
#define MW_INJ_AGAIN ((enum mw_inj)-1)

static enum mw_inj mw_run_until(struct mw_tracee *t, long req, uint64_t until, unsigned ms)
{
    long sig = 0;
    for (;;) {
        long r = mw_ptrace(req, t->tid, 0, (uint64_t)sig);
        if (r != 0)
            return mw_err(t, r);
        sig = 0;
        int status;
        enum mw_inj w = mw_tracee_wait(t, ms, &status);
        if (w != MW_INJ_OK)
            return w;
        if ((status >> 16) != 0)
            continue; /* an event stop (our interrupt, a group stop): go on */
        siginfo_t si;
        if (mw_ptrace(PTRACE_GETSIGINFO, t->tid, 0, (uint64_t)&si) != 0)
            si.si_signo = WSTOPSIG(status), si.si_code = 0;
        if (si.si_signo == SIGTRAP && si.si_code > 0) {
            struct user_regs_struct regs;
            if (mw_ptrace(PTRACE_GETREGS, t->tid, 0, (uint64_t)&regs) != 0)
                return MW_INJ_GONE;
            if (regs.rip == until)
                return MW_INJ_OK;
            if (req == PTRACE_SINGLESTEP && regs.rip == until - 2)
                return MW_INJ_AGAIN;
            if (req == PTRACE_SINGLESTEP) {
                t->errno_value = EFAULT;
                return MW_INJ_FAILED; /* stepped somewhere else: the instruction is not ours */
            }
        }
        if (mw_raised_by_our_code(&si)) {
            sig = si.si_signo;
        } else if (t->ndeferred < MW_INJ_DEFERRED) {
            t->deferred[t->ndeferred++] = si;
        }
    }
}

enum mw_inj mw_remote_write(struct mw_tracee *t, uint64_t addr, const void *buf, size_t n)
{
    struct iovec l = {(void *)buf, n}, r = {(void *)addr, n};
    long w = MW_SYS6(SYS_process_vm_writev, t->pid, &l, 1, &r, 1, 0);
    return w == (long)n ? MW_INJ_OK : mw_err(t, w < 0 ? w : -EFAULT);
}

enum mw_inj mw_remote_read(struct mw_tracee *t, void *buf, uint64_t addr, size_t n)
{
    struct iovec l = {buf, n}, r = {(void *)addr, n};
    long w = MW_SYS6(SYS_process_vm_readv, t->pid, &l, 1, &r, 1, 0);
    return w == (long)n ? MW_INJ_OK : mw_err(t, w < 0 ? w : -EFAULT);
}

/* A `syscall` instruction to step over before the gate exists. */
static enum mw_inj mw_syscall_site(struct mw_tracee *t, uint64_t *at)
{
    if (t->gate) {
        *at = MW_GATE_SYSCALL;
        return MW_INJ_OK;
    }
    if (t->syscall_at) {
        *at = t->syscall_at;
        return MW_INJ_OK;
    }
    uint64_t rip = t->saved.rip, word = 0;
    /* Stopped in a system call: the instruction is right behind it. */
    if (mw_ptrace(PTRACE_PEEKTEXT, t->tid, rip - 2, (uint64_t)&word) == 0 && (word & 0xffff) == MW_SYSCALL_INSN) {
        *at = t->syscall_at = rip - 2;
        return MW_INJ_OK;
    }
    long r = mw_ptrace(PTRACE_PEEKTEXT, t->tid, rip, (uint64_t)&word);
    if (r != 0)
        return mw_err(t, r);
    r = mw_ptrace(PTRACE_POKETEXT, t->tid, rip, (word & ~0xffffULL) | MW_SYSCALL_INSN);
    if (r != 0)
        return mw_err(t, r);
    t->scratch_at = rip;
    t->scratch_word = word;
    *at = t->syscall_at = rip;
    return MW_INJ_OK;
}

/* Runs the thread from r (our registers: no restart, no trap or direction
 * flag) until it stops at `until`; rax in *rax. */
static enum mw_inj mw_run_regs(struct mw_tracee *t, struct user_regs_struct *r, long req, uint64_t until,
                               unsigned ms, uint64_t *rax)
{
    r->orig_rax = (uint64_t)-1;
    r->eflags &= ~(MW_FLAG_TF | MW_FLAG_DF);
    enum mw_inj e = MW_INJ_AGAIN;
    long p = 0;
    /* Resumed from a stop inside a system call (the exec event), the first
     * step only reports that call's end - which also wrote its result over
     * our rax: set the registers again and take the step again. */
    for (int tries = 0; e == MW_INJ_AGAIN && tries < 2; tries++) {
        p = mw_ptrace(PTRACE_SETREGS, t->tid, 0, (uint64_t)r);
        if (p != 0)
            return mw_err(t, p);
        e = mw_run_until(t, req, until, ms);
    }
    if (e != MW_INJ_OK)
        return e == MW_INJ_AGAIN ? mw_err(t, -EFAULT) : e;
    p = mw_ptrace(PTRACE_GETREGS, t->tid, 0, (uint64_t)r);
    if (p != 0)
        return mw_err(t, p);
    *rax = r->rax;
    return MW_INJ_OK;
}

enum mw_inj mw_remote_syscall(struct mw_tracee *t, long *result, long nr, long a0, long a1, long a2, long a3,
                              long a4, long a5)
{
    uint64_t at = 0, rax = 0;
    enum mw_inj e = mw_tracee_take(t);
    if (e == MW_INJ_OK)
        e = mw_syscall_site(t, &at);
    if (e != MW_INJ_OK)
        return e;
    struct user_regs_struct r = t->saved;
    r.rip = at;
    r.rax = (uint64_t)nr;
    r.rdi = (uint64_t)a0, r.rsi = (uint64_t)a1, r.rdx = (uint64_t)a2;
    r.r10 = (uint64_t)a3, r.r8 = (uint64_t)a4, r.r9 = (uint64_t)a5;
    e = mw_run_regs(t, &r, PTRACE_SINGLESTEP, at + 2, MW_STEP_MS, &rax);
    *result = (long)rax;
    return e;
}

enum mw_inj mw_remote_call(struct mw_tracee *t, uint64_t fn, uint64_t stack_top, const long args[6], unsigned ms,
                           uint64_t *ret)
{
    if (!t->gate)
        return MW_INJ_NO_GATE;
    enum mw_inj e = mw_tracee_take(t);
    if (e != MW_INJ_OK)
        return e;
    uint64_t back = MW_GATE_TRAP;
    struct user_regs_struct r = t->saved;
    r.rsp = (stack_top & ~15ULL) - 8; /* as a call leaves it: the return address on top */
    e = mw_remote_write(t, r.rsp, &back, sizeof back);
    if (e != MW_INJ_OK)
        return e;
    r.rip = fn;
    r.rax = 0;
    r.rdi = (uint64_t)args[0], r.rsi = (uint64_t)args[1], r.rdx = (uint64_t)args[2];
    r.rcx = (uint64_t)args[3], r.r8 = (uint64_t)args[4], r.r9 = (uint64_t)args[5];
    return mw_run_regs(t, &r, PTRACE_CONT, MW_GATE_TRAP + 1, ms, ret);
}

enum mw_inj mw_remote_alloc(struct mw_tracee *t, size_t n, uint64_t *addr)
{
    long r;
    enum mw_inj e = mw_remote_syscall(t, &r, SYS_mmap, 0, (long)n, PROT_READ | PROT_WRITE,
                                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (e == MW_INJ_OK && mw_sys_failed(r))
        return mw_err(t, r);
    if (e == MW_INJ_OK)
        *addr = (uint64_t)r;
    return e;
}

enum mw_inj mw_remote_free(struct mw_tracee *t, uint64_t addr, size_t n)
{
    long r;
    enum mw_inj e = mw_remote_syscall(t, &r, SYS_munmap, (long)addr, (long)n, 0, 0, 0, 0);
    return e == MW_INJ_OK && r != 0 ? mw_err(t, r) : e;
}

/* Our gate already there (a process the agent or the library served)? */
static int mw_has_our_gate(struct mw_tracee *t)
{
    static const unsigned char code[] = MW_GATE_CODE;
    unsigned char have[sizeof code];
    struct iovec l = {have, sizeof have}, r = {(void *)MW_GATE_ADDR, sizeof have};
    if (MW_SYS6(SYS_process_vm_readv, t->pid, &l, 1, &r, 1, 0) != (long)sizeof have)
        return 0;
    for (unsigned i = 0; i < sizeof code; i++)
        if (have[i] != code[i])
            return 0;
    return 1;
}

/* memfd with the code, mapped read+execute at the fixed address: calls the
 * filters always let through, so this also works in an image that
 * inherited a filter across exec. */
enum mw_inj mw_remote_make_gate(struct mw_tracee *t)
{
    static const char name_and_code[] = MW_GATE_NAME "\0\x0f\x05\xc3\xcc";
    const size_t code_off = sizeof MW_GATE_NAME;
    if (t->gate || (t->gate = mw_has_our_gate(t)))
        return MW_INJ_OK;
    uint64_t page;
    long fd = -1, r;
    enum mw_inj e = mw_remote_alloc(t, 4096, &page);
    if (e != MW_INJ_OK)
        return e;
    e = mw_remote_write(t, page, name_and_code, sizeof name_and_code);
    if (e == MW_INJ_OK)
        e = mw_remote_syscall(t, &fd, SYS_memfd_create, (long)page, MFD_CLOEXEC, 0, 0, 0, 0);
    if (e == MW_INJ_OK && fd < 0)
        e = mw_err(t, fd);
    if (e == MW_INJ_OK)
        e = mw_remote_syscall(t, &r, SYS_write, fd, (long)(page + code_off), MW_GATE_CODE_LEN, 0, 0, 0);
    if (e == MW_INJ_OK)
        e = mw_remote_syscall(t, &r, SYS_ftruncate, fd, MW_GATE_SIZE, 0, 0, 0, 0);
    if (e == MW_INJ_OK) {
        e = mw_remote_syscall(t, &r, SYS_mmap, (long)MW_GATE_ADDR, MW_GATE_SIZE, PROT_READ | PROT_EXEC,
                              MAP_PRIVATE | 0x100000 /* MAP_FIXED_NOREPLACE */, fd, 0);
        if (e == MW_INJ_OK && (uint64_t)r != MW_GATE_ADDR)
            e = MW_INJ_NO_GATE;
    }
    if (fd >= 0)
        mw_remote_syscall(t, &r, SYS_close, fd, 0, 0, 0, 0, 0);
    if (e == MW_INJ_OK)
        t->gate = t->gate_made = 1;
    mw_remote_free(t, page, 4096);
    return e;
}

void mw_remote_drop_gate(struct mw_tracee *t)
{
    long r;
    if (t->gate_made && mw_remote_syscall(t, &r, SYS_munmap, (long)MW_GATE_ADDR, MW_GATE_SIZE, 0, 0, 0, 0) == MW_INJ_OK)
        t->gate = t->gate_made = 0;
}
