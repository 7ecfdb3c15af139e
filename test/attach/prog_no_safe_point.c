/*
 * prog_no_safe_point MS - a process with no safe point for an attach: its
 * one thread waits MS milliseconds on a futex (a condition variable: the
 * way locks are waited for), says how long it waited, and exits with 4.
 * For test_attach_failures_are_clear_and_harmless.sh.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
    long ms = argc > 1 ? atol(argv[1]) : 1000;
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t c = PTHREAD_COND_INITIALIZER;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&m);
    while (pthread_cond_timedwait(&c, &m, &until) == 0)
        ;
    pthread_mutex_unlock(&m);
    printf("waited %ld ms\n", ms);
    return 4;
}
