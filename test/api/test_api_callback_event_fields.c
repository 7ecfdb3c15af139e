/* Proves the rich API's callback gets one event per access with the right addr, size, is_read/is_write, ip (a label in the asm), tid, timestamp, before/after bytes (4-byte store, 8-byte lock xadd), region and user pointer. */
#include <stdint.h>
#include <time.h>

#include "../watch/watch_asm.h"

static memwatch_event_t events[8];
static void *users[8];
static volatile int nevents;

static void on_access(const memwatch_event_t *ev, void *user)
{
    int i = nevents;
    if (i < 8) {
        memcpy(&events[i], ev, sizeof *ev);
        users[i] = user;
    }
    nevents = i + 1;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t le_bytes(const unsigned char *b, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | b[i];
    return v;
}

int main(void)
{
    unsigned char *p = mwtest_pages(1);
    *(uint32_t *)(p + 0x104) = 0x11223344;
    *(uint64_t *)(p + 0x108) = 1000;
    int user_a, user_b;
    memwatch_id_t id = 0, id2 = 0;
    CHECK_EQ(memwatch_watch(p + 0x100, 16, MEMWATCH_RW, on_access, &user_a, &id), 0);
    CHECK_EQ(memwatch_watch(p + 0x200, 8, MEMWATCH_WRITE, on_access, &user_b, &id2), 0);
    CHECK(id != 0 && id2 != 0 && id != id2);
    pid_t tid = wa_gettid();

    /* 4-byte store */
    uint64_t ip = 0, t0 = now_ns();
    EXPECT_TRAPS(1, __asm__ volatile("lea 1f(%%rip), %0\n1:\tmovl %2, 0x104(%1)"
                                     : "=&r"(ip) : "r"(p), "r"(0xaabbccddu) : "memory"));
    uint64_t t1 = now_ns();
    CHECK_EQ(nevents, 1);
    memwatch_event_t *e = &events[0];
    CHECK(e->addr == p + 0x104);
    CHECK_EQ(e->size, 4);
    CHECK_EQ(e->is_write != 0, 1);
    CHECK_EQ(e->is_read != 0, 0);
    CHECK_EQ((uint64_t)e->ip, ip);
    CHECK_EQ(e->tid, tid);
    CHECK(e->timestamp_ns != 0);
    CHECK(e->timestamp_ns >= t0 && e->timestamp_ns <= t1);
    CHECK_EQ(e->region, id);
    CHECK(e->region_addr == p + 0x100);
    CHECK_EQ(e->region_size, 16);
    CHECK_EQ(e->nbytes, 4);
    CHECK_EQ(le_bytes(e->before, 4), 0x11223344);
    CHECK_EQ(le_bytes(e->after, 4), 0xaabbccdd);
    CHECK(users[0] == &user_a);

    /* 8-byte lock xadd: read and write, before and after */
    uint64_t add = 24;
    EXPECT_TRAPS(1, __asm__ volatile("lea 1f(%%rip), %0\n1:\tlock xaddq %1, 0x108(%2)"
                                     : "=&r"(ip), "+r"(add) : "r"(p) : "cc", "memory"));
    CHECK_EQ(add, 1000);
    CHECK_EQ(nevents, 2);
    e = &events[1];
    CHECK(e->addr == p + 0x108);
    CHECK_EQ(e->size, 8);
    CHECK(e->is_read && e->is_write);
    CHECK_EQ((uint64_t)e->ip, ip);
    CHECK_EQ(e->nbytes, 8);
    CHECK_EQ(le_bytes(e->before, 8), 1000);
    CHECK_EQ(le_bytes(e->after, 8), 1024);
    CHECK(e->timestamp_ns >= events[0].timestamp_ns);

    /* a load: read only, before == after */
    uint32_t v = 0;
    EXPECT_TRAPS(1, __asm__ volatile("lea 1f(%%rip), %0\n1:\tmovl 0x104(%2), %1"
                                     : "=&r"(ip), "=r"(v) : "r"(p) : "memory"));
    CHECK_EQ(v, 0xaabbccdd);
    CHECK_EQ(nevents, 3);
    e = &events[2];
    CHECK(e->is_read && !e->is_write);
    CHECK_EQ((uint64_t)e->ip, ip);
    CHECK_EQ(le_bytes(e->before, 4), 0xaabbccdd);
    CHECK_EQ(le_bytes(e->after, 4), 0xaabbccdd);

    /* a partial overlap: the event names the whole access */
    uint64_t q = 0;
    EXPECT_TRAPS(1, q = wa_ld64(p + 0xfc));
    CHECK_EQ(nevents, 4);
    CHECK(events[3].addr == p + 0xfc);
    CHECK_EQ(events[3].size, 8);
    CHECK_EQ(le_bytes(events[3].before, 8), q);

    /* the write-only region: its reads are neither counted nor reported */
    EXPECT_TRAPS(0, v = wa_ld32(p + 0x200));
    CHECK_EQ(nevents, 4);
    EXPECT_TRAPS(1, wa_st8(p + 0x207, 0x7f));
    CHECK_EQ(nevents, 5);
    CHECK_EQ(events[4].region, id2);
    CHECK(users[4] == &user_b);
    CHECK(events[4].addr == p + 0x207);
    CHECK_EQ(events[4].size, 1);
    CHECK_EQ(events[4].before[0], 0);
    CHECK_EQ(events[4].after[0], 0x7f);

    uint64_t n = 0;
    CHECK_EQ(memwatch_region_count(id, &n), 0);
    CHECK_EQ(n, 4);
    CHECK_EQ(memwatch_region_count(id2, &n), 0);
    CHECK_EQ(n, 1);

    /* after unwatch: no more events */
    CHECK_EQ(memwatch_unwatch(id), 0);
    CHECK_EQ(memwatch_unwatch(id2), 0);
    EXPECT_TRAPS(0, wa_st32(p + 0x104, 1));
    CHECK_EQ(nevents, 5);
    return mwtest_done();
}
