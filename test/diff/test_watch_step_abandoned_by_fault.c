/* Proves that a single-stepped instruction that faults for real (its handler longjmps away, so no trap ever ends the step) does not block the next single step, and that its page is watched again afterwards. */
#include <setjmp.h>
#include <signal.h>

#include "memwatch.h"
#include "mwtest.h"

static sigjmp_buf env;

static void on_segv(int sig)
{
    (void)sig;
    siglongjmp(env, 1);
}

/* mov ds, [p]: a segment load, which the engine cannot relocate and steps.
 * Two copies: the second step must be another instruction. */
static __attribute__((noinline)) int load_ds_first(volatile uint16_t *p)
{
    if (sigsetjmp(env, 1))
        return -1;
    __asm__ volatile("mov (%0), %%ds" : : "r"(p) : "memory");
    return 0;
}

static __attribute__((noinline)) int load_ds_second(volatile uint16_t *p)
{
    if (sigsetjmp(env, 1))
        return -1;
    __asm__ volatile("nop\n\tmov (%0), %%ds" : : "r"(p) : "memory");
    return 0;
}

int main(void)
{
    volatile uint16_t *a = mwtest_pages(1), *b = mwtest_pages(1);
    a[0] = 0xfff8; /* a selector beyond the GDT: loading it raises #GP */
    b[8] = 0;      /* the null selector: harmless in ds */
    b[9] = 0x1234;
    signal(SIGSEGV, on_segv);
    _watch_address((void *)a, 4096, PROT_NONE);
    _watch_address((void *)b, 4096, PROT_NONE);
    uint32_t n0 = _get_trap_count();

    /* stepped, faults for real: the handler jumps away mid-step */
    CHECK_EQ(load_ds_first(a), -1);
    /* another stepped instruction, elsewhere: it must run, not be refused
     * as a foreign fault */
    CHECK_EQ(load_ds_second(b + 8), 0);
    CHECK(_get_trap_count() > n0);
    /* both pages closed again: plain reads trap and count */
    uint32_t n1 = _get_trap_count();
    CHECK_EQ(b[9], 0x1234);
    CHECK_EQ(a[0], 0xfff8);
    CHECK_EQ(_get_trap_count() - n1, 2);

    _unwatch_address((void *)a, PROT_READ | PROT_WRITE);
    _unwatch_address((void *)b, PROT_READ | PROT_WRITE);
    return mwtest_done();
}
