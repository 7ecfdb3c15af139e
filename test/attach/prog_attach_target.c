/*
 * prog_attach_target FIFO - a JIT program to attach to while it runs.
 * Before: runs version 1 of a function on an RWX page, says "ready" in the
 * info file and blocks reading FIFO (a safe point: read on a pipe).  After
 * a byte arrives: rewrites that page (version 2), makes a new RWX page
 * (version 3), runs an mprotect cycle on a third page (version 4), and
 * adds 1..5 to the global watched_counter, each version called and told to
 * the info file; then checks that the SIGSEGV handler it installed before
 * is still its own and still catches its own real fault, and that its own
 * signal mask and alternate stack work (sigorder.h).  stdout: the
 * results; exit status 3.
 * For the tests in test/attach/.
 */
#include "jit.h"
#include "sigorder.h"

#include <setjmp.h>
#include <signal.h>

volatile long watched_counter;
static volatile uintptr_t nothing_there = 8;
static sigjmp_buf back;

static void own_handler(int sig)
{
    (void)sig;
    siglongjmp(back, 1);
}

static int run(unsigned char *page, const char *name, size_t n)
{
    jit_info("code %s %p", name, (void *)page);
    jit_info_code("bytes", page, n);
    int r = jit_call(page);
    printf("%s: %#x\n", name, r);
    return r;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    int fd = open(argv[1], O_RDWR | O_CLOEXEC); /* read+write: the open does not wait for a writer */
    if (fd < 0)
        jit_die("open fifo");
    if (signal(SIGSEGV, own_handler) == SIG_ERR)
        jit_die("signal");
    unsigned char *rwx = jit_map(1, PROT_READ | PROT_WRITE | PROT_EXEC);
    jit_emit_ret(rwx, 0x1001);
    printf("before: %#x\n", jit_call(rwx));
    fflush(stdout);
    jit_info("pid %d", (int)getpid());
    jit_info("counter %p", (void *)&watched_counter);
    jit_info("ready");
    char go;
    if (read(fd, &go, 1) != 1)
        jit_die("read fifo");

    memset(rwx, 0, 16);
    run(rwx, "rewritten", jit_emit_ret_add(rwx, 0x2002, 2));
    unsigned char *fresh = jit_map(1, PROT_READ | PROT_WRITE | PROT_EXEC);
    run(fresh, "new_page", jit_emit_ret_add2(fresh, 0x3003, 3, 3));
    unsigned char *cycle = jit_map(1, PROT_READ | PROT_WRITE);
    size_t n = jit_emit_ret(cycle, 0x4004);
    if (mprotect(cycle, JIT_PAGE, PROT_READ | PROT_EXEC) != 0)
        jit_die("mprotect");
    run(cycle, "mprotect_cycle", n);
    for (int i = 1; i <= 5; i++)
        watched_counter = watched_counter + i;
    printf("counter: %ld\n", watched_counter);
    struct sigaction now;
    sigaction(SIGSEGV, NULL, &now);
    printf("own handler still installed: %s\n", now.sa_handler == own_handler ? "yes" : "no");
    if (sigsetjmp(back, 1) == 0)
        *(volatile int *)nothing_there = 1;
    printf("own handler caught its fault\n");
    sigorder_check();
    return 3;
}
