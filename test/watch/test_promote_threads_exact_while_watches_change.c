/* Proves promoted sites stay exact under threads while the page they trust
 * keeps changing: two threads hammer a watched counter and its neighbour
 * with lock-prefixed RIP-relative increments (the counter's site a hit stub,
 * the neighbour's a miss stub once promoted), while the main thread starts
 * and ends another watch on the same page again and again - each change
 * gives the sites their code back (threads may be inside the stubs, or on
 * the int3 the patcher writes) and they are promoted anew.  Every increment
 * lands, and the counter's watch counts each one exactly once.
 */
#include <pthread.h>

#include "watch_asm.h"

struct data {
    volatile uint64_t counter;
    volatile uint64_t neighbour;
    volatile uint64_t other;
    char rest[4096 - 24];
};
struct data pg __attribute__((aligned(4096), visibility("hidden")));

#define PER_THREAD 30000
static volatile int stop;

__attribute__((noinline)) static void bump_counter(void) { __asm__ volatile("lock incq pg(%%rip)" ::: "memory"); }
__attribute__((noinline)) static void bump_neighbour(void) { __asm__ volatile("lock incq pg+8(%%rip)" ::: "memory"); }

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < PER_THREAD; i++) {
        bump_counter();
        bump_neighbour();
    }
    return NULL;
}

int main(void)
{
    memwatch_id_t id;
    CHECK(memwatch_watch((void *)&pg.counter, 8, MEMWATCH_WRITE, NULL, NULL, &id) == 0);
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        CHECK(pthread_create(&th[i], NULL, worker, NULL) == 0);
    unsigned changes = 0;
    for (int round = 0; round < 300; round++) {
        memwatch_id_t other;
        if (memwatch_watch((void *)&pg.other, 8, MEMWATCH_RW, NULL, NULL, &other) == 0) {
            changes++;
            usleep(200);
            memwatch_unwatch(other);
        }
        usleep(200);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    uint64_t count = 0;
    CHECK(memwatch_region_count(id, &count) == 0);
    CHECK_EQ(count, 2 * PER_THREAD);
    CHECK(memwatch_unwatch(id) == 0);
    CHECK_EQ(pg.counter, 2 * PER_THREAD);
    CHECK_EQ(pg.neighbour, 2 * PER_THREAD);
    CHECK_EQ(changes, 300);
    return mwtest_done();
}
