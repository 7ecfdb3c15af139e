/*
 * test/tooling/tooling_execs.c - a program that replaces itself through the
 * exec calls that take their arguments as a list.  argv[1] names the calls
 * still to make, comma-separated (execl, execlp, execle); each image writes
 * g_stage three times and then execs itself with the rest of the list.
 * execle passes the environment with MW_EXEC_ENV=passed added.  The last
 * image prints the images run and MW_EXEC_ENV.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;
int g_stage;

static char **environ_plus(const char *entry)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 2, sizeof *env);
    if (!env)
        exit(3);
    memcpy(env, environ, n * sizeof *env);
    env[n] = (char *)entry;
    return env;
}

int main(int argc, char **argv)
{
    int image = argc > 2 ? atoi(argv[2]) : 1;
    for (int i = 1; i <= 3; i++)
        *(volatile int *)&g_stage = image * 10 + i;
    const char *calls = argc > 1 ? argv[1] : "";
    if (!*calls) {
        const char *env = getenv("MW_EXEC_ENV");
        printf("images=%d env=%s\n", image, env ? env : "unset");
        return 0;
    }
    const char *comma = strchr(calls, ',');
    size_t len = comma ? (size_t)(comma - calls) : strlen(calls);
    const char *rest = comma ? comma + 1 : "";
    char next[16];
    snprintf(next, sizeof next, "%d", image + 1);
    fflush(stdout);
    if (len == 5 && !strncmp(calls, "execl", 5))
        execl(argv[0], argv[0], rest, next, (char *)NULL);
    else if (len == 6 && !strncmp(calls, "execlp", 6))
        execlp(argv[0], argv[0], rest, next, (char *)NULL);
    else if (len == 6 && !strncmp(calls, "execle", 6))
        execle(argv[0], argv[0], rest, next, (char *)NULL, environ_plus("MW_EXEC_ENV=passed"));
    perror("exec");
    return 2;
}
