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

/* execl, execlp, execle: the arguments gathered into a vector (and, for
 * execle, the environment after them), then the v forms above. */
enum mw_exec_list { MW_EXECL, MW_EXECLP, MW_EXECLE };

/* The arguments after arg0 up to the terminating NULL, plus one; 0 when
 * arg0 is itself the terminator.  Reads a copy: ap is left where it was. */
static int mw_count_args(const char *arg0, va_list ap)
{
    if (!arg0)
        return 0;
    va_list more;
    va_copy(more, ap);
    int n = 1;
    while (va_arg(more, const char *))
        n++;
    va_end(more);
    return n;
}

static int mw_exec_list(enum mw_exec_list form, const char *target, const char *arg0, va_list ap)
{
    int n = mw_count_args(arg0, ap);
    char *argv[n + 1];
    argv[0] = (char *)arg0;
    for (int i = 1; i <= n; i++)
        argv[i] = va_arg(ap, char *);
    if (form == MW_EXECLE)
        return execve(target, argv, va_arg(ap, char *const *));
    return form == MW_EXECLP ? execvp(target, argv) : execv(target, argv);
}

MW_API int execl(const char *path, const char *arg0, ...)
{
    va_list ap;
    va_start(ap, arg0);
    int rc = mw_exec_list(MW_EXECL, path, arg0, ap);
    va_end(ap);
    return rc;
}

MW_API int execlp(const char *file, const char *arg0, ...)
{
    va_list ap;
    va_start(ap, arg0);
    int rc = mw_exec_list(MW_EXECLP, file, arg0, ap);
    va_end(ap);
    return rc;
}

MW_API int execle(const char *path, const char *arg0, ...)
{
    va_list ap;
    va_start(ap, arg0);
    int rc = mw_exec_list(MW_EXECLE, path, arg0, ap);
    va_end(ap);
    return rc;
}
