/*
 * prog_exec - a JIT program that execs itself once: the first image
 * generates and calls code, then execs /proc/self/exe with the argument
 * "again"; the second image (same pid) first generates and calls the very
 * same code (at its own address), then other code.
 * For test_capture_exec_new_image_captures.sh.
 */
#include "jit.h"

int main(int argc, char **argv)
{
    int second = argc > 1 && strcmp(argv[1], "again") == 0;
    unsigned char *page = jit_map(1, PROT_READ | PROT_WRITE | PROT_EXEC);
    jit_info("image %d %d", second ? 2 : 1, (int)getpid());
    size_t n = jit_emit_ret(page, 0xe1);
    jit_info_code("code", page, n);
    printf("image %d: %#x\n", second ? 2 : 1, jit_call(page));
    fflush(stdout);
    if (second) {
        n = jit_emit_ret_add(page, 0xe2, 0x2);
        jit_info_code("code", page, n);
        printf("image 2 again: %#x\n", jit_call(page));
        return 0;
    }
    char *args[] = {argv[0], "again", NULL};
    execv("/proc/self/exe", args);
    jit_die("execv");
}
