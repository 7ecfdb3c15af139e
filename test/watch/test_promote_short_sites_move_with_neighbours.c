/* Proves promotion of sites shorter than a jump (2- and 3-byte stores
 * through a pointer, as in malloc and tight loops): the instructions after
 * the site move into the stub with it, or - where a branch lands right after
 * it - the ones before it.  The watched word's stores count exactly once
 * each, its neighbours' stores land, every site reaching the page is served
 * without faults once promoted (few silent faults), and unwatching gives the
 * code back byte for byte.
 */
#include "watch_asm.h"

struct data {
    volatile uint32_t var;
    volatile uint32_t other[7];
    char rest[4096 - 32];
};
struct data pg __attribute__((aligned(4096)));

extern const unsigned char fwd_site[], back_start[];

/* A 2-byte store, then straight-line code after it. */
__attribute__((noinline)) static uint64_t store_fwd(volatile uint32_t *p, uint32_t v)
{
    uint64_t r;
    __asm__ volatile(".globl fwd_site\n.hidden fwd_site\n"
                     "fwd_site: movl %k2, (%1)\n\t" /* 89 xx: 2 bytes */
                     "mov %1, %0\n\t"
                     "add $1, %0\n\t"
                     "add $2, %0"
                     : "=&r"(r) : "r"(p), "r"(v) : "memory", "cc");
    return r;
}

/* The store right before a branch target: only the instructions before it
 * can move with it. */
__attribute__((noinline)) static void store_back(volatile uint32_t *p, uint32_t v, uint64_t skip)
{
    __asm__ volatile("test %2, %2\n\t"
                     "jnz 2f\n\t"
                     ".globl back_start\n.hidden back_start\n"
                     "back_start: mov %0, %%rax\n\t"
                     "add $0, %%rax\n\t"
                     "movl %k1, (%%rax)\n"
                     "2:\n\t"
                     "nop"
                     : : "r"(p), "r"(v), "r"(skip) : "rax", "memory", "cc");
}

#define ROUNDS 2000

int main(void)
{
    unsigned char orig_fwd[8], orig_back[8];
    memcpy(orig_fwd, fwd_site, 8);
    memcpy(orig_back, back_start, 8); /* the back span starts before its site */
    memwatch_id_t id;
    CHECK(memwatch_watch((void *)&pg.var, 4, MEMWATCH_WRITE, NULL, NULL, &id) == 0);
    memwatch_stats_t st0;
    memwatch_get_stats(&st0);
    for (uint32_t i = 1; i <= ROUNDS; i++) {
        store_fwd(&pg.var, i);
        store_fwd(&pg.other[1], i);
        store_back(&pg.var, i + 1, 0);
        store_back(&pg.other[2], i, 0);
        store_back(&pg.var, 0, 1); /* skips the store */
    }
    uint64_t count = 0;
    CHECK(memwatch_region_count(id, &count) == 0);
    CHECK_EQ(count, 2 * ROUNDS);
    memwatch_stats_t st;
    memwatch_get_stats(&st);
    CHECK(st.silent - st0.silent <= 4 * 32); /* neighbours' faults before their sites were promoted */
    CHECK(memwatch_region_mode(id) & MEMWATCH_MODE_PROMOTED);
    CHECK(memwatch_unwatch(id) == 0);
    CHECK(memcmp(orig_fwd, fwd_site, 8) == 0);
    CHECK(memcmp(orig_back, back_start, 8) == 0);
    CHECK_EQ(pg.var, ROUNDS + 1);
    CHECK_EQ(pg.other[1], ROUNDS);
    CHECK_EQ(pg.other[2], ROUNDS);
    return mwtest_done();
}
