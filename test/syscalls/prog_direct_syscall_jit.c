/* A JIT that makes its code memory with raw system calls (no libc mmap or
 * mprotect), the way static binaries and Go programs do: one RWX mmap, and
 * one RW mmap turned RX with an inline `syscall` mprotect.  Prints results. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static long raw_mprotect(void *p, size_t len, int prot)
{
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(SYS_mprotect), "D"(p), "S"(len), "d"(prot) : "rcx", "r11", "memory");
    return ret;
}

int main(int argc, char **argv)
{
    unsigned char *rwx = (unsigned char *)syscall(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                                                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unsigned char code[] = {0xb8, 0x2a, 0, 0, 0, 0xc3};
    memcpy(rwx, code, sizeof code);
    printf("%d\n", ((int (*)(void))rwx)());
    unsigned char *rw = (unsigned char *)syscall(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE,
                                                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    code[1] = 7;
    memcpy(rw, code, sizeof code);
    if (raw_mprotect(rw, 4096, PROT_READ | PROT_EXEC) != 0)
        return 2;
    printf("%d\n", ((int (*)(void))rw)());
    if (argc > 1) { /* exec a child image (the preload stays) */
        fflush(stdout);
        execl(argv[0], argv[0], (char *)NULL);
        return 3;
    }
    return 0;
}
