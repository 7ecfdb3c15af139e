/*
 * prog_fork - code before and after fork, with a JIT thread running
 * through the fork.  The parent generates and calls code (one capture),
 * starts a thread that rewrites and calls a function on its own page 200
 * times, and forks while that thread is at work; the child rewrites the
 * inherited page and calls it, then maps a page of its own and runs code
 * there; the parent waits for the child, rewrites its page and calls it,
 * and joins the thread.  For test_capture_fork_child_own_directory.sh.
 */
#include "jit.h"

#include <pthread.h>
#include <sys/wait.h>

#define ROUNDS 200

static volatile int rounds_done;
static int wrong;

static int run(const char *who, unsigned char *page, int32_t v)
{
    size_t n = jit_emit_ret(page, v);
    jit_info_code(who, page, n);
    return jit_call(page);
}

static void *busy(void *arg)
{
    (void)arg;
    unsigned char *page = jit_map(1, PROT_READ | PROT_WRITE | PROT_EXEC);
    jit_info("busy %d %p", (int)jit_gettid(), (void *)page);
    for (int i = 0; i < ROUNDS; i++) {
        jit_emit_ret(page, 0x3000 + i);
        if (jit_call(page) != 0x3000 + i)
            wrong++;
        __atomic_store_n(&rounds_done, i + 1, __ATOMIC_RELEASE);
    }
    return NULL;
}

int main(void)
{
    unsigned char *page = jit_map(1, PROT_READ | PROT_WRITE | PROT_EXEC);
    jit_info("parent %d", (int)getpid());
    printf("parent before fork: %#x\n", run("parent_code", page, 0x1001));
    fflush(stdout);

    pthread_t th;
    if (pthread_create(&th, NULL, busy, NULL) != 0)
        jit_die("pthread_create");
    while (__atomic_load_n(&rounds_done, __ATOMIC_ACQUIRE) < 20)
        sched_yield();

    pid_t child = fork();
    if (child < 0)
        jit_die("fork");
    if (child == 0) {
        jit_info("child %d %d", (int)getpid(), (int)jit_gettid());
        int r1 = run("child_code", page, 0x2001);
        unsigned char *own = jit_map(1, PROT_READ | PROT_WRITE | PROT_EXEC);
        int r2 = run("child_code", own, 0x2002);
        printf("child: %#x %#x\n", r1, r2);
        fflush(stdout);
        _exit(r1 == 0x2001 && r2 == 0x2002 ? 0 : 1);
    }
    int status;
    if (waitpid(child, &status, 0) != child)
        jit_die("waitpid");
    /* After the child is done, so stdout's order does not depend on timing. */
    printf("parent after fork: %#x\n", run("parent_code", page, 0x1002));
    printf("child ended with %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    pthread_join(th, NULL);
    printf("thread: %d wrong results\n", wrong);
    return 0;
}
