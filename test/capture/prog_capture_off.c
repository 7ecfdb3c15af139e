/*
 * prog_capture_off - code made the two usual ways (an RWX page rewritten
 * and called twice; a read+write page made read+execute and called), and
 * the protection each page really has, read from /proc/self/maps, printed
 * with the results.  For test_capture_disabled_leaves_code_alone.sh.
 */
#include "jit.h"

static void perms(const char *what, void *p)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    unsigned long lo, hi;
    char prot[8];
    if (!f)
        jit_die("/proc/self/maps");
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, prot) == 3 && lo <= (unsigned long)p && (unsigned long)p < hi)
            printf("%s page is %s\n", what, prot);
    fclose(f);
}

int main(void)
{
    unsigned char *rwx = jit_map(1, PROT_READ | PROT_WRITE | PROT_EXEC);
    jit_info("pid %d", (int)getpid());
    jit_emit_ret(rwx, 0x0ff1);
    printf("rwx version 1: %#x\n", jit_call(rwx));
    perms("rwx", rwx);
    jit_emit_ret_add(rwx, 0x0ff2, 2);
    printf("rwx version 2: %#x\n", jit_call(rwx));
    perms("rwx", rwx);

    unsigned char *rx = jit_map(1, PROT_READ | PROT_WRITE);
    jit_emit_ret(rx, 0x0ff3);
    if (mprotect(rx, JIT_PAGE, PROT_READ | PROT_EXEC) != 0)
        jit_die("mprotect");
    perms("rx", rx);
    printf("rx: %#x\n", jit_call(rx));
    perms("rx", rx);
    return 0;
}
