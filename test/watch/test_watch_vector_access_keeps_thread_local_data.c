/* Proves that watched SSE, AVX and (where the CPU has it) AVX-512 loads and
 * stores, on the main thread and on a second thread, leave every byte of the
 * threads' own state alone: their thread-local variables, and the thread
 * control block's self pointer at fs:0 (what libc follows to find errno and
 * its own thread state) - which an XSAVE of more state than the signal frame
 * holds once overwrote.
 * test-cflags: -mavx
 */
#include <asm/prctl.h>
#include <cpuid.h>
#include <errno.h>
#include <pthread.h>
#include <sys/syscall.h>

#include "watch_asm.h"

static __thread volatile uint64_t tls_canary[256];

static int has_avx512(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & (1u << 16)))
        return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 0xe6) == 0xe6;
}

static uint64_t fs0(void)
{
    uint64_t v;
    __asm__ volatile("movq %%fs:0, %0" : "=r"(v));
    return v;
}

static int accesses(unsigned char *p, uint64_t seed)
{
    unsigned char buf[64];
    int fails = 0;
    uint64_t base = 0;
    syscall(SYS_arch_prctl, ARCH_GET_FS, &base);
    for (unsigned i = 0; i < 256; i++)
        tls_canary[i] = seed ^ (i * 0x9e3779b97f4a7c15ULL);
    for (int round = 0; round < 50; round++) {
        __asm__ volatile("movups (%0), %%xmm3\n\tmovups %%xmm3, 16(%0)" : : "r"(p) : "xmm3", "memory");
        __asm__ volatile("vmovdqu (%0), %%ymm4\n\tvmovdqu %%ymm4, 32(%0)\n\tvzeroupper" : : "r"(p + 64)
                         : "xmm4", "memory");
        if (has_avx512())
            __asm__ volatile(".byte 0x62,0xf1,0xfe,0x48,0x6f,0x00\n\t"     /* vmovdqu64 zmm0, [rax] */
                             ".byte 0x62,0xf1,0xfe,0x48,0x7f,0x40,0x01\n\t" /* vmovdqu64 [rax+64], zmm0 */
                             "vzeroupper"
                             : : "a"(p + 128) : "xmm0", "memory");
        memcpy(buf, p + 128, 64); /* libc's own vector copy, on the watched page */
        (void)buf;
    }
    for (unsigned i = 0; i < 256; i++)
        fails += tls_canary[i] != (seed ^ (i * 0x9e3779b97f4a7c15ULL));
    fails += fs0() != base;
    return fails;
}

static unsigned char *page;

static void *second(void *arg)
{
    (void)arg;
    return (void *)(intptr_t)accesses(page + 2048, 0x5555aaaa5555aaaaULL);
}

int main(void)
{
    page = mwtest_pages(1);
    _watch_address(page, 4096, PROT_NONE);
    CHECK_EQ(accesses(page, 0x0123456789abcdefULL), 0);
    pthread_t th;
    void *r = (void *)1;
    CHECK(pthread_create(&th, NULL, second, NULL) == 0);
    CHECK(pthread_join(th, &r) == 0);
    CHECK(r == NULL);
    CHECK(_get_trap_count() > 0);
    errno = 0;
    CHECK(close(-1) == -1 && errno == EBADF); /* libc's thread state still works */
    _unwatch_address(page, PROT_READ | PROT_WRITE);
    return mwtest_done();
}
