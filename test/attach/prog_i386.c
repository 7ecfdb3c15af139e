/*
 * prog_i386 - a 32-bit x86 program (built with -m32 -nostdlib, no C
 * library needed): sleeps 50 times 20 ms with the i386 nanosleep, then
 * exits with 7.  For test_attach_failures_are_clear_and_harmless.sh.
 */
void _start(void);

void _start(void)
{
    struct {
        long sec, nsec;
    } ts = {0, 20000000};
    long r;
    for (int i = 0; i < 50; i++)
        __asm__ volatile("int $0x80" : "=a"(r) : "a"(162 /* nanosleep */), "b"(&ts), "c"(0) : "memory");
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(1 /* exit */), "b"(7));
    for (;;)
        ;
}
