/*
 * prog_mprotect_cycle - the RW -> RX -> RW -> RX cycle a careful JIT uses:
 * mmap read+write, write code, mprotect read+execute, call; mprotect
 * read+write, rewrite, mprotect read+execute, call.
 * For test_capture_mprotect_cycle.sh.
 */
#include "jit.h"

static void protect(void *p, int prot)
{
    errno = 0;
    int rc = mprotect(p, JIT_PAGE, prot);
    printf("mprotect -> %d errno %d\n", rc, errno);
    if (rc != 0)
        jit_die("mprotect");
}

int main(void)
{
    unsigned char *page = jit_map(1, PROT_READ | PROT_WRITE);
    jit_info("pid %d", (int)getpid());
    jit_info("fn %p", (void *)page);

    size_t n = jit_emit_ret(page, 0x1111);
    jit_info_code("code", page, n);
    protect(page, PROT_READ | PROT_EXEC);
    printf("version 1 returns %#x\n", jit_call(page));

    protect(page, PROT_READ | PROT_WRITE);
    n = jit_emit_ret_add(page, 0x2222, 0x2);
    jit_info_code("code", page, n);
    protect(page, PROT_READ | PROT_EXEC);
    printf("version 2 returns %#x\n", jit_call(page));
    return 0;
}
