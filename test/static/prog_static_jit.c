/*
 * prog_static_jit - a JIT program for a static build (gcc -static): three
 * ways of making code, each version called and told to the info file:
 *   rewrite  one RWX page, one function rewritten in place 50 times
 *   cycle    a page made writable, written, made read+execute and called,
 *            20 times (the mprotect cycle)
 *   threads  two threads, each with an RWX page of its own, 200 versions
 *            each
 * stdout says only what the calls returned, summed (compared with a run
 * without memwatch).  For test_static_jit_captures_every_version.sh.
 */
#include "jit.h"

#include <pthread.h>

#define REWRITES 50
#define CYCLES 20
#define THREAD_VERSIONS 200

static long thread_sum[2];

static void *jit_thread(void *arg)
{
    int t = (int)(intptr_t)arg;
    unsigned char *page = jit_map(1, PROT_READ | PROT_WRITE | PROT_EXEC);
    jit_info("thread %d %d %p", t, (int)jit_gettid(), (void *)page);
    for (int i = 0; i < THREAD_VERSIONS; i++) {
        size_t n = jit_emit_ret_add(page, (t + 1) * 100000, i);
        jit_info_code("tcode", page, n);
        thread_sum[t] += jit_call(page);
    }
    return NULL;
}

int main(void)
{
    jit_info("pid %d", (int)getpid());
    long sum = 0;
    unsigned char *rw = jit_map(1, PROT_READ | PROT_WRITE | PROT_EXEC);
    jit_info("rewrite %p", (void *)rw);
    for (int i = 0; i < REWRITES; i++) {
        memset(rw, 0, 16); /* the page holds this version and zeros */
        size_t n = i & 1 ? jit_emit_ret_add(rw, 7000, i) : jit_emit_ret(rw, 5000 + i);
        jit_info_code("code", rw, n);
        sum += jit_call(rw);
    }
    unsigned char *cy = jit_map(1, PROT_READ);
    jit_info("cycle %p", (void *)cy);
    for (int i = 0; i < CYCLES; i++) {
        if (mprotect(cy, JIT_PAGE, PROT_READ | PROT_WRITE) != 0)
            jit_die("mprotect rw");
        size_t n = jit_emit_ret_add2(cy, 9000, i, 3 * i);
        if (mprotect(cy, JIT_PAGE, PROT_READ | PROT_EXEC) != 0)
            jit_die("mprotect rx");
        jit_info_code("ccode", cy, n);
        sum += jit_call(cy);
    }
    pthread_t th[2];
    for (int t = 0; t < 2; t++)
        if (pthread_create(&th[t], NULL, jit_thread, (void *)(intptr_t)t) != 0)
            jit_die("pthread_create");
    for (int t = 0; t < 2; t++)
        pthread_join(th[t], NULL);
    printf("rewrite and cycle: %ld\n", sum);
    printf("threads: %ld %ld\n", thread_sum[0], thread_sum[1]);
    return 0;
}
