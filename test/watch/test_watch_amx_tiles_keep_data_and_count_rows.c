/* Proves, on a CPU with AMX, that a program may still ask for AMX after the
 * library is loaded (the kernel refuses ARCH_REQ_XCOMP_PERM while any
 * thread's alternate signal stack is too small for the larger frame), that
 * live tile registers keep their data across watched scalar and vector
 * accesses, and that tileloadd and tilestored on watched memory move the
 * right rows and count once per watch they touch, rows pages apart included.
 * test-needs: amx_tile
 */
#include <errno.h>
#include <sys/syscall.h>

#include "watch_asm.h"

#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

struct tilecfg {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} __attribute__((packed, aligned(64)));

static void tile_config(void)
{
    static struct tilecfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.palette = 1;
    for (int t = 0; t < 3; t++) {
        cfg.colsb[t] = 64;
        cfg.rows[t] = 16;
    }
    __asm__ volatile("ldtilecfg %0" : : "m"(cfg));
}

#define TLOAD(tmm, base, stride) \
    __asm__ volatile("tileloadd (%0,%1,1), %%" tmm : : "r"(base), "r"((long)(stride)) : "memory")
#define TSTORE(tmm, base, stride) \
    __asm__ volatile("tilestored %%" tmm ", (%0,%1,1)" : : "r"(base), "r"((long)(stride)) : "memory")

int main(void)
{
    long rc = syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA);
    CHECK_EQ(rc, 0);
    if (rc != 0) {
        printf("ARCH_REQ_XCOMP_PERM: %s\n", strerror(errno));
        return mwtest_done();
    }
    tile_config();

    /* tmm0 holds A while watched accesses run; it must come back intact. */
    static unsigned char a[16 * 64], out[16 * 64];
    for (unsigned i = 0; i < sizeof a; i++)
        a[i] = (unsigned char)(i * 13 + 7);
    TLOAD("tmm0", a, 64);
    unsigned char *w = mwtest_pages(1);
    _watch_address(w + 0x100, 64, PROT_NONE);
    EXPECT_TRAPS(1, __asm__ volatile("movq $5, 0x100(%0)" : : "r"(w) : "memory"));
    EXPECT_TRAPS(1, __asm__ volatile("movups 0x110(%0), %%xmm1\n\tmovups %%xmm1, 0x120(%0)" : : "r"(w)
                                     : "xmm1", "memory"));
    TSTORE("tmm0", out, 64);
    CHECK(memcmp(a, out, sizeof a) == 0);
    _unwatch_address(w + 0x100, PROT_READ | PROT_WRITE);

    /* tileloadd from watched memory: 16 rows of 64 bytes, one page; the
     * watch covers 8 bytes of row 5 and counts once. */
    unsigned char *src = mwtest_pages(1);
    for (unsigned i = 0; i < 1024; i++)
        src[i] = (unsigned char)(i ^ 0x5a);
    _watch_address(src + 5 * 64 + 8, 8, PROT_NONE);
    EXPECT_TRAPS(1, TLOAD("tmm1", src, 64));
    TSTORE("tmm1", out, 64);
    for (unsigned i = 0; i < 1024; i++)
        CHECK_EQ(out[i], (unsigned char)(i ^ 0x5a));
    _unwatch_address(src + 5 * 64 + 8, PROT_READ | PROT_WRITE);

    /* tilestored with rows a page apart: watches on rows 3 and 12 (two
     * pages), one untouched watch between the rows; each row lands. */
    unsigned char *dst = mwtest_pages(16);
    memwatch_id_t r3, r12, gap;
    CHECK(memwatch_watch(dst + 3 * PAGE, 64, MEMWATCH_WRITE, NULL, NULL, &r3) == 0);
    CHECK(memwatch_watch(dst + 12 * PAGE, 8, MEMWATCH_WRITE, NULL, NULL, &r12) == 0);
    CHECK(memwatch_watch(dst + 12 * PAGE + 256, 8, MEMWATCH_WRITE, NULL, NULL, &gap) == 0);
    EXPECT_TRAPS(1, TSTORE("tmm1", dst, PAGE));
    uint64_t c3 = 0, c12 = 0, cgap = 0;
    memwatch_region_count(r3, &c3);
    memwatch_region_count(r12, &c12);
    memwatch_region_count(gap, &cgap);
    CHECK_EQ(c3, 1);
    CHECK_EQ(c12, 1);
    CHECK_EQ(cgap, 0);
    memwatch_unwatch(r3);
    memwatch_unwatch(r12);
    memwatch_unwatch(gap);
    for (unsigned r = 0; r < 16; r++)
        CHECK(memcmp(dst + r * PAGE, src + r * 64, 64) == 0);
    __asm__ volatile("tilerelease");
    return mwtest_done();
}
