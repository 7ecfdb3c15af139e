/*
 * prog_threads - JIT threads at once.  Four threads each map their own RWX
 * page and 100 times write `mov eax, K; ret` with a constant of their own
 * and call it.  Meanwhile two threads share one RWX page: the writer
 * rewrites f1 (offset 0) 1000 times and calls it, the reader keeps calling
 * f2 (offset 2048, never changed) until the writer is done.  Every result
 * is checked; stdout says only whether all were right.
 * For test_capture_concurrent_jit_threads.sh.
 */
#include "jit.h"

#include <pthread.h>

#define PRIVATE 4
#define ROUNDS 100
#define WRITES 1000
#define F2 2048
#define F2_VALUE 0x5eed

static pthread_barrier_t start;
static unsigned char *shared;
static volatile int writer_done;
static int wrong_private, wrong_writer, wrong_reader;
static long reader_calls;

static int32_t constant(int t, int i) { return (t + 1) * 1000000 + i; }

static void *private_jit(void *arg)
{
    int t = (int)(intptr_t)arg;
    unsigned char *page = jit_map(1, PROT_READ | PROT_WRITE | PROT_EXEC);
    jit_info("private %d %d %p", t, (int)jit_gettid(), (void *)page);
    pthread_barrier_wait(&start);
    for (int i = 0; i < ROUNDS; i++) {
        jit_emit_ret(page, constant(t, i));
        if (jit_call(page) != constant(t, i))
            __atomic_add_fetch(&wrong_private, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

static void *writer(void *arg)
{
    (void)arg;
    jit_info("writer %d", (int)jit_gettid());
    pthread_barrier_wait(&start);
    for (int i = 0; i < WRITES; i++) {
        jit_emit_ret(shared, i);
        if (jit_call(shared) != i)
            wrong_writer++;
    }
    __atomic_store_n(&writer_done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void *reader(void *arg)
{
    (void)arg;
    jit_info("reader %d", (int)jit_gettid());
    pthread_barrier_wait(&start);
    while (!__atomic_load_n(&writer_done, __ATOMIC_ACQUIRE) || reader_calls < 1000) {
        if (jit_call(shared + F2) != F2_VALUE)
            wrong_reader++;
        reader_calls++;
    }
    return NULL;
}

int main(void)
{
    jit_info("pid %d", (int)getpid());
    shared = jit_map(1, PROT_READ | PROT_WRITE | PROT_EXEC);
    jit_emit_ret(shared, -1);
    jit_emit_ret(shared + F2, F2_VALUE);
    jit_info("shared %p", (void *)shared);
    jit_info_code("f2", shared + F2, 6);
    pthread_barrier_init(&start, NULL, PRIVATE + 2);
    pthread_t th[PRIVATE + 2];
    for (int t = 0; t < PRIVATE; t++)
        if (pthread_create(&th[t], NULL, private_jit, (void *)(intptr_t)t) != 0)
            jit_die("pthread_create");
    if (pthread_create(&th[PRIVATE], NULL, writer, NULL) != 0 ||
        pthread_create(&th[PRIVATE + 1], NULL, reader, NULL) != 0)
        jit_die("pthread_create");
    for (int t = 0; t < PRIVATE + 2; t++)
        pthread_join(th[t], NULL);
    printf("private threads: %d wrong results\n", wrong_private);
    printf("shared page writer: %d wrong results\n", wrong_writer);
    printf("shared page reader: %d wrong results\n", wrong_reader);
    return wrong_private || wrong_writer || wrong_reader;
}
