/* Proves a watched 64-byte malloc'd object counts exactly its own accesses, with right values, while the program keeps calling malloc, free and printf (heap metadata and stdio on the same pages run silently). */
#include "watch_asm.h"

#define ROUNDS 500

int main(void)
{
    uint64_t *obj = malloc(64);
    CHECK(obj != NULL);
    memset(obj, 0, 64);
    void *keep[ROUNDS];
    _watch_address(obj, 64, PROT_NONE);

    uint32_t t0 = _get_trap_count();
    unsigned expected = 0;
    for (int i = 0; i < ROUNDS; i++) {
        char *a = malloc(16 + (size_t)(i % 7) * 8);
        char *b = malloc(100);
        memset(a, i & 0xff, 16);
        memset(b, 0x5a, 100);
        free(b);
        keep[i] = a;
        wa_st64(&obj[i % 8], (uint64_t)i);             /* 1 */
        uint64_t back = wa_ld64(&obj[i % 8]);          /* 1 */
        __asm__ volatile("lock incq (%0)" : : "r"(&obj[7]) : "cc", "memory"); /* 1 */
        expected += 3;
        CHECK_EQ(back, (uint64_t)i);
        printf("round %d: %p %llu\n", i, (void *)a, (unsigned long long)back);
        if (i % 50 == 49) {
            for (int j = i - 49; j <= i; j += 2) {
                free(keep[j]);
                keep[j] = NULL;
            }
        }
    }
    fflush(stdout);
    CHECK_EQ(_get_trap_count() - t0, expected);

    _unwatch_address(obj, PROT_READ | PROT_WRITE);
    for (int k = 0; k < 7; k++) {
        int last = k;
        while (last + 8 < ROUNDS)
            last += 8;
        CHECK_EQ(obj[k], (uint64_t)last);
    }
    CHECK_EQ(obj[7], 495 + 5); /* last stored in round 495, incremented in rounds 495..499 */
    for (int i = 0; i < ROUNDS; i++) {
        if (!keep[i])
            continue;
        char *a = keep[i];
        for (int j = 0; j < 16; j++)
            CHECK_EQ((unsigned char)a[j], i & 0xff);
        free(a);
    }
    free(obj);
    return mwtest_done();
}
