/*
 * test/tooling/tooling_host.c - a host program linked against
 * libmwtvars.so (tooling_libvars.c) that later loads libmwtplugin.so
 * (tooling_plugin.c) with dlopen by its bare name, found only through the
 * host's own RUNPATH.  Prints each variable's address as NAME=0x...
 * With the argument "reload" it then closes the plugin, loads it again and
 * steps it twice more (PLUGIN_TOTAL2= is its address the second time).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

extern int lib_counter;
void lib_bump(int n);
int lib_hidden_set(int v);
void *lib_hidden_addr(void);

static void *load(int (**step)(int), int **total, void *(**calls)(void))
{
    void *h = dlopen("libmwtplugin.so", RTLD_NOW);
    if (!h) {
        printf("dlopen: %s\n", dlerror());
        return NULL;
    }
    *step = (int (*)(int))dlsym(h, "plugin_step");
    *total = (int *)dlsym(h, "plugin_total");
    *calls = (void *(*)(void))dlsym(h, "plugin_calls_addr");
    return h;
}

int main(int argc, char **argv)
{
    lib_bump(3);
    int hidden = lib_hidden_set(42);
    printf("LIB_COUNTER=%p\nLIB_HIDDEN=%p\n", (void *)&lib_counter, lib_hidden_addr());
    int (*step)(int);
    int *total;
    void *(*calls)(void);
    void *h = load(&step, &total, &calls);
    if (!h)
        return 1;
    printf("PLUGIN_TOTAL=%p\nPLUGIN_CALLS=%p\n", (void *)total, calls());
    int t = 0;
    for (int i = 1; i <= 4; i++)
        t = step(i);
    printf("lib_counter %d lib_hidden %d plugin_total %d\n", lib_counter, hidden, t);
    if (argc > 1 && strcmp(argv[1], "reload") == 0) {
        dlclose(h);
        h = load(&step, &total, &calls);
        if (!h)
            return 1;
        printf("PLUGIN_TOTAL2=%p\n", (void *)total);
        step(10);
        printf("plugin_total again %d\n", step(10));
    }
    return 0;
}
