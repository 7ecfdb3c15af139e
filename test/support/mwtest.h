/*
 * mwtest.h - the few helpers every C test uses: CHECK, a page allocator, a
 * final verdict.  A test program exits 0 when every CHECK held.
 */
#ifndef MWTEST_H
#define MWTEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int mwtest_failures;

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (!(cond)) {                                                              \
            printf("%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);         \
            mwtest_failures++;                                                      \
        }                                                                           \
    } while (0)

#define CHECK_EQ(a, b)                                                              \
    do {                                                                            \
        unsigned long long mwt_a = (unsigned long long)(a);                         \
        unsigned long long mwt_b = (unsigned long long)(b);                         \
        if (mwt_a != mwt_b) {                                                       \
            printf("%s:%d: CHECK_EQ failed: %s == %llu (0x%llx), %s == %llu (0x%llx)\n", \
                   __FILE__, __LINE__, #a, mwt_a, mwt_a, #b, mwt_b, mwt_b);         \
            mwtest_failures++;                                                      \
        }                                                                           \
    } while (0)

/* A fresh read/write anonymous mapping of n pages, filled with zero. */
static inline void *mwtest_pages(size_t n)
{
    void *p = mmap(NULL, n * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        exit(2);
    }
    return p;
}

/* How many mappings the kernel holds for this process (lines of /proc/self/maps). */
static inline long mwtest_count_mappings(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    long n = 0;
    int c;
    while (f && (c = getc(f)) != EOF)
        n += c == '\n';
    if (f)
        fclose(f);
    return n;
}

static inline int mwtest_done(void)
{
    if (mwtest_failures)
        printf("%d check(s) failed\n", mwtest_failures);
    fflush(stdout);
    return mwtest_failures ? 1 : 0;
}

#endif
