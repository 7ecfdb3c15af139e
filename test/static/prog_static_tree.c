/*
 * prog_static_tree [child|again|dynamic] - a process tree from a static
 * program: the first image JITs on a page, forks, waits for the child and
 * rewrites its page; the child JITs, execs itself ("again": a static image
 * of the same pid), which JITs and execs the same program built
 * dynamically ($MWT_TREE_DYN, "dynamic"), which JITs too.  Each image
 * tells the info file its pid and the code it ran.
 * For test_static_fork_and_exec_followed.sh.
 */
#include "jit.h"

#include <sys/wait.h>

static int run_version(unsigned char *page, const char *image, int32_t v)
{
    memset(page, 0, 16);
    size_t n = jit_emit_ret_add(page, v, 1);
    jit_info("code %s %d %p", image, (int)getpid(), (void *)page);
    jit_info_code("bytes", page, n);
    int r = jit_call(page);
    printf("%s: %d\n", image, r);
    fflush(stdout);
    return r;
}

static void exec_image(const char *path, const char *arg)
{
    char *args[] = {(char *)path, (char *)arg, NULL};
    execv(path, args);
    jit_die(path);
}

int main(int argc, char **argv)
{
    const char *image = argc > 1 ? argv[1] : "parent";
    unsigned char *page = jit_map(1, PROT_READ | PROT_WRITE | PROT_EXEC);
    jit_info("image %s %d", image, (int)getpid());
    if (strcmp(image, "parent") == 0) {
        run_version(page, image, 100);
        pid_t pid = fork();
        if (pid < 0)
            jit_die("fork");
        if (pid == 0) {
            run_version(page, "child", 200);
            exec_image("/proc/self/exe", "again");
        }
        int status;
        if (waitpid(pid, &status, 0) != pid)
            jit_die("waitpid");
        printf("child status %d\n", status);
        run_version(page, image, 101);
    } else if (strcmp(image, "again") == 0) {
        run_version(page, image, 300);
        const char *dyn = getenv("MWT_TREE_DYN");
        if (!dyn)
            jit_die("MWT_TREE_DYN unset");
        exec_image(dyn, "dynamic");
    } else {
        run_version(page, image, 400);
    }
    return 0;
}
