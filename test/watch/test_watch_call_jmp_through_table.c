/* Proves `call [m]` and `jmp [m]` through a function table on a watched page reach the right target and count the table read exactly once. */
#include "watch_asm.h"

/* Targets in asm: they set eax and return (call) or jump back through rdx (jmp);
 * tbl_fn_ra returns its own return address. */
__asm__(".pushsection .text\n"
        "tbl_fn_a: movl $0x1111, %eax\n\tret\n"
        "tbl_fn_b: movl $0x2222, %eax\n\tret\n"
        "tbl_jmp_c: movl $0x3333, %eax\n\tjmp *%rdx\n"
        "tbl_fn_ra: movq (%rsp), %rax\n\tret\n"
        ".popsection\n");
extern char tbl_fn_a[], tbl_fn_b[], tbl_jmp_c[], tbl_fn_ra[];

int main(void)
{
    void **tbl = mwtest_pages(1);
    tbl[0] = tbl_fn_a;
    tbl[1] = tbl_fn_b;
    tbl[2] = tbl_jmp_c;
    _watch_address(tbl, 3 * sizeof(void *), PROT_NONE);

    uint64_t ax = 0;
    /* The call pushes on the program's own (unwatched) stack, below the red zone. */
    EXPECT_TRAPS(1, __asm__ volatile("lea -128(%%rsp), %%rsp\n\tcall *(%1)\n\tlea 128(%%rsp), %%rsp"
                                     : "=a"(ax) : "r"(tbl) : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "cc", "memory"));
    CHECK_EQ(ax, 0x1111);
    /* base + index*8 form */
    EXPECT_TRAPS(1, __asm__ volatile("lea -128(%%rsp), %%rsp\n\tcall *(%1,%2,8)\n\tlea 128(%%rsp), %%rsp"
                                     : "=a"(ax) : "r"(tbl), "r"(1L) : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "cc", "memory"));
    CHECK_EQ(ax, 0x2222);
    /* the return address pushed is the instruction after the call */
    uint64_t ret_seen = 0, ret_want = 0;
    tbl[3] = tbl_fn_ra;
    _watch_address(tbl + 3, 8, PROT_NONE);
    EXPECT_TRAPS(1, __asm__ volatile("lea -128(%%rsp), %%rsp\n\tlea 1f(%%rip), %1\n\tcall *24(%2)\n1:\tlea 128(%%rsp), %%rsp"
                                     : "=a"(ret_seen), "=&r"(ret_want) : "r"(tbl) : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "cc", "memory"));
    CHECK_EQ(ret_seen, ret_want);
    /* jmp [m]: lands on tbl_jmp_c, which jumps back to label 1 */
    EXPECT_TRAPS(1, __asm__ volatile("lea 1f(%%rip), %%rdx\n\tjmp *16(%1)\n1:"
                                     : "=a"(ax) : "r"(tbl) : "rdx", "cc", "memory"));
    CHECK_EQ(ax, 0x3333);
    /* the table is intact */
    EXPECT_TRAPS(1, ax = wa_ld64(&tbl[0]));
    CHECK(ax == (uint64_t)(uintptr_t)tbl_fn_a);
    return mwtest_done();
}
