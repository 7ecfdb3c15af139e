#!/bin/sh
# The toggling backend (the fallback when no alias view can be made, forced
# here with MEMWATCH_BACKEND=toggle) gives the same results and counts as the
# alias backend on the instruction-form tests; watches report the mode.
set -u
fails=0 ran=0
for bin in "$TESTBIN"/linked/watch_test_watch_*; do
    case "$bin" in *null_write*|*own_handler*|*own_sigsegv*) continue ;; esac
    [ -x "$bin" ] || continue
    ran=$((ran + 1))
    if ! MEMWATCH_BACKEND=toggle "$TESTBIN/runone" -- "$bin" >"$TESTBIN/log/toggle.$(basename "$bin").out" 2>&1; then
        echo "toggle backend: $(basename "$bin") fails"; fails=$((fails + 1))
    fi
done
[ $ran -gt 10 ] || { echo "SKIP: the watch tests are not built yet (run the whole suite)"; exit 77; }
cat >"$TESTBIN/mode_toggle.c" <<'C'
#include "memwatch.h"
int main(void) {
    char *p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memwatch_id_t id;
    if (memwatch_watch(p, 8, MEMWATCH_RW, 0, 0, &id)) return 2;
    p[1] = 5;
    return memwatch_region_mode(id) == MEMWATCH_MODE_TOGGLE && p[1] == 5 && _get_trap_count() == 2 ? 0 : 1;
}
C
gcc -I"$ROOT/include" "$TESTBIN/mode_toggle.c" -o "$TESTBIN/mode_toggle" -L"$BUILD" -lmemwatch -Wl,-rpath,"$BUILD"
MEMWATCH_BACKEND=toggle "$TESTBIN/mode_toggle" || { echo "mode is not toggle or the access failed"; fails=$((fails + 1)); }
echo "$ran form tests under the toggle backend, $fails failing"
[ $fails -eq 0 ]
