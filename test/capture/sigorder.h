/*
 * test/capture/sigorder.h - a program's own signal state, exercised and
 * told on stdout, for tests that compare the output with and without the
 * library (or the agent): a signal sent while blocked waits for the
 * unblock, and an SA_ONSTACK handler runs on the alternate stack the
 * program set (and reads back).
 */
#ifndef MWT_SIGORDER_H
#define MWT_SIGORDER_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile int sigorder_usr1_ran;
static char *sigorder_stack;
static volatile int sigorder_on_stack;

static void sigorder_usr1(int sig)
{
    (void)sig;
    sigorder_usr1_ran = 1;
}

static void sigorder_usr2(int sig)
{
    (void)sig;
    char here;
    sigorder_on_stack = &here >= sigorder_stack && &here < sigorder_stack + 65536;
}

static inline void sigorder_check(void)
{
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    signal(SIGUSR1, sigorder_usr1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    raise(SIGUSR1);
    printf("blocked SIGUSR1 waited: %s\n", sigorder_usr1_ran ? "no" : "yes");
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);
    printf("unblocked SIGUSR1 ran: %s\n", sigorder_usr1_ran ? "yes" : "no");

    sigorder_stack = malloc(65536);
    stack_t ss = {.ss_sp = sigorder_stack, .ss_size = 65536, .ss_flags = 0}, back;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = sigorder_usr2;
    sa.sa_flags = SA_ONSTACK;
    if (sigaltstack(&ss, NULL) != 0 || sigaltstack(NULL, &back) != 0 || sigaction(SIGUSR2, &sa, NULL) != 0)
        printf("cannot set the alternate stack\n");
    printf("alternate stack reads back: %s\n", back.ss_sp == sigorder_stack ? "yes" : "no");
    raise(SIGUSR2);
    printf("SA_ONSTACK handler ran on it: %s\n", sigorder_on_stack ? "yes" : "no");
}

#endif
