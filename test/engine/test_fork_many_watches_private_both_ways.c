/*
 * fork with many watches (issue 12): 2,000 watched pages live in one
 * process-wide memfd pool, which a child would share with its parent if it
 * were left as it is.  After fork each process sees only its own writes to
 * every watched page - the child's are invisible to the parent and the
 * parent's to the child - and counts its own.  Both then watch a page that
 * neither watched before (the same page, so that a shared pool would hand
 * both the same memfd page): each still sees only its own writes.  Finally
 * each unwatches everything and finds its own contents intact.
 */
#include <sys/wait.h>

#include "memwatch.h"
#include "mwtest.h"

#define PAGE 4096UL
#define N 2000

static unsigned char *base;

static volatile uint64_t *slot(int i) { return (volatile uint64_t *)(base + 2 * (size_t)i * PAGE + 64); }
static volatile uint64_t *fresh(void) { return (volatile uint64_t *)(base + 2 * (size_t)N * PAGE + 64); }

/* Writes value + i to every slot; returns how many writes were counted. */
static int write_all(uint64_t value)
{
    int counted = 0;
    for (int i = 0; i < N; i++) {
        uint32_t c0 = _get_trap_count();
        *slot(i) = value + (uint64_t)i;
        counted += _get_trap_count() == c0 + 1;
    }
    return counted;
}

static int all_are(uint64_t value)
{
    int same = 0;
    for (int i = 0; i < N; i++)
        same += *slot(i) == value + (uint64_t)i;
    return same;
}

/* Unwatches everything and checks the contents left behind. */
static int end_and_check(uint64_t value, uint64_t fresh_value)
{
    int ok = 1;
    for (int i = 0; i < N; i++)
        _unwatch_address((void *)slot(i), PROT_READ | PROT_WRITE);
    _unwatch_address((void *)fresh(), PROT_READ | PROT_WRITE);
    ok &= all_are(value) == N && *fresh() == fresh_value;
    for (int i = 0; i < 2 * N + 1; i++)
        ok &= base[(size_t)i * PAGE + 4000] == (unsigned char)i;
    return ok;
}

static void sync_write(int fd) { CHECK(write(fd, "g", 1) == 1); }
static int sync_read(int fd)
{
    char c;
    return read(fd, &c, 1) == 1;
}

int main(void)
{
    base = mwtest_pages(2 * N + 1);
    for (int i = 0; i < 2 * N + 1; i++)
        base[(size_t)i * PAGE + 4000] = (unsigned char)i;
    for (int i = 0; i < N; i++) {
        *slot(i) = 1000 + (uint64_t)i;
        _watch_address((void *)slot(i), 8, PROT_NONE);
    }
    int to_child[2], to_parent[2];
    CHECK(pipe(to_child) == 0 && pipe(to_parent) == 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int ok = all_are(1000) == N;
        ok &= write_all(2000) == N; /* counted in the child */
        sync_write(to_parent[1]);   /* the parent writes now */
        ok &= sync_read(to_child[0]);
        ok &= all_are(2000) == N;   /* not the parent's 3000 */
        _watch_address((void *)fresh(), 8, PROT_NONE);
        *fresh() = 0xc41d;
        sync_write(to_parent[1]);
        ok &= sync_read(to_child[0]); /* the parent has watched and written it */
        ok &= *fresh() == 0xc41d;
        ok &= end_and_check(2000, 0xc41d);
        _exit(ok ? 0 : 1);
    }
    CHECK(sync_read(to_parent[0])); /* the child has written */
    CHECK_EQ(all_are(1000), N);
    CHECK_EQ(write_all(3000), N);
    sync_write(to_child[1]);
    CHECK(sync_read(to_parent[0])); /* the child has watched and written the fresh page */
    _watch_address((void *)fresh(), 8, PROT_NONE);
    CHECK_EQ(*fresh(), 0);
    *fresh() = 0x9a4e;
    sync_write(to_child[1]);
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ(all_are(3000), N);
    CHECK(end_and_check(3000, 0x9a4e));
    return mwtest_done();
}
