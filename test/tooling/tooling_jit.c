/*
 * test/tooling/tooling_jit.c - generates code for the jitdump tests: two
 * versions of a function in one read+write+execute page, each run once,
 * then prints the lines of /proc/self/maps that name a jit-<pid>.dump
 * file (MARKER ...).  With the argument "fork" a child then writes and runs
 * a third version and prints its own markers (CHILD MARKER ...).
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int gen_and_run(unsigned char *page, int value)
{
    unsigned char code[] = { 0xb8, 0, 0, 0, 0, 0xc3 }; /* mov eax, imm32; ret */
    memcpy(code + 1, &value, 4);
    memcpy(page, code, sizeof code);
    return ((int (*)(void))page)();
}

static void markers(const char *tag)
{
    char line[4096];
    FILE *f = fopen("/proc/self/maps", "r");
    while (f && fgets(line, sizeof line, f))
        if (strstr(line, "/jit-"))
            printf("%s %s", tag, line);
    if (f)
        fclose(f);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    unsigned char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        return 2;
    printf("results %d %d\n", gen_and_run(page, 1), gen_and_run(page, 2));
    markers("MARKER");
    if (argc > 1 && strcmp(argv[1], "fork") == 0) {
        pid_t pid = fork();
        if (pid == 0) {
            printf("child result %d\n", gen_and_run(page, 3));
            markers("CHILD MARKER");
            _exit(0);
        }
        int st;
        waitpid(pid, &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            return 1;
    }
    return 0;
}
