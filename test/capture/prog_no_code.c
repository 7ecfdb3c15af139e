/*
 * prog_no_code - an ordinary program that makes no code: stdio, malloc
 * (small and large, the large one mmap'd), a thread, read+write mappings
 * made read-only, remapped and unmapped, a fork.  It never asks for
 * PROT_EXEC.  For test_capture_no_code_no_captures.sh.
 */
#include "jit.h"

#include <pthread.h>
#include <sys/wait.h>

static void *work(void *arg)
{
    long *sum = arg;
    for (long i = 0; i < 100000; i++)
        *sum += i;
    return NULL;
}

int main(void)
{
    jit_info("pid %d", (int)getpid());
    char *small = malloc(100), *large = malloc(8 << 20);
    if (!small || !large)
        jit_die("malloc");
    memset(large, 1, 8 << 20);
    snprintf(small, 100, "hello");
    long sum = 0;
    pthread_t th;
    if (pthread_create(&th, NULL, work, &sum) != 0)
        jit_die("pthread_create");
    pthread_join(th, NULL);
    unsigned char *p = jit_map(4, PROT_READ | PROT_WRITE);
    memset(p, 0xc3, 4 * JIT_PAGE);
    if (mprotect(p, 4 * JIT_PAGE, PROT_READ) != 0)
        jit_die("mprotect");
    p = mremap(p, 4 * JIT_PAGE, 8 * JIT_PAGE, MREMAP_MAYMOVE);
    if (p == MAP_FAILED || munmap(p, 8 * JIT_PAGE) != 0)
        jit_die("mremap/munmap");
    fflush(stdout);
    pid_t child = fork();
    if (child == 0)
        _exit(7);
    int status = 0;
    waitpid(child, &status, 0);
    printf("%s %ld %d child %d\n", small, sum, large[12345], WEXITSTATUS(status));
    free(large);
    free(small);
    return 0;
}
