/* Proves `rep stosq` into a watched page (4096 and 64 bytes, zero count, and across pages with watched pages between unwatched ones) stores every qword and counts exactly once per instruction. */
#include "watch_asm.h"

static void rep_stosq(void *dst, uint64_t v, size_t n)
{
    __asm__ volatile("rep stosq" : "+D"(dst), "+c"(n) : "a"(v) : "memory");
}

static int all_q(const void *p, uint64_t v, size_t n)
{
    const uint64_t *q = p;
    for (size_t i = 0; i < n; i++)
        if (q[i] != v)
            return 0;
    return 1;
}

int main(void)
{
    unsigned char *w = mwtest_pages(1);
    _watch_address(w, PAGE, PROT_NONE);
    EXPECT_TRAPS(1, rep_stosq(w, 0x0123456789abcdefULL, PAGE / 8));
    EXPECT_TRAPS(1, rep_stosq(w + 0x40, 0x5555aaaa5555aaaaULL, 8));
    EXPECT_TRAPS(0, rep_stosq(w + 0x80, 0x77, 0)); /* no element: no access */
    void *d = w + 0x200;
    size_t n = 3;
    EXPECT_TRAPS(1, __asm__ volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(9UL) : "memory"));
    CHECK(d == w + 0x218);
    CHECK_EQ(n, 0);
    _unwatch_address(w, PROT_READ | PROT_WRITE);
    CHECK(all_q(w, 0x0123456789abcdefULL, 8));
    CHECK(all_q(w + 0x40, 0x5555aaaa5555aaaaULL, 8));
    CHECK(all_q(w + 0x80, 0x0123456789abcdefULL, 0x180 / 8));
    CHECK(all_q(w + 0x200, 9, 3));
    CHECK(all_q(w + 0x218, 0x0123456789abcdefULL, (PAGE - 0x218) / 8));

    /* five pages, pages 1 and 3 watched by two watches: one count */
    unsigned char *five = mwtest_pages(5);
    _watch_address(five + PAGE, PAGE, PROT_NONE);
    _watch_address(five + 3 * PAGE, PAGE, PROT_NONE);
    EXPECT_TRAPS(1, rep_stosq(five, 0xfeedfacecafebeefULL, 5 * PAGE / 8));
    _unwatch_address(five + PAGE, PROT_READ | PROT_WRITE);
    _unwatch_address(five + 3 * PAGE, PROT_READ | PROT_WRITE);
    CHECK(all_q(five, 0xfeedfacecafebeefULL, 5 * PAGE / 8));
    return mwtest_done();
}
