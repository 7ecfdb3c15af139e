/* A small JIT for process-tree tests: writes `mov eax, N; ret` into an RWX
 * page and runs it.  With an argument it also starts children: a forked
 * worker that JITs, a posix_spawn'ed and a vfork+exec'ed copy of itself. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int jit(int n)
{
    unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unsigned char code[] = {0xb8, (unsigned char)n, 0, 0, 0, 0xc3};
    memcpy(p, code, sizeof code);
    return ((int (*)(void))p)();
}

int main(int argc, char **argv)
{
    printf("%d\n", jit(argc > 1 ? 1 : 2));
    fflush(stdout);
    if (argc < 2)
        return 0;
    pid_t w = fork();
    if (w == 0) {
        printf("%d\n", jit(3));
        fflush(stdout);
        _exit(0);
    }
    waitpid(w, NULL, 0);
    pid_t s;
    char *child_argv[] = {argv[0], NULL};
    if (posix_spawn(&s, argv[0], NULL, NULL, child_argv, environ) != 0)
        return 2;
    waitpid(s, NULL, 0);
    pid_t v = vfork();
    if (v == 0) {
        execv(argv[0], child_argv);
        _exit(127);
    }
    waitpid(v, NULL, 0);
    return 0;
}
