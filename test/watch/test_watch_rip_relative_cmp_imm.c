/* Proves `cmp dword ptr [rip+d], imm32` on a watched global sets the flags as the CPU would (read back by setcc into registers) and counts once. */
#include "watch_asm.h"

char rip_cmp_page[PAGE] __attribute__((aligned(PAGE)));

struct flags { uint8_t e, b, l; };

/* cmp [var], 0x12345678, then sete/setb/setl into registers */
static struct flags cmp_var(void)
{
    uint8_t e, b, l;
    __asm__ volatile("cmpl $0x12345678, rip_cmp_page+64(%%rip)\n\tsete %0\n\tsetb %1\n\tsetl %2"
                     : "=q"(e), "=q"(b), "=q"(l) : : "cc", "memory");
    return (struct flags){e, b, l};
}

int main(void)
{
    volatile uint32_t *var = (volatile uint32_t *)(rip_cmp_page + 64);
    struct flags f;

    *var = 0x12345678;
    _watch_address(rip_cmp_page + 64, 4, PROT_NONE);
    EXPECT_TRAPS(1, f = cmp_var());
    CHECK_EQ(f.e, 1);
    CHECK_EQ(f.b, 0);
    CHECK_EQ(f.l, 0);
    _unwatch_address(rip_cmp_page + 64, PROT_READ | PROT_WRITE);

    *var = 0x10000000; /* below, unsigned and signed */
    _watch_address(rip_cmp_page + 64, 4, PROT_NONE);
    EXPECT_TRAPS(1, f = cmp_var());
    CHECK_EQ(f.e, 0);
    CHECK_EQ(f.b, 1);
    CHECK_EQ(f.l, 1);
    _unwatch_address(rip_cmp_page + 64, PROT_READ | PROT_WRITE);

    *var = 0x80000000u; /* above unsigned, below signed */
    _watch_address(rip_cmp_page + 64, 4, PROT_NONE);
    EXPECT_TRAPS(1, f = cmp_var());
    CHECK_EQ(f.e, 0);
    CHECK_EQ(f.b, 0);
    CHECK_EQ(f.l, 1);
    /* the cmp wrote nothing */
    _unwatch_address(rip_cmp_page + 64, PROT_READ | PROT_WRITE);
    CHECK_EQ(*var, 0x80000000u);
    return mwtest_done();
}
