/*
 * core/mem.c - the library's own memcpy, memmove, memset and memcmp.
 *
 * Hidden definitions: every copy inside the library - written out or made
 * by the compiler for a struct assignment - binds to these at link time, so
 * no tool that interposes the program's memcpy (ASan, a debugging malloc)
 * runs inside the fault handler or sees the library copy whole pages of the
 * program's memory (a watched page's neighbours include a sanitizer's
 * poisoned red zones).  rep movsb/stosb are fast on every CPU with ERMS.
 */
#include <stddef.h>

#define MW_HIDDEN __attribute__((visibility("hidden")))

MW_HIDDEN void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    void *d = dst;
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
    return dst;
}

MW_HIDDEN void *memmove(void *dst, const void *src, size_t n)
{
    if ((const char *)dst <= (const char *)src || (const char *)dst >= (const char *)src + n)
        return memcpy(dst, src, n);
    /* overlapping, destination above: copy backwards */
    void *d = (char *)dst + n - 1;
    const void *s = (const char *)src + n - 1;
    __asm__ volatile("std\n\trep movsb\n\tcld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    return dst;
}

MW_HIDDEN void *memset(void *dst, int c, size_t n)
{
    void *d = dst;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return dst;
}

MW_HIDDEN int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] - y[i];
    return 0;
}
