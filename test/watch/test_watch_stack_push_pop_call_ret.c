/* Proves push/pop/call/ret (and pushfq/popfq, an rsp-based mov) on a watched stack page give the right values and registers and count once each. */
#include "watch_asm.h"

int main(void)
{
    /* a two-page stack; the upper page is watched */
    unsigned char *stk = mwtest_pages(2);
    unsigned char *top = stk + 2 * PAGE;
    _watch_address(stk + PAGE, PAGE, PROT_NONE);

    uint64_t c = 0, d = 0, ra_seen = 0, ra_want = 0, f = 0;
    /* r15 holds the program's rsp meanwhile. 2 pushes, 2 pops, call (push), mov (%rsp), ret: 7 */
    EXPECT_TRAPS(7, __asm__ volatile(
        "mov %%rsp, %%r15\n\t"
        "mov %[top], %%rsp\n\t"
        "push %[a]\n\t"
        "push %[b]\n\t"
        "pop %[c]\n\t"
        "pop %[d]\n\t"
        "lea 2f(%%rip), %[want]\n\t"
        "call 1f\n"
        "2:\tjmp 3f\n"
        "1:\tmov (%%rsp), %[seen]\n\t"
        "ret\n"
        "3:\tmov %%r15, %%rsp"
        : [c] "=&r"(c), [d] "=&r"(d), [seen] "=&r"(ra_seen), [want] "=&r"(ra_want)
        : [top] "r"(top), [a] "r"(0x1234UL), [b] "r"(0x5678UL)
        : "r15", "memory"));
    CHECK_EQ(c, 0x5678);
    CHECK_EQ(d, 0x1234);
    CHECK_EQ(ra_seen, ra_want);

    /* push imm, push [mem] from an unwatched source, pushfq/popfq, pop [mem]: 5 (+ none for the unwatched sides) */
    uint64_t src = 0xabcdef, dst = 0;
    EXPECT_TRAPS(5, __asm__ volatile(
        "mov %%rsp, %%r15\n\t"
        "mov %[top], %%rsp\n\t"
        "pushq $-7\n\t"
        "pushq (%[src])\n\t"
        "stc\n\t"
        "pushfq\n\t"
        "popfq\n\t"
        "popq (%[dst])\n\t"
        "mov %%r15, %%rsp\n\t"
        "setc %b[f]"
        : [f] "+q"(f)
        : [top] "r"(top), [src] "r"(&src), [dst] "r"(&dst)
        : "r15", "cc", "memory"));
    CHECK_EQ(dst, 0xabcdef);
    CHECK_EQ(f & 0xff, 1);

    /* on the lower, unwatched page the same instructions run natively */
    EXPECT_TRAPS(0, __asm__ volatile(
        "mov %%rsp, %%r15\n\t"
        "mov %[mid], %%rsp\n\t"
        "push %[a]\n\t"
        "pop %[c]\n\t"
        "mov %%r15, %%rsp"
        : [c] "=&r"(c)
        : [mid] "r"(stk + PAGE), [a] "r"(0x99UL)
        : "r15", "memory"));
    CHECK_EQ(c, 0x99);

    _unwatch_address(stk + PAGE, PROT_READ | PROT_WRITE);
    uint64_t *q = (uint64_t *)top;
    CHECK_EQ(q[-1], 0xfffffffffffffff9ULL); /* the pushq $-7, over the first push */
    CHECK_EQ(q[-2], 0xabcdef);
    CHECK_EQ(q[-3] & 1, 1);                 /* pushed flags: CF */
    CHECK_EQ(*(uint64_t *)(stk + PAGE - 8), 0x99);
    return mwtest_done();
}
