/*
 * core/sys.h - raw Linux x86-64 system calls.
 *
 * Everything the library does to memory, signals and files goes through these,
 * never through libc: the calls are async-signal-safe, they never recurse into
 * the library's own interposed mmap/mprotect/sigaction, and they work before
 * libc is fully initialised (the dynamic loader's early start).  They return
 * the kernel's raw result: a value >= 0, or -errno (test with mw_sys_failed).
 */
#ifndef MW_CORE_SYS_H
#define MW_CORE_SYS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/types.h>

static inline long mw_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
    long ret;
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    register long r9 __asm__("r9") = a6;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

#define MW_SYS0(nr) mw_syscall6((nr), 0, 0, 0, 0, 0, 0)
#define MW_SYS1(nr, a) mw_syscall6((nr), (long)(a), 0, 0, 0, 0, 0)
#define MW_SYS2(nr, a, b) mw_syscall6((nr), (long)(a), (long)(b), 0, 0, 0, 0)
#define MW_SYS3(nr, a, b, c) mw_syscall6((nr), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define MW_SYS4(nr, a, b, c, d) mw_syscall6((nr), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define MW_SYS5(nr, a, b, c, d, e) \
    mw_syscall6((nr), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)
#define MW_SYS6(nr, a, b, c, d, e, f) \
    mw_syscall6((nr), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

/* True when a raw result is an error (-4095 .. -1). */
static inline int mw_sys_failed(long r) { return (unsigned long)r > -4096UL; }

/*
 * The syscall gate (trap mode, preload/seccomp.c; core/gate.h): a page at a
 * fixed address holding `syscall; ret`.  The seccomp filters let the calls
 * they trap through only from there - the same address in every process
 * image, so an exec'd child that inherits a filter still reaches it.  Every
 * call a filter may trap (memory, signal state, exec, fork) goes through
 * here.  0 when trap mode is off.  The call skips the red zone: the
 * compiler may keep a leaf function's locals below rsp.
 */
extern uintptr_t mw_syscall_gate;

static inline long mw_gated_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
    if (!mw_syscall_gate)
        return mw_syscall6(nr, a1, a2, a3, a4, a5, a6);
    long ret;
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    register long r9 __asm__("r9") = a6;
    __asm__ volatile("sub $128, %%rsp\n\tcall *%[gate]\n\tadd $128, %%rsp"
                     : "=a"(ret)
                     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9), [gate] "m"(mw_syscall_gate)
                     : "rcx", "r11", "memory");
    return ret;
}

static inline void *mw_sys_mmap(void *addr, size_t len, int prot, int flags, int fd, long off)
{
    return (void *)mw_gated_syscall6(SYS_mmap, (long)addr, (long)len, prot, flags, fd, off);
}
static inline long mw_sys_munmap(void *addr, size_t len)
{
    return mw_gated_syscall6(SYS_munmap, (long)addr, (long)len, 0, 0, 0, 0);
}
static inline long mw_sys_mprotect(void *addr, size_t len, int prot)
{
    return mw_gated_syscall6(SYS_mprotect, (long)addr, (long)len, prot, 0, 0, 0);
}
static inline long mw_sys_pkey_mprotect(void *addr, size_t len, int prot, int pkey)
{
    return mw_gated_syscall6(SYS_pkey_mprotect, (long)addr, (long)len, prot, pkey, 0, 0);
}
static inline void *mw_sys_mremap(void *old, size_t old_len, size_t new_len, int flags, void *new_addr)
{
    return (void *)mw_gated_syscall6(SYS_mremap, (long)old, (long)old_len, (long)new_len, flags, (long)new_addr, 0);
}
static inline long mw_sys_madvise(void *addr, size_t len, int advice)
{
    return MW_SYS3(SYS_madvise, addr, len, advice);
}
static inline long mw_sys_mincore(void *addr, size_t len, unsigned char *vec)
{
    return MW_SYS3(SYS_mincore, addr, len, vec);
}
static inline long mw_sys_memfd_create(const char *name, unsigned flags)
{
    return MW_SYS2(SYS_memfd_create, name, flags);
}
static inline long mw_sys_ftruncate(int fd, long len) { return MW_SYS2(SYS_ftruncate, fd, len); }
static inline long mw_sys_close(int fd) { return MW_SYS1(SYS_close, fd); }
static inline long mw_sys_read(int fd, void *buf, size_t n) { return MW_SYS3(SYS_read, fd, buf, n); }
static inline long mw_sys_write(int fd, const void *buf, size_t n)
{
    return MW_SYS3(SYS_write, fd, buf, n);
}
static inline long mw_sys_openat(int dirfd, const char *path, int flags, int mode)
{
    return MW_SYS4(SYS_openat, dirfd, path, flags, mode);
}
static inline long mw_sys_mkdirat(int dirfd, const char *path, int mode)
{
    return MW_SYS3(SYS_mkdirat, dirfd, path, mode);
}
static inline long mw_sys_readlink(const char *path, char *buf, size_t n)
{
    return MW_SYS3(SYS_readlink, path, buf, n);
}
static inline long mw_sys_fcntl(int fd, int cmd, long arg) { return MW_SYS3(SYS_fcntl, fd, cmd, arg); }
static inline long mw_sys_ioctl(int fd, unsigned long req, void *arg) { return MW_SYS3(SYS_ioctl, fd, req, arg); }
static inline long mw_sys_fstat(int fd, void *st) { return MW_SYS2(SYS_fstat, fd, st); }
static inline long mw_sys_dup3(int fd, int to, int flags) { return MW_SYS3(SYS_dup3, fd, to, flags); }
static inline long mw_sys_getpid(void) { return MW_SYS0(SYS_getpid); }
static inline long mw_sys_gettid(void) { return MW_SYS0(SYS_gettid); }
static inline long mw_sys_tgkill(long pid, long tid, int sig) { return MW_SYS3(SYS_tgkill, pid, tid, sig); }
static inline long mw_sys_sigaltstack(const void *ss, void *old)
{
    return mw_gated_syscall6(SYS_sigaltstack, (long)ss, (long)old, 0, 0, 0, 0);
}
static inline long mw_sys_rt_sigprocmask(int how, const void *set, void *old)
{
    return mw_gated_syscall6(SYS_rt_sigprocmask, how, (long)set, (long)old, 8, 0, 0);
}
static inline long mw_sys_arch_prctl(int code, unsigned long *addr)
{
    return MW_SYS2(SYS_arch_prctl, code, addr);
}
static inline long mw_sys_process_vm(long nr, const void *local, const void *remote, size_t n)
{
    struct { const void *base; size_t len; } l = {local, n}, r = {remote, n};
    return MW_SYS6(nr, mw_sys_getpid(), &l, 1, &r, 1, 0);
}
/* Copies n bytes from src into dst without faulting: -EFAULT if src is not readable. */
static inline long mw_sys_safe_read(void *dst, const void *src, size_t n)
{
    return mw_sys_process_vm(SYS_process_vm_readv, dst, src, n);
}
/* Copies n bytes from src to dst without faulting: -EFAULT if dst is not writable. */
static inline long mw_sys_safe_write(void *dst, const void *src, size_t n)
{
    return mw_sys_process_vm(SYS_process_vm_writev, src, dst, n);
}

/* The kernel's struct sigaction (not libc's): handler, flags, restorer, 64-bit mask. */
struct mw_kernel_sigaction {
    void *handler;
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};
#define MW_SA_RESTORER 0x04000000UL

/* rt_sigaction with the library's own restorer (sigreturn trampoline). */
long mw_sys_rt_sigaction(int sig, const struct mw_kernel_sigaction *act, struct mw_kernel_sigaction *old);

#endif
