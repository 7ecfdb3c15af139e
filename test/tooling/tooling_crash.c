/*
 * test/tooling/tooling_crash.c - for the gdb test: touches the global
 * g_hits 1000 times (each access a fault the library handles when g_hits is
 * watched), prints it, then, unless given "nocrash", writes through a NULL
 * pointer in crash_here().
 */
#include <stdio.h>
#include <string.h>

volatile int g_hits;

__attribute__((noinline)) static void crash_here(int *volatile *pp)
{
    int *p = *pp;
    *p = 42;
}

int main(int argc, char **argv)
{
    for (int i = 0; i < 1000; i++)
        g_hits++;
    printf("hits %d\n", g_hits);
    fflush(stdout);
    if (argc > 1 && strcmp(argv[1], "nocrash") == 0)
        return 0;
    int *volatile null = NULL;
    crash_here(&null);
    return 0;
}
