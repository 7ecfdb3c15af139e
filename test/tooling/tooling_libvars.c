/*
 * test/tooling/tooling_libvars.c - a shared library the host program is
 * linked against (loaded at start): a global (lib_counter) and a static
 * (lib_hidden), touched by its own functions.
 */
int lib_counter;
static int lib_hidden = 7;

__attribute__((noinline)) void lib_bump(int n)
{
    for (int i = 0; i < n; i++)
        *(volatile int *)&lib_counter += 1; /* three accesses, not one */
}

__attribute__((noinline)) int lib_hidden_set(int v)
{
    lib_hidden = v;
    return *(volatile int *)&lib_hidden;
}

void *lib_hidden_addr(void) { return &lib_hidden; }
