/*
 * prog_mremap_move - a code region that moves: one RWX page A with code,
 * called; grown by mremap(MREMAP_MAYMOVE) while a guard page blocks growth
 * in place, so it moves to B; called there unchanged, then rewritten and
 * called; moved again by MREMAP_MAYMOVE|MREMAP_FIXED to C, rewritten and
 * called.  For test_capture_mremap_moves_region.sh.
 */
#include "jit.h"

int main(void)
{
    unsigned char *a = jit_map(1, PROT_READ | PROT_WRITE | PROT_EXEC);
    /* Something right after A, so that growing A cannot happen in place. */
    void *guard = mmap(a + JIT_PAGE, JIT_PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (guard == MAP_FAILED && errno != EEXIST)
        jit_die("mmap guard");
    jit_info("pid %d", (int)getpid());

    size_t n = jit_emit_ret(a, 0xa1);
    jit_info_code("code", a, n);
    printf("at A: %#x\n", jit_call(a));

    unsigned char *b = mremap(a, JIT_PAGE, 2 * JIT_PAGE, MREMAP_MAYMOVE);
    if (b == MAP_FAILED)
        jit_die("mremap to B");
    if (b == a) {
        printf("FATAL: mremap did not move\n");
        return 2;
    }
    printf("at B, unchanged: %#x\n", jit_call(b));
    n = jit_emit_ret_add(b, 0xb2, 0x2);
    jit_info_code("code", b, n);
    printf("at B, rewritten: %#x\n", jit_call(b));

    unsigned char *spot = jit_map(2, PROT_NONE);
    unsigned char *c = mremap(b, 2 * JIT_PAGE, 2 * JIT_PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, spot);
    if (c != spot)
        jit_die("mremap to C");
    n = jit_emit_ret_add2(c, 0xc3, 0x3, 0x30);
    jit_info_code("code", c, n);
    printf("at C, rewritten: %#x\n", jit_call(c));
    return 0;
}
