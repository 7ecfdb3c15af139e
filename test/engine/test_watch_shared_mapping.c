/* A MAP_SHARED mapping (anonymous, and a file) can be watched: accesses are
 * counted, and the memory stays shared - a second mapping of the same file
 * and a forked child see the writes. */
#include <fcntl.h>
#include <sys/wait.h>

#include "memwatch.h"
#include "mwtest.h"

int main(void)
{
    volatile int *anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(anon != MAP_FAILED);
    _watch_address((void *)anon, 4, PROT_NONE);
    uint32_t c0 = _get_trap_count();
    pid_t pid = fork();
    if (pid == 0) {
        anon[0] = 42;
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    CHECK_EQ(anon[0], 42); /* the child's write is visible: still shared */
    CHECK_EQ(_get_trap_count() - c0, 1);
    _unwatch_address((void *)anon, PROT_READ | PROT_WRITE);

    char path[] = "/tmp/mwtest-shared-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0 && ftruncate(fd, 4096) == 0);
    volatile int *f1 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    volatile int *f2 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    _watch_address((void *)f1, 8, PROT_NONE);
    c0 = _get_trap_count();
    f1[1] = 7;
    CHECK_EQ(f2[1], 7);
    f2[0] = 9;
    CHECK_EQ(f1[0], 9);
    CHECK_EQ(_get_trap_count() - c0, 2);
    _unwatch_address((void *)f1, PROT_READ | PROT_WRITE);
    f1[2] = 5;
    CHECK_EQ(f2[2], 5);
    int on_disk = 0;
    CHECK(pread(fd, &on_disk, 4, 4) == 4);
    CHECK_EQ(on_disk, 7);
    unlink(path);
    return mwtest_done();
}
