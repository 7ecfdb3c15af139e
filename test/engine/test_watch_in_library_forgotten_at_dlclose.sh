#!/bin/sh
# A watch (API) on a global of a dlopen'ed library: counted while loaded; at
# dlclose the loader unmaps it with its own munmap, and the engine forgets the
# pages - loaded again (often at the same address) the library's memory is
# ordinary, and the old watch can still be ended without error.
set -eu
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/plug.c" <<'C'
int plug_counter;
int plug_bump(void) { return ++plug_counter; }
C
cat >"$tmp/main.c" <<'C'
#include <dlfcn.h>
#include <stdio.h>
#include "memwatch.h"
int main(int argc, char **argv) {
    (void)argc;
    void *h = dlopen(argv[1], RTLD_NOW);
    int *counter = dlsym(h, "plug_counter");
    int (*bump)(void) = (int (*)(void))dlsym(h, "plug_bump");
    memwatch_id_t id;
    if (memwatch_watch(counter, sizeof *counter, MEMWATCH_RW, NULL, NULL, &id)) return 2;
    bump(); bump();
    uint64_t n = 0;
    memwatch_region_count(id, &n);
    dlclose(h);
    h = dlopen(argv[1], RTLD_NOW);
    bump = (int (*)(void))dlsym(h, "plug_bump");
    uint32_t before = _get_trap_count();
    int v = bump();
    uint32_t after = _get_trap_count();
    int rc = memwatch_unwatch(id);
    printf("%llu %d %u %d\n", (unsigned long long)n, v, after - before, rc);
    return n >= 2 && v == 1 && after == before && rc == 0 ? 0 : 1;
}
C
gcc -shared -fPIC -o "$tmp/libplug.so" "$tmp/plug.c"
gcc -I"$ROOT/include" -o "$tmp/main" "$tmp/main.c" -L"$BUILD" -lmemwatch -Wl,-rpath,"$BUILD" -ldl
"$tmp/main" "$tmp/libplug.so"
