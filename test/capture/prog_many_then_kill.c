/*
 * prog_many_then_kill N - a JIT that makes N captures and then kills itself
 * with SIGKILL (no handler, no exit code of any kind runs).  N times a new
 * version: a function written into one RWX page and called at once; every
 * fourth version also writes a function on the second page and calls it
 * through a jump at the end of the first (one 8 KiB capture).  Each write
 * is logged ("write ADDR HEX"), then each call ("call I ADDR").
 * For test_capture_killed_by_sigkill_loses_nothing.sh.
 */
#include "jit.h"

#include <signal.h>

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 500;
    unsigned char *page = jit_map(2, PROT_READ | PROT_WRITE | PROT_EXEC);
    jit_info("pid %d", (int)getpid());
    jit_info("region %p", (void *)page);
    long sum = 0;
    for (int i = 0; i < n; i++) {
        unsigned char *entry = page;
        if (i % 4 == 3) {
            unsigned char *far = page + JIT_PAGE, *jmp = page + JIT_PAGE - 5;
            jit_info_code("write", far, jit_emit_ret_add(far, 0x700000 + i, i));
            int32_t rel = (int32_t)(far - (jmp + 5));
            jmp[0] = 0xe9;
            memcpy(jmp + 1, &rel, 4);
            jit_info_code("write", jmp, 5);
            entry = jmp;
        } else {
            jit_info_code("write", page, jit_emit_ret(page, 0x500000 + i));
        }
        jit_info("call %d %p", i, (void *)entry);
        sum += jit_call(entry);
    }
    printf("sum %ld\n", sum);
    fflush(stdout);
    raise(SIGKILL);
    return 1;
}
