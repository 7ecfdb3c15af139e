/*
 * preload/interpose_exec.c - the exec family: what the library still holds
 * in memory (buffered access lines) is written before the image is
 * replaced.  Each wrapper writes it out and calls libc's own function
 * (dlsym(RTLD_NEXT)), so the search, the environment and the errors are
 * libc's.  exec calls made inside libc (posix_spawn, system) run in a child
 * that never touches the buffer.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <unistd.h>

#include "preload/dump.h"

#define MW_API __attribute__((visibility("default")))

typedef int (*mw_execve_fn)(const char *, char *const[], char *const[]);
typedef int (*mw_execv_fn)(const char *, char *const[]);
typedef int (*mw_fexecve_fn)(int, char *const[], char *const[]);

#define MW_REAL(type, name)                                  \
    static type real;                                        \
    if (!real)                                               \
        real = (type)dlsym(RTLD_NEXT, name);                 \
    mw_dump_flush_accesses()

MW_API int execve(const char *path, char *const argv[], char *const envp[])
{
    MW_REAL(mw_execve_fn, "execve");
    return real(path, argv, envp);
}

MW_API int execvpe(const char *file, char *const argv[], char *const envp[])
{
    MW_REAL(mw_execve_fn, "execvpe");
    return real(file, argv, envp);
}

MW_API int execv(const char *path, char *const argv[])
{
    MW_REAL(mw_execv_fn, "execv");
    return real(path, argv);
}

MW_API int execvp(const char *file, char *const argv[])
{
    MW_REAL(mw_execv_fn, "execvp");
    return real(file, argv);
}

MW_API int fexecve(int fd, char *const argv[], char *const envp[])
{
    MW_REAL(mw_fexecve_fn, "fexecve");
    return real(fd, argv, envp);
}

/* execl, execlp, execle: the arguments gathered, then the v forms above. */
static int mw_count_args(const char *arg0, va_list ap)
{
    int n = 1;
    if (!arg0)
        return 0;
    while (va_arg(ap, const char *))
        n++;
    return n;
}

#define MW_GATHER(arg0, argv, n, ap)                         \
    char *argv[n + 1];                                       \
    argv[0] = (char *)(arg0);                                \
    for (int i = 1; i <= n; i++)                             \
        argv[i] = va_arg(ap, char *)

MW_API int execl(const char *path, const char *arg0, ...)
{
    va_list ap;
    va_start(ap, arg0);
    int n = mw_count_args(arg0, ap);
    va_end(ap);
    va_start(ap, arg0);
    MW_GATHER(arg0, argv, n, ap);
    va_end(ap);
    return execv(path, argv);
}

MW_API int execlp(const char *file, const char *arg0, ...)
{
    va_list ap;
    va_start(ap, arg0);
    int n = mw_count_args(arg0, ap);
    va_end(ap);
    va_start(ap, arg0);
    MW_GATHER(arg0, argv, n, ap);
    va_end(ap);
    return execvp(file, argv);
}

MW_API int execle(const char *path, const char *arg0, ...)
{
    va_list ap;
    va_start(ap, arg0);
    int n = mw_count_args(arg0, ap);
    va_end(ap);
    va_start(ap, arg0);
    MW_GATHER(arg0, argv, n, ap);
    char *const *envp = va_arg(ap, char *const *);
    va_end(ap);
    return execve(path, argv, envp);
}
