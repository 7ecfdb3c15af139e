/*
 * test/capture/jit.h - what the capture tests' programs share: emitting tiny
 * functions, calling them, and telling the test script where things were.
 *
 * A program prints only deterministic results on stdout (the scripts compare
 * it with a run without the library).  Addresses, ids and the bytes of each
 * version of the code go to the info file named by $MWT_INFO, one
 * "key value..." line per fact, each line one write(2) on an O_APPEND
 * descriptor so a fork child and an exec'd image can add to it too.
 */
#ifndef MWT_JIT_H
#define MWT_JIT_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define JIT_PAGE 4096

typedef int (*jit_fn)(void);

__attribute__((noreturn)) static inline void jit_die(const char *what)
{
    fprintf(stdout, "FATAL: %s: %s\n", what, strerror(errno));
    fflush(stdout);
    _exit(2);
}

/* `mov eax, v; ret`: 6 bytes. */
static inline size_t jit_emit_ret(unsigned char *p, int32_t v)
{
    p[0] = 0xb8;
    memcpy(p + 1, &v, 4);
    p[5] = 0xc3;
    return 6;
}

/* `mov eax, v; add eax, a; ret`: 11 bytes, returns v + a. */
static inline size_t jit_emit_ret_add(unsigned char *p, int32_t v, int32_t a)
{
    p[0] = 0xb8;
    memcpy(p + 1, &v, 4);
    p[5] = 0x05;
    memcpy(p + 6, &a, 4);
    p[10] = 0xc3;
    return 11;
}

/* `mov eax, v; add eax, a; add eax, b; ret`: 16 bytes, returns v + a + b. */
static inline size_t jit_emit_ret_add2(unsigned char *p, int32_t v, int32_t a, int32_t b)
{
    size_t n = jit_emit_ret_add(p, v, a) - 1;
    p[n] = 0x05;
    memcpy(p + n + 1, &b, 4);
    p[n + 5] = 0xc3;
    return n + 6;
}

static inline int jit_call(void *code)
{
    jit_fn f;
    memcpy(&f, &code, sizeof f); /* object pointer to function pointer */
    /* Keep the compiler from assuming anything about the bytes behind it. */
    __asm__ volatile("" : : "r"(code) : "memory");
    return f();
}

static inline void *jit_map(size_t pages, int prot)
{
    void *p = mmap(NULL, pages * JIT_PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        jit_die("mmap");
    return p;
}

static inline pid_t jit_gettid(void) { return (pid_t)syscall(SYS_gettid); }

static int jit_info_fd = -2;

static inline void jit_info(const char *fmt, ...)
{
    if (jit_info_fd == -2) {
        const char *path = getenv("MWT_INFO");
        jit_info_fd = path && *path ? open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600) : -1;
    }
    if (jit_info_fd < 0)
        return;
    char line[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0 || n >= (int)sizeof line - 1)
        jit_die("info line too long");
    line[n++] = '\n';
    if (write(jit_info_fd, line, (size_t)n) != n)
        jit_die("write info");
}

/* "key 0xADDR HEXBYTES": the bytes at p, as the test will find them in a capture. */
static inline void jit_info_code(const char *key, const void *p, size_t n)
{
    char hex[2 * 2048 + 1];
    const unsigned char *b = p;
    if (n > 2048)
        jit_die("code too long for an info line");
    for (size_t i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", b[i]);
    hex[2 * n] = 0;
    jit_info("%s %p %s", key, p, hex);
}

/* Basename of /proc/self/exe: the <exe> of the dump directory. */
static inline const char *jit_exe_name(void)
{
    static char path[4096];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0)
        jit_die("readlink /proc/self/exe");
    path[n] = 0;
    char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

#endif
