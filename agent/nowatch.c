/*
 * agent/nowatch.c - trampoline/watch.h's hooks for the interposers'
 * memory calls, in the agent: no page is ever watched there (watching needs
 * the decoder), so there is nothing to keep right when memory moves.
 */
#include "trampoline/watch.h"

void mw_watch_on_unmap(uintptr_t start, uintptr_t end)
{
    (void)start;
    (void)end;
}

int mw_watch_on_mprotect(uintptr_t start, uintptr_t end, int prot)
{
    (void)start;
    (void)end;
    (void)prot;
    return 0;
}

int mw_watch_any_page(uintptr_t start, uintptr_t end)
{
    (void)start;
    (void)end;
    return 0;
}

void mw_watch_before_move(uintptr_t start, uintptr_t end)
{
    (void)start;
    (void)end;
}

void mw_watch_on_code_change(uintptr_t start, uintptr_t end, int gone)
{
    (void)start;
    (void)end;
    (void)gone;
}
