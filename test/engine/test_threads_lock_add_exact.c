/* 4 threads x 50,000 `lock add` on one watched word plus 50,000 reads of
 * another watched word on the same page: the word ends at exactly 200,000 and
 * the count is exactly 400,000 - then the same with each thread on its own page. */
#include <pthread.h>

#include "memwatch.h"
#include "mwtest.h"

#define THREADS 4
#define ROUNDS 50000

struct job {
    volatile long *word;
    volatile long *other;
};

static void *worker(void *arg)
{
    struct job *j = arg;
    for (int i = 0; i < ROUNDS; i++) {
        __asm__ volatile("lock addq $1, %0" : "+m"(*j->word));
        long v;
        __asm__ volatile("movq %1, %0" : "=r"(v) : "m"(*j->other));
        (void)v;
    }
    return NULL;
}

static void run(int shared)
{
    char *pages = mwtest_pages(THREADS);
    struct job jobs[THREADS];
    for (int t = 0; t < THREADS; t++) {
        char *page = pages + (shared ? 0 : 4096 * t);
        jobs[t].word = (volatile long *)page;
        jobs[t].other = (volatile long *)(page + 64);
        if (shared && t > 0)
            continue;
        _watch_address(page, 8, PROT_NONE);
        _watch_address(page + 64, 8, PROT_NONE);
    }
    uint32_t before = _get_trap_count();
    pthread_t th[THREADS];
    for (int t = 0; t < THREADS; t++)
        pthread_create(&th[t], NULL, worker, &jobs[t]);
    for (int t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
    uint32_t counted = _get_trap_count() - before;
    for (int t = 0; t < THREADS; t++) {
        if (shared && t > 0)
            continue;
        _unwatch_address((void *)jobs[t].word, PROT_READ | PROT_WRITE);
        _unwatch_address((void *)jobs[t].other, PROT_READ | PROT_WRITE);
    }
    long total = 0;
    for (int t = 0; t < THREADS; t++)
        if (!shared || t == 0)
            total += *jobs[t].word;
    CHECK_EQ(total, (long)THREADS * ROUNDS);
    CHECK_EQ(counted, 2u * THREADS * ROUNDS);
}

int main(void)
{
    run(1);
    run(0);
    return mwtest_done();
}
