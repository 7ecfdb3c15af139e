/*
 * prog_huge_reserve - code and a watched variable inside 4 GiB reservations,
 * while the program names the whole reservation in its calls:
 *   1. reserve 4 GiB PROT_NONE; make 2 pages 1 GiB in read+write+execute,
 *      run code there (capture); make a page 3 GiB in read+write and watch
 *      8 bytes of it (when the library is there: dlsym);
 *   2. mprotect the whole 4 GiB read+write: the code pages are written, made
 *      executable again and run (capture); the watched bytes are stored to;
 *   3. mprotect the whole 4 GiB PROT_NONE, then the code pages
 *      read+write+execute again: new code, run (capture);
 *   4. mremap the whole 4 GiB onto a second reservation: the code moves with
 *      its region; new code, run at the new place (capture);
 *   5. munmap the whole 4 GiB; map one read+write+execute page anywhere, run
 *      code there (capture, a new region).
 * Each run's code goes to the info file ("code ADDR HEX"), the trap count
 * after each store to the watched bytes too ("traps N").
 * For test_capture_huge_reservations_keep_tracked_pages.sh.
 */
#include "jit.h"

#include <dlfcn.h>

#define GIB (1UL << 30)
#define RESERVE (4 * GIB)

static void (*watch_address)(void *, size_t, int);
static uint32_t (*trap_count)(void);

static void write_code(unsigned char *at, int32_t v, int32_t a)
{
    size_t n = jit_emit_ret_add(at, v, a);
    jit_info_code("code", at, n);
}

static void run(unsigned char *at, int32_t v, int32_t a)
{
    write_code(at, v, a);
    printf("%#x\n", jit_call(at));
}

static void store(volatile uint64_t *p, uint64_t v)
{
    *p = v;
    if (trap_count)
        jit_info("traps %u", trap_count());
}

static char *reserve(void)
{
    char *r = mmap(NULL, RESERVE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED)
        jit_die("mmap 4 GiB");
    return r;
}

static void protect(void *p, size_t len, int prot)
{
    if (mprotect(p, len, prot) != 0)
        jit_die("mprotect");
}

int main(void)
{
    watch_address = (void (*)(void *, size_t, int))dlsym(RTLD_DEFAULT, "_watch_address");
    trap_count = (uint32_t(*)(void))dlsym(RTLD_DEFAULT, "_get_trap_count");
    jit_info("pid %d", (int)getpid());
    char *r = reserve();
    unsigned char *code = (unsigned char *)r + GIB + 123 * JIT_PAGE;
    volatile uint64_t *var = (volatile uint64_t *)(r + 3 * GIB + 64);

    protect(code, 2 * JIT_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC);
    jit_info("region %p", (void *)code);
    run(code, 0x1000, 1);
    protect((void *)var - 64, JIT_PAGE, PROT_READ | PROT_WRITE);
    if (watch_address)
        watch_address((void *)var, 8, PROT_NONE);
    store(var, 1);

    protect(r, RESERVE, PROT_READ | PROT_WRITE);
    write_code(code + JIT_PAGE, 0x2000, 2); /* written while read+write... */
    protect(code, 2 * JIT_PAGE, PROT_READ | PROT_EXEC);
    printf("%#x\n", jit_call(code + JIT_PAGE)); /* ...run once executable */
    store(var, 2);

    protect(r, RESERVE, PROT_NONE);
    protect(code, 2 * JIT_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC);
    run(code, 0x3000, 3);

    char *to = reserve();
    char *moved = mremap(r, RESERVE, RESERVE, MREMAP_MAYMOVE | MREMAP_FIXED, to);
    if (moved != to)
        jit_die("mremap");
    unsigned char *code2 = code - (unsigned char *)r + (unsigned char *)moved;
    jit_info("moved %p", (void *)code2);
    run(code2, 0x4000, 4);

    if (munmap(moved, RESERVE) != 0)
        jit_die("munmap");
    unsigned char *fresh = jit_map(1, PROT_READ | PROT_WRITE | PROT_EXEC);
    jit_info("fresh %p", (void *)fresh);
    run(fresh, 0x5000, 5);
    return 0;
}
