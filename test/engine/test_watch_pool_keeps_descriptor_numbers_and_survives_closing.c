/*
 * Watched private pages live in a memfd pool whose descriptor the library
 * keeps open (issue 12).  The program must not notice: the next file it
 * opens gets the number it would have got without a watch (the lowest free
 * one).  And a program that closes every descriptor it did not open (a
 * daemon) must not break watching: the watches made before keep counting,
 * new watches still start and count, fork still gives the child its own
 * copy, and every page ends with its contents.
 */
#include <fcntl.h>
#include <sys/wait.h>

#include "memwatch.h"
#include "mwtest.h"

#define PAGE 4096UL
#define N 64

static unsigned char *base;
static volatile uint64_t *slot(int i) { return (volatile uint64_t *)(base + 2 * (size_t)i * PAGE); }

static int counts_once(int i, uint64_t v)
{
    uint32_t c0 = _get_trap_count();
    *slot(i) = v;
    return _get_trap_count() == c0 + 1;
}

int main(void)
{
    base = mwtest_pages(2 * N);
    int lowest = open("/dev/null", O_RDONLY);
    CHECK(lowest >= 0);
    close(lowest);

    for (int i = 0; i < N / 2; i++)
        _watch_address((void *)slot(i), 8, PROT_NONE);
    int next = open("/dev/null", O_RDONLY);
    CHECK_EQ(next, lowest);
    close(next);

    /* A daemon closes everything past stderr. */
    for (int fd = 3; fd < 4096; fd++)
        close(fd);

    int counted = 0;
    for (int i = 0; i < N / 2; i++)
        counted += counts_once(i, 100 + (uint64_t)i);
    int alias = 0; /* not the toggling fallback: still no thread can slip past */
    for (int i = N / 2; i < N; i++) {
        memwatch_id_t id;
        alias += memwatch_watch((void *)slot(i), 8, MEMWATCH_RW, NULL, NULL, &id) == 0 &&
                 memwatch_region_mode(id) == MEMWATCH_MODE_ALIAS;
    }
    CHECK_EQ(alias, N / 2);
    for (int i = N / 2; i < N; i++)
        counted += counts_once(i, 100 + (uint64_t)i);
    CHECK_EQ(counted, N);

    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int ok = 1;
        for (int i = 0; i < N; i++)
            ok &= counts_once(i, 200 + (uint64_t)i);
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    for (int i = 0; i < N; i++)
        _unwatch_address((void *)slot(i), PROT_READ | PROT_WRITE);
    int intact = 0;
    for (int i = 0; i < N; i++)
        intact += *slot(i) == 100 + (uint64_t)i && base[(2 * (size_t)i + 1) * PAGE] == 0;
    CHECK_EQ(intact, N);
    return mwtest_done();
}
