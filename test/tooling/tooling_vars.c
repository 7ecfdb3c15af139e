/*
 * test/tooling/tooling_vars.c - a program with variables of every kind the
 * executable can hold: a global (g_counter), a file-scope static (s_total),
 * a function-scope static (calls, which the compiler names calls.N) and a
 * global array (g_table).  Named functions touch them; the program prints
 * each variable's address as NAME=0x... and their final values, the same on
 * every run.
 */
#include <stdio.h>

int g_counter;
static long s_total = 100;
long g_table[8];

__attribute__((noinline)) void bump_counter(void) { g_counter++; }

__attribute__((noinline)) static void add_total(long v) { s_total += v; }

static int *calls_slot;

__attribute__((noinline)) static int count_call(void)
{
    static int calls;
    calls_slot = &calls;
    return ++calls;
}

__attribute__((noinline)) static void fill_table(int i) { g_table[i] = (long)i * i; }

__attribute__((noinline)) static long read_total(void) { return *(volatile long *)&s_total; }

int main(void)
{
    int n = 0;
    for (int i = 0; i < 5; i++) {
        bump_counter();
        add_total(i + 1);
        n = count_call();
        fill_table(i);
    }
    printf("G_COUNTER=%p\nS_TOTAL=%p\nCALLS=%p\nG_TABLE=%p\n", (void *)&g_counter, (void *)&s_total,
           (void *)calls_slot, (void *)g_table);
    printf("g_counter %d s_total %ld calls %d g_table[4] %ld\n", g_counter, read_total(), n, g_table[4]);
    return 0;
}
