/* Proves each bad call of the MemWatcher trio prints exactly one line on stderr and changes nothing (no watch, no count, neighbouring memory still read/write), while good calls print nothing. */
#include <stdint.h>

#include "../watch/watch_asm.h"

static FILE *capture;

/* Lines written to the captured stderr since the last call. */
static int new_lines(void)
{
    static long seen;
    fflush(stderr);
    long end = lseek(fileno(capture), 0, SEEK_END);
    int lines = 0;
    char buf[256];
    for (long at = seen; at < end;) {
        ssize_t n = pread(fileno(capture), buf, sizeof buf, at);
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n; i++)
            lines += buf[i] == '\n';
        at += n;
    }
    seen = end;
    return lines;
}

static uint64_t live(void)
{
    memwatch_stats_t s;
    memwatch_get_stats(&s);
    return s.live_watches;
}

int main(void)
{
    unsigned char *p = mwtest_pages(3);
    CHECK_EQ(munmap(p + PAGE, PAGE), 0);
    unsigned char *lo = p, *hi = p + 2 * PAGE;

    capture = tmpfile();
    CHECK(capture != NULL);
    int saved = dup(2);
    dup2(fileno(capture), 2);

    uint64_t live0 = live();
    uint32_t t0 = _get_trap_count();
    int bad[16], nbad = 0;
    _watch_address(NULL, 8, PROT_NONE);                        bad[nbad++] = new_lines();
    _watch_address(lo, 0, PROT_NONE);                          bad[nbad++] = new_lines();
    _watch_address(lo + 16, SIZE_MAX, PROT_NONE);              bad[nbad++] = new_lines();
    _watch_address(lo + 16, SIZE_MAX - 8, PROT_READ);          bad[nbad++] = new_lines();
    _watch_address(lo + PAGE + 8, 8, PROT_NONE);               bad[nbad++] = new_lines(); /* unmapped */
    _watch_address(lo + PAGE - 8, 16, PROT_NONE);              bad[nbad++] = new_lines(); /* into the hole */
    _watch_address(lo, 8, PROT_READ | PROT_WRITE);             bad[nbad++] = new_lines();
    _watch_address(lo, 8, PROT_EXEC);                          bad[nbad++] = new_lines();
    _unwatch_address(lo + 0x300, PROT_READ | PROT_WRITE);      bad[nbad++] = new_lines(); /* never watched */
    _unwatch_address(NULL, PROT_READ | PROT_WRITE);            bad[nbad++] = new_lines();
    CHECK_EQ(live(), live0);

    /* a good watch prints nothing; an overlapping one of another kind is bad */
    _watch_address(lo + 0x100, 16, PROT_NONE);
    int good = new_lines();
    _watch_address(lo + 0x108, 16, PROT_READ);                 bad[nbad++] = new_lines();
    CHECK_EQ(live(), live0 + 1);
    uint32_t t1 = _get_trap_count();
    wa_st32(lo + 0x100, 1);
    CHECK_EQ(_get_trap_count() - t1, 1);
    _unwatch_address(lo + 0x100, PROT_READ | PROT_WRITE);
    good += new_lines();
    _unwatch_address(lo + 0x100, PROT_READ | PROT_WRITE);      bad[nbad++] = new_lines(); /* twice */

    fflush(stderr);
    dup2(saved, 2);
    close(saved);

    CHECK_EQ(good, 0);
    for (int i = 0; i < nbad; i++) {
        if (bad[i] != 1)
            printf("bad call %d printed %d lines\n", i, bad[i]);
        CHECK_EQ(bad[i], 1);
    }
    CHECK_EQ(live(), live0);
    CHECK_EQ(_get_trap_count() - t0, 1);

    /* nothing around changed: plain read/write memory, no trap at all */
    memwatch_stats_t s0, s1;
    memwatch_get_stats(&s0);
    wa_st8(lo, 1);
    wa_st8(lo + PAGE - 1, 2);
    wa_st8(hi, 3);
    CHECK_EQ(wa_ld8(lo + PAGE - 1), 2);
    memwatch_get_stats(&s1);
    CHECK_EQ(s1.accesses, s0.accesses);
    CHECK_EQ(s1.silent, s0.silent);
    char perms[5];
    wa_maps_perms(lo, perms);
    CHECK(strncmp(perms, "rw", 2) == 0);
    wa_maps_perms(hi, perms);
    CHECK(strncmp(perms, "rw", 2) == 0);
    wa_maps_perms(lo + PAGE, perms);
    CHECK(strcmp(perms, "none") == 0);
    CHECK_EQ(*(uint32_t *)(lo + 0x100), 1);

    /* show what was printed, for the log */
    rewind(capture);
    char line[512];
    while (fgets(line, sizeof line, capture))
        printf("stderr: %s", line);
    return mwtest_done();
}
