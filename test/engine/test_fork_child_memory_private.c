/* After fork, watched (and once-watched) memory is private to each process
 * again: writes in the child are not seen by the parent, nor the reverse,
 * and both still count their own accesses. */
#include <sys/wait.h>

#include "memwatch.h"
#include "mwtest.h"

int main(void)
{
    volatile int *watched = mwtest_pages(1);
    volatile int *once = mwtest_pages(1);
    watched[0] = 1;
    once[0] = 1;
    _watch_address((void *)watched, 4, PROT_NONE);
    _watch_address((void *)once, 4, PROT_NONE);
    _unwatch_address((void *)once, PROT_READ | PROT_WRITE);
    int pipefd[2];
    CHECK(pipe(pipefd) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        uint32_t c0 = _get_trap_count();
        watched[0] = 2; /* counted in the child */
        once[0] = 2;
        char ok = _get_trap_count() == c0 + 1 ? 'y' : 'n';
        /* wait for the parent's writes, then look */
        char go;
        if (read(pipefd[0], &go, 1) != 1)
            _exit(3);
        _exit(ok == 'y' && watched[0] == 2 && once[0] == 2 ? 0 : 1);
    }
    usleep(100 * 1000);
    watched[0] = 3;
    once[0] = 3;
    CHECK(write(pipefd[1], "g", 1) == 1);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ(watched[0], 3);
    CHECK_EQ(once[0], 3);
    _unwatch_address((void *)watched, PROT_READ | PROT_WRITE);
    return mwtest_done();
}
