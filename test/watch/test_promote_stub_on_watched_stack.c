/* Proves a promoted site keeps working when the stack below its thread's
 * red zone is a watched page: the stub and the hit path save registers
 * there (a stack variable further down the stack is watched, or the whole
 * stack page), and those saves are carried out and never counted.  A
 * worker thread, on a stack of the test's own, stores a watched global and
 * its neighbour in a loop until the sites are promoted; the main thread,
 * which makes every library call, watches the worker's stack below its
 * frame (and ends that watch before the worker ends: the library's own
 * thread-exit work runs on that stack).  The global counts exactly, the stack watch counts nothing (the
 * loop keeps to registers), and the values are the loop's.
 */
#include <pthread.h>
#include <stdlib.h>

#include "watch_asm.h"

struct data {
    volatile uint64_t before[8];
    volatile uint64_t var;
    char rest[4096 - 9 * 8];
};
struct data pg __attribute__((aligned(4096), visibility("hidden")));

#define ROUNDS 2000

static volatile uintptr_t worker_frame;
static volatile int go, looped, may_end;

__attribute__((noinline)) static void hot_loop(unsigned rounds)
{
    for (uint64_t i = 1; i <= rounds; i++) {
        __asm__ volatile("movq %1, pg+64(%%rip)" : "=m"(pg.var) : "r"(i));
        __asm__ volatile("movq %1, pg+8(%%rip)" : "=m"(pg.before[1]) : "r"(i));
    }
}

static void *worker(void *arg)
{
    (void)arg;
    worker_frame = (uintptr_t)__builtin_frame_address(0);
    while (!go)
        __asm__ volatile("pause");
    hot_loop(ROUNDS);
    looped = 1;
    /* the library's thread-exit work runs on this stack: not while it is watched */
    while (!may_end)
        __asm__ volatile("pause");
    return NULL;
}

int main(void)
{
    size_t stack_len = 256 * 1024;
    void *stack = mmap(NULL, stack_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(stack != MAP_FAILED);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstack(&attr, stack, stack_len);
    pthread_t th;
    CHECK(pthread_create(&th, &attr, worker, NULL) == 0);
    while (!worker_frame)
        __asm__ volatile("pause");

    memwatch_id_t var_id, stack_id;
    CHECK(memwatch_watch((void *)&pg.var, 8, MEMWATCH_RW, NULL, NULL, &var_id) == 0);
    /* below the worker's frame and hot_loop's: where only saves go */
    uintptr_t lo = worker_frame - 3 * 1024, hi = worker_frame - 384;
    CHECK(memwatch_watch((void *)lo, hi - lo, MEMWATCH_RW, NULL, NULL, &stack_id) == 0);
    go = 1;
    while (!looped)
        __asm__ volatile("pause");

    uint64_t n = 0;
    CHECK(memwatch_region_count(var_id, &n) == 0);
    CHECK_EQ(n, ROUNDS);
    CHECK(memwatch_region_count(stack_id, &n) == 0);
    CHECK_EQ(n, 0);
    const char *env = getenv("MEMWATCH_PROMOTE");
    if (!(env && strcmp(env, "0") == 0))
        CHECK(memwatch_region_mode(var_id) & MEMWATCH_MODE_PROMOTED);
    CHECK(memwatch_unwatch(stack_id) == 0);
    may_end = 1;
    CHECK(pthread_join(th, NULL) == 0);
    CHECK(memwatch_unwatch(var_id) == 0);
    CHECK_EQ(pg.var, ROUNDS);
    CHECK_EQ(pg.before[1], ROUNDS);
    return mwtest_done();
}
