/* Proves `rep movsb` out of a watched page (whole page, a short run, and watched page to watched page) copies every byte and counts exactly once per instruction. */
#include "watch_asm.h"

static void rep_movsb(void *dst, const void *src, size_t n)
{
    __asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

int main(void)
{
    unsigned char *w = mwtest_pages(2);
    for (int i = 0; i < 2 * PAGE; i++)
        w[i] = (unsigned char)(i * 13 + 5);
    unsigned char *copy = mwtest_pages(2);
    memcpy(copy, w, 2 * PAGE);
    unsigned char *dst = mwtest_pages(2);

    _watch_address(w, PAGE, PROT_NONE);
    EXPECT_TRAPS(1, rep_movsb(dst, w, PAGE));
    CHECK(memcmp(dst, copy, PAGE) == 0);
    EXPECT_TRAPS(1, rep_movsb(dst + 0x1000, w + 0x7f8, 0x40));
    CHECK(memcmp(dst + 0x1000, copy + 0x7f8, 0x40) == 0);
    /* from the watched page into the next, unwatched one: still one */
    EXPECT_TRAPS(1, rep_movsb(dst, w + 0xf00, 0x200));
    CHECK(memcmp(dst, copy + 0xf00, 0x200) == 0);

    /* watched to watched (two watches): one instruction, one count */
    _watch_address(w + PAGE, PAGE, PROT_NONE);
    EXPECT_TRAPS(1, rep_movsb(w + PAGE, w, 0x300));
    _unwatch_address(w + PAGE, PROT_READ | PROT_WRITE);
    _unwatch_address(w, PROT_READ | PROT_WRITE);
    CHECK(memcmp(w, copy, PAGE) == 0);
    CHECK(memcmp(w + PAGE, copy, 0x300) == 0);
    CHECK(memcmp(w + PAGE + 0x300, copy + PAGE + 0x300, PAGE - 0x300) == 0);
    return mwtest_done();
}
