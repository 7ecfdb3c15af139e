/*
 * prog_thread_tid - captures made by different threads: the main thread
 * runs code on its page; thread 1 maps, writes and runs code on its own
 * page; thread 2 runs code that the main thread wrote (the fault, and so
 * the capture, is thread 2's).  Each records its gettid().
 * For test_capture_thread_tid.sh.
 */
#include "jit.h"

#include <pthread.h>

static unsigned char *for_t2;

static void *t1(void *arg)
{
    (void)arg;
    unsigned char *page = jit_map(1, PROT_READ | PROT_WRITE | PROT_EXEC);
    size_t n = jit_emit_ret(page, 0x7101);
    jit_info("t1 %d", (int)jit_gettid());
    jit_info_code("code", page, n);
    printf("t1: %#x\n", jit_call(page));
    return NULL;
}

static void *t2(void *arg)
{
    (void)arg;
    jit_info("t2 %d", (int)jit_gettid());
    printf("t2: %#x\n", jit_call(for_t2));
    return NULL;
}

int main(void)
{
    jit_info("pid %d", (int)getpid());
    unsigned char *page = jit_map(1, PROT_READ | PROT_WRITE | PROT_EXEC);
    size_t n = jit_emit_ret(page, 0x7000);
    jit_info("main %d", (int)jit_gettid());
    jit_info_code("code", page, n);
    printf("main: %#x\n", jit_call(page));

    pthread_t th;
    if (pthread_create(&th, NULL, t1, NULL) != 0)
        jit_die("pthread_create");
    pthread_join(th, NULL);

    for_t2 = jit_map(1, PROT_READ | PROT_WRITE | PROT_EXEC);
    n = jit_emit_ret(for_t2, 0x7202);
    jit_info_code("code", for_t2, n);
    if (pthread_create(&th, NULL, t2, NULL) != 0)
        jit_die("pthread_create");
    pthread_join(th, NULL);
    return 0;
}
