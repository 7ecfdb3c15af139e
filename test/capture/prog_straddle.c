/*
 * prog_straddle - a function across a page boundary: 15 nops at the end of
 * page 1, then `mov eax, imm32` whose opcode is page 1's last byte and whose
 * immediate and the `ret` after it are on page 2.
 *   phase 1: the whole function written (both pages), called;
 *   phase 2: only the immediate rewritten (page 2 only), called - the fetch
 *            that faults is the second half of the straddling instruction;
 *   phase 3: only the nops rewritten as other one-byte no-ops (page 1 only),
 *            called;
 *   phase 4: one 8-byte store across the boundary (the last three no-ops,
 *            the opcode, the new immediate), called.
 * After each phase the function's bytes go to the info file.
 * For test_capture_code_straddles_pages.sh.
 */
#include "jit.h"

#define FN_OFF (JIT_PAGE - 16)
#define FN_LEN 21

int main(void)
{
    unsigned char *a = jit_map(2, PROT_READ | PROT_WRITE | PROT_EXEC);
    unsigned char *fn = a + FN_OFF;
    jit_info("pid %d", (int)getpid());
    jit_info("base %p", (void *)a);
    jit_info("fn %p", (void *)fn);

    memset(fn, 0x90, 15);
    jit_emit_ret(fn + 15, 0x11111111);
    jit_info_code("code", fn, FN_LEN);
    printf("phase 1: %#x\n", jit_call(fn));

    int32_t imm = 0x22222222;
    memcpy(fn + 16, &imm, 4); /* page 2 only */
    jit_info_code("code", fn, FN_LEN);
    printf("phase 2: %#x\n", jit_call(fn));

    for (int i = 0; i < 15; i++)
        fn[i] = i % 2 ? 0xfc : 0xf8; /* cld, clc: page 1 only */
    jit_info_code("code", fn, FN_LEN);
    printf("phase 3: %#x\n", jit_call(fn));

    uint64_t across;
    const unsigned char tail[8] = {0x90, 0x90, 0x90, 0xb8, 0x44, 0x44, 0x44, 0x44};
    memcpy(&across, tail, 8);
    *(volatile uint64_t *)(void *)(fn + 12) = across; /* bytes 4092..4099: both pages at once */
    jit_info_code("code", fn, FN_LEN);
    printf("phase 4: %#x\n", jit_call(fn));
    return 0;
}
