/* Watching and unwatching keep every byte of the pages, including pages
 * written while watched, bytes outside the watched range, and a file's
 * private (copy-on-write) page such as a global in .data. */
#include "memwatch.h"
#include "mwtest.h"

static unsigned char global_page[3 * 4096] __attribute__((aligned(4096))) = {1, 2, 3};

int main(void)
{
    unsigned char *p = mwtest_pages(3);
    for (int i = 0; i < 3 * 4096; i++)
        p[i] = (unsigned char)(i * 7);
    _watch_address(p + 100, 5000, PROT_NONE);
    p[4000] = 0xaa; /* watched */
    p[9000] = 0xbb; /* unwatched page 3 */
    p[50] = 0xcc;   /* watched page, unwatched byte */
    _unwatch_address(p + 100, PROT_READ | PROT_WRITE);
    int bad = 0;
    for (int i = 0; i < 3 * 4096; i++) {
        unsigned char want = i == 4000 ? 0xaa : i == 9000 ? 0xbb : i == 50 ? 0xcc : (unsigned char)(i * 7);
        bad += p[i] != want;
    }
    CHECK_EQ(bad, 0);

    global_page[4096 + 10] = 77;
    _watch_address(global_page + 4096, 64, PROT_NONE);
    CHECK_EQ(global_page[0], 1);         /* other page, untouched */
    CHECK_EQ(global_page[4096 + 10], 77); /* read through the trap */
    global_page[4096 + 11] = 78;
    _unwatch_address(global_page + 4096, PROT_READ | PROT_WRITE);
    CHECK_EQ(global_page[4096 + 10], 77);
    CHECK_EQ(global_page[4096 + 11], 78);
    global_page[4096 + 12] = 79;
    CHECK_EQ(global_page[4096 + 12], 79);
    return mwtest_done();
}
