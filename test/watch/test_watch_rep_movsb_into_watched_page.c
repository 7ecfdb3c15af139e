/* Proves `rep movsb` into a watched page (whole page, a short run, backwards, and across unwatched/watched/unwatched pages) copies every byte and counts exactly once per instruction. */
#include "watch_asm.h"

static void rep_movsb(void *dst, const void *src, size_t n)
{
    __asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

static void rep_movsb_down(void *dst_last, const void *src_last, size_t n)
{
    __asm__ volatile("std\n\trep movsb\n\tcld" : "+D"(dst_last), "+S"(src_last), "+c"(n) : : "cc", "memory");
}

int main(void)
{
    unsigned char *src = mwtest_pages(3);
    for (int i = 0; i < 3 * PAGE; i++)
        src[i] = (unsigned char)(i * 7 + 1);

    unsigned char *w = mwtest_pages(1);
    _watch_address(w, PAGE, PROT_NONE);
    EXPECT_TRAPS(1, rep_movsb(w, src, PAGE));
    EXPECT_TRAPS(1, rep_movsb(w + 0x10, src + 0x800, 64));
    EXPECT_TRAPS(1, rep_movsb_down(w + 0x7ff, src + 0x2ff, 100)); /* w[0x79c..0x7ff] = src[0x29c..0x2ff] */
    /* registers after: rdi, rsi advanced, rcx zero */
    void *d = w + 0x100, *s = src;
    size_t n = 33;
    EXPECT_TRAPS(1, __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory"));
    CHECK(d == w + 0x121);
    CHECK(s == src + 33);
    CHECK_EQ(n, 0);
    _unwatch_address(w, PROT_READ | PROT_WRITE);
    CHECK(memcmp(w + 0x10, src + 0x800, 64) == 0);
    CHECK(memcmp(w, src, 0x10) == 0);
    CHECK(memcmp(w + 0x50, src + 0x50, 0x100 - 0x50) == 0);
    CHECK(memcmp(w + 0x100, src, 33) == 0);
    CHECK(memcmp(w + 0x79c, src + 0x29c, 100) == 0);
    CHECK(memcmp(w + 0x800, src + 0x800, PAGE - 0x800) == 0);

    /* three pages, only the middle one watched: one instruction, one count */
    unsigned char *three = mwtest_pages(3);
    _watch_address(three + PAGE, PAGE, PROT_NONE);
    EXPECT_TRAPS(1, rep_movsb(three, src, 3 * PAGE));
    _unwatch_address(three + PAGE, PROT_READ | PROT_WRITE);
    CHECK(memcmp(three, src, 3 * PAGE) == 0);

    /* into the watched page but outside the watched range: silent */
    unsigned char *sub = mwtest_pages(1);
    _watch_address(sub + 0x800, 16, PROT_NONE);
    EXPECT_TRAPS(0, rep_movsb(sub, src, 0x800));
    EXPECT_TRAPS(1, rep_movsb(sub + 0x7f0, src, 0x11)); /* last byte reaches the range */
    _unwatch_address(sub + 0x800, PROT_READ | PROT_WRITE);
    CHECK(memcmp(sub, src, 0x7f0) == 0);
    CHECK(memcmp(sub + 0x7f0, src, 0x11) == 0);
    CHECK_EQ(sub[0x801], 0);
    return mwtest_done();
}
