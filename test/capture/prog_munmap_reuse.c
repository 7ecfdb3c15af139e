/*
 * prog_munmap_reuse - code at A, called; A unmapped and a new RWX mapping
 * made at the same address (MAP_FIXED), new code, called; then a third RWX
 * mapping put over the live second one (MAP_FIXED, no munmap), new code,
 * called.  For test_capture_munmap_reuse_new_region.sh.
 */
#include "jit.h"

int main(void)
{
    const int rwx = PROT_READ | PROT_WRITE | PROT_EXEC;
    unsigned char *a = jit_map(1, rwx);
    jit_info("pid %d", (int)getpid());

    size_t n = jit_emit_ret(a, 0x101);
    jit_info_code("code", a, n);
    printf("first mapping: %#x\n", jit_call(a));

    if (munmap(a, JIT_PAGE) != 0)
        jit_die("munmap");
    if (mmap(a, JIT_PAGE, rwx, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != a)
        jit_die("mmap at the old address");
    n = jit_emit_ret_add(a, 0x202, 0x2);
    jit_info_code("code", a, n);
    printf("after munmap and reuse: %#x\n", jit_call(a));

    if (mmap(a, JIT_PAGE, rwx, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != a)
        jit_die("mmap over the live mapping");
    n = jit_emit_ret_add2(a, 0x303, 0x3, 0x30);
    jit_info_code("code", a, n);
    printf("after MAP_FIXED over it: %#x\n", jit_call(a));
    return 0;
}
