/* A watch says how its pages are reached: ordinary private memory, a global
 * and a shared mapping all get the alias view (no window for other threads);
 * an unknown id is ENOENT. */
#include <errno.h>

#include "memwatch.h"
#include "mwtest.h"

static char global_page[4096] __attribute__((aligned(4096)));

int main(void)
{
    memwatch_id_t a, b, c;
    char *heap_page = mwtest_pages(1);
    char *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(memwatch_watch(heap_page, 16, MEMWATCH_RW, NULL, NULL, &a) == 0);
    CHECK(memwatch_watch(global_page, 16, MEMWATCH_WRITE, NULL, NULL, &b) == 0);
    CHECK(memwatch_watch(shared, 16, MEMWATCH_RW, NULL, NULL, &c) == 0);
    CHECK_EQ(memwatch_region_mode(a), MEMWATCH_MODE_ALIAS);
    CHECK_EQ(memwatch_region_mode(b), MEMWATCH_MODE_ALIAS);
    CHECK_EQ(memwatch_region_mode(c), MEMWATCH_MODE_ALIAS);
    errno = 0;
    CHECK_EQ(memwatch_region_mode(a + b + c + 100), -1);
    CHECK_EQ(errno, ENOENT);
    return mwtest_done();
}
