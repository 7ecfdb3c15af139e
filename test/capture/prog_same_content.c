/*
 * prog_same_content - the same code written again: version X written and
 * called, the same bytes written again and called, version Y written and
 * called, version X written once more and called.
 * For test_capture_identical_content_stored_once.sh.
 */
#include "jit.h"

int main(void)
{
    unsigned char *page = jit_map(1, PROT_READ | PROT_WRITE | PROT_EXEC);
    jit_info("pid %d", (int)getpid());
    jit_info("fn %p", (void *)page);
    static const int versions[4] = {0x5a5a, 0x5a5a, 0x7b7b, 0x5a5a};
    for (int i = 0; i < 4; i++) {
        size_t n = jit_emit_ret(page, versions[i]);
        jit_info_code("code", page, n);
        printf("call %d: %#x\n", i + 1, jit_call(page));
    }
    return 0;
}
