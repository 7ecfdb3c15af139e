/* Proves a promoted site gives its original code back before the program
 * makes its own text writable (a hot patcher, a self-checking program):
 * once the site is patched, mprotect of its page to read+write+execute
 * shows the original bytes, the code keeps running with exact counts while
 * the page is writable (never patched again: capture owns such a page, and
 * must see the program's bytes), and after mprotect back to read+execute it
 * may be promoted again; unwatching leaves the original bytes.
 */
#include <stdlib.h>

#include "watch_asm.h"

struct data {
    volatile uint64_t var;
    volatile uint64_t next;
    char rest[4096 - 16];
};
struct data pg __attribute__((aligned(4096), visibility("hidden")));

extern const unsigned char site_w[];

__attribute__((noinline)) static void store_var(uint64_t v)
{
    __asm__ volatile(".globl site_w\n.hidden site_w\nsite_w: movq %1, pg(%%rip)" : "=m"(pg.var) : "r"(v));
}

int main(void)
{
    const char *env = getenv("MEMWATCH_PROMOTE");
    int promote = !(env && strcmp(env, "0") == 0);
    unsigned char orig[8];
    memcpy(orig, site_w, 8);
    void *text = (void *)((uintptr_t)site_w & ~(uintptr_t)(PAGE - 1));
    size_t text_len = (uintptr_t)site_w + 8 > (uintptr_t)text + PAGE ? 2 * PAGE : PAGE;
    memwatch_id_t id;
    CHECK(memwatch_watch((void *)&pg.var, 8, MEMWATCH_WRITE, NULL, NULL, &id) == 0);
    for (uint64_t i = 1; i <= 100; i++)
        store_var(i);
    if (promote)
        CHECK_EQ(site_w[0], 0xe9);

    CHECK(mprotect(text, text_len, PROT_READ | PROT_WRITE | PROT_EXEC) == 0);
    CHECK(memcmp(orig, site_w, 8) == 0);
    for (uint64_t i = 101; i <= 200; i++)
        store_var(i);
    CHECK(memcmp(orig, site_w, 8) == 0);
    CHECK(mprotect(text, text_len, PROT_READ | PROT_EXEC) == 0);
    for (uint64_t i = 201; i <= 300; i++)
        store_var(i);

    uint64_t n = 0;
    CHECK(memwatch_region_count(id, &n) == 0);
    CHECK_EQ(n, 300);
    CHECK_EQ(pg.var, 300);
    CHECK(memwatch_unwatch(id) == 0);
    CHECK(memcmp(orig, site_w, 8) == 0);
    return mwtest_done();
}
