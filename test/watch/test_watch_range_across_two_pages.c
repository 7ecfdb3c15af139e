/* Proves a watched range spanning two pages (MemWatcher scenario) counts accesses on either page and one straddling both once, and nothing outside it. */
#include "watch_asm.h"

int main(void)
{
    unsigned char *p = mwtest_pages(3);
    _watch_address(p + 4000, 200, PROT_NONE); /* [4000, 4200): 96 bytes on page 0, 104 on page 1 */

    EXPECT_TRAPS(1, wa_st32(p + 4000, 0xa));
    EXPECT_TRAPS(1, wa_st32(p + 4196, 0xb));
    EXPECT_TRAPS(1, wa_st64(p + 4092, 0x1122334455667788ULL)); /* straddles the page boundary */
    EXPECT_TRAPS(0, wa_st32(p + 3000, 0xc));
    EXPECT_TRAPS(0, wa_st32(p + 4200, 0xd));
    EXPECT_TRAPS(0, wa_st32(p + 2 * PAGE + 8, 0xe)); /* the third page is not watched at all */
    uint64_t v = 0;
    EXPECT_TRAPS(1, v = wa_ld64(p + 4092));
    CHECK_EQ(v, 0x1122334455667788ULL);
    EXPECT_TRAPS(1, v = wa_ld32(p + 4196));
    CHECK_EQ(v, 0xb);

    _unwatch_address(p + 4000, PROT_READ | PROT_WRITE);
    CHECK_EQ(*(uint32_t *)(p + 4000), 0xa);
    CHECK_EQ(*(uint32_t *)(p + 3000), 0xc);
    CHECK_EQ(*(uint32_t *)(p + 4200), 0xd);
    CHECK_EQ(*(uint32_t *)(p + 2 * PAGE + 8), 0xe);
    EXPECT_TRAPS(0, wa_st32(p + 4100, 1));
    return mwtest_done();
}
