/*
 * prog_crash MODE - generates and calls two versions of a function, then
 * ends abruptly right after the last capture, as MODE says:
 *   segv   raise(SIGSEGV)            abort   abort()
 *   fault  a store through NULL      kill    raise(SIGKILL)
 *   _exit  _exit(5)                  thread  a thread runs a third version,
 *                                            then calls exit(6) while main
 *                                            waits in pthread_join
 * For test_capture_lines_whole_when_crashing.sh.
 */
#include "jit.h"

#include <pthread.h>
#include <signal.h>

static unsigned char *page;

static void *last_words(void *arg)
{
    (void)arg;
    size_t n = jit_emit_ret_add2(page, 0xc3c3, 3, 30);
    jit_info("thread %d", (int)jit_gettid());
    jit_info_code("code", page, n);
    printf("thread: %#x\n", jit_call(page));
    fflush(stdout);
    exit(6);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "segv";
    page = jit_map(1, PROT_READ | PROT_WRITE | PROT_EXEC);
    jit_info("pid %d", (int)getpid());
    size_t n = jit_emit_ret(page, 0xc1c1);
    jit_info_code("code", page, n);
    printf("version 1: %#x\n", jit_call(page));
    n = jit_emit_ret_add(page, 0xc2c2, 2);
    jit_info_code("code", page, n);
    printf("version 2: %#x\n", jit_call(page));
    fflush(stdout);
    if (strcmp(mode, "segv") == 0) {
        raise(SIGSEGV);
    } else if (strcmp(mode, "abort") == 0) {
        abort();
    } else if (strcmp(mode, "fault") == 0) {
        *(volatile int *)(uintptr_t)jit_call(page) = 1; /* address 0xc2c4: nothing is mapped there */
    } else if (strcmp(mode, "kill") == 0) {
        raise(SIGKILL);
    } else if (strcmp(mode, "_exit") == 0) {
        _exit(5);
    } else if (strcmp(mode, "thread") == 0) {
        pthread_t th;
        if (pthread_create(&th, NULL, last_words, NULL) != 0)
            jit_die("pthread_create");
        pthread_join(th, NULL);
    }
    printf("FATAL: still alive after %s\n", mode);
    return 1;
}
