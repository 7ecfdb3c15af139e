/*
 * bench/static_trace.c - the alternative to the agent, for measuring it: a
 * ptrace supervisor that runs the W^X cycle of a program from outside, as
 * emt did, kept as lean as that design allows.  The child's only trapped
 * call is an mmap asking for write+execute (seccomp SECCOMP_RET_TRACE: the
 * supervisor makes it write-only); every SIGSEGV stops the child
 * (signal-delivery stop), and the supervisor answers it with one mprotect
 * run in the child (inject/remote.c: one more stop) - for an execution
 * fault after copying the page out (process_vm_readv) and appending it to a
 * dump file.  The agent's cycle stays in the process: no stop at all.
 *
 *   static_trace DUMPFILE PROGRAM [ARGS...]
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/gate.h"
#include "inject/inject.h"

#define PAGE 4096UL

static void child(char **argv)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mmap, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args) + 2 * 8),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof f / sizeof f[0], f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
        _exit(126);
    ptrace(PTRACE_TRACEME, 0, NULL, NULL);
    execv(argv[0], argv);
    _exit(127);
}

/* mprotect(page, prot) run in the stopped child at the gate, its registers
 * put back: as lean as a supervisor can make it (general registers only:
 * the system call touches no other state). */
static int remote_protect(pid_t pid, unsigned long page, int prot)
{
    struct user_regs_struct orig, r;
    int status;
    if (ptrace(PTRACE_GETREGS, pid, 0, &orig) != 0)
        return -1;
    r = orig;
    r.rip = MW_GATE_SYSCALL;
    r.orig_rax = (unsigned long long)-1;
    r.rax = SYS_mprotect;
    r.rdi = page;
    r.rsi = PAGE;
    r.rdx = (unsigned long long)prot;
    if (ptrace(PTRACE_SETREGS, pid, 0, &r) != 0 || ptrace(PTRACE_SINGLESTEP, pid, 0, 0) != 0 ||
        waitpid(pid, &status, __WALL) != pid || !WIFSTOPPED(status) || ptrace(PTRACE_GETREGS, pid, 0, &r) != 0)
        return -1;
    return r.rax == 0 && ptrace(PTRACE_SETREGS, pid, 0, &orig) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    int dump = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_TRUNC, 0600);
    pid_t pid = fork();
    if (pid == 0)
        child(argv + 2);
    struct mw_tracee t;
    int status;
    mw_tracee_stopped(&t, pid, pid);
    if (dump < 0 || mw_tracee_wait(&t, 10000, &status) != MW_INJ_OK)
        return 1;
    ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL);
    if (mw_remote_make_gate(&t) != MW_INJ_OK || mw_tracee_restore(&t) != MW_INJ_OK)
        return 1;
    static unsigned char buf[PAGE];
    long sig = 0, captures = 0;
    for (;;) {
        if (ptrace(PTRACE_CONT, pid, 0, sig) != 0)
            return 1;
        sig = 0;
        if (waitpid(pid, &status, __WALL) != pid)
            return 1;
        if (WIFEXITED(status))
            return WEXITSTATUS(status);
        if (WIFSIGNALED(status))
            return 128 + WTERMSIG(status);
        if ((status >> 8) == (SIGTRAP | (PTRACE_EVENT_SECCOMP << 8))) { /* mmap W+X: make it W only */
            struct user_regs_struct r;
            ptrace(PTRACE_GETREGS, pid, 0, &r);
            r.rdx &= ~(unsigned long long)PROT_EXEC;
            ptrace(PTRACE_SETREGS, pid, 0, &r);
            continue;
        }
        siginfo_t si;
        ptrace(PTRACE_GETSIGINFO, pid, 0, &si);
        if (WSTOPSIG(status) != SIGSEGV || si.si_code != SEGV_ACCERR) {
            sig = WSTOPSIG(status);
            continue;
        }
        struct user_regs_struct r;
        ptrace(PTRACE_GETREGS, pid, 0, &r);
        unsigned long page = (unsigned long)si.si_addr & ~(PAGE - 1);
        if ((unsigned long)si.si_addr == r.rip) { /* an execution: capture, then read+execute */
            struct iovec l = {buf, PAGE}, rem = {(void *)page, PAGE};
            char line[96];
            if (process_vm_readv(pid, &l, 1, &rem, 1, 0) != (ssize_t)PAGE || write(dump, buf, PAGE) != (ssize_t)PAGE)
                return 1;
            int n = snprintf(line, sizeof line, "{\"seq\":%ld,\"addr\":\"%#lx\",\"len\":4096}\n", ++captures, page);
            if (write(dump, line, (size_t)n) != n || remote_protect(pid, page, PROT_READ | PROT_EXEC) != 0)
                return 1;
        } else if (remote_protect(pid, page, PROT_READ | PROT_WRITE) != 0) {
            return 1;
        }
    }
}
