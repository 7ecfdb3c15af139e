#!/bin/sh
# make install PREFIX=<temporary prefix> installs the library, the header,
# the launcher, memwatch.pc and the man pages; a program built with
# `pkg-config --cflags --libs memwatch` (PKG_CONFIG_PATH at the prefix) runs
# against the installed library, and the installed launcher preloads the
# installed library (../lib from itself).  make uninstall removes it all.
. "$(dirname "$0")/lib.sh"
command -v pkg-config >/dev/null 2>&1 || skip "pkg-config is not installed"
command -v make >/dev/null 2>&1 || skip "make is not installed"
prefix=$TMP/prefix
mkdir -p "$prefix"

make -s -C "$ROOT" install PREFIX="$prefix" >"$TMP/install.log" 2>&1 || fail "make install: $(tail -n 5 "$TMP/install.log")"
for f in lib/libmemwatch.so include/memwatch.h bin/memwatch lib/pkgconfig/memwatch.pc \
         share/man/man1/memwatch.1 share/man/man3/memwatch.3 share/memwatch/memwatch.gdb; do
    [ -f "$prefix/$f" ] || fail "$f is not installed"
done
[ -x "$prefix/bin/memwatch" ] || fail "bin/memwatch is not executable"

export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
[ "$(pkg-config --modversion memwatch)" = "$(sed -n 's/^#define MWT_VERSION "\(.*\)"/\1/p' "$ROOT/tools/util.h")" ] ||
    fail "pkg-config --modversion: $(pkg-config --modversion memwatch 2>&1)"
flags=$(pkg-config --cflags --libs memwatch) || fail "pkg-config --cflags --libs memwatch failed"
case "$flags" in *"-I$prefix/include"*"-L$prefix/lib"*) ;; *) fail "pkg-config says: $flags" ;; esac

cat >"$TMP/balance.c" <<'C'
#include <memwatch.h>
#include <stdio.h>

static long balance;
static unsigned long writes;

static void seen(const memwatch_event_t *ev, void *user)
{
    (void)user;
    writes += ev->is_write;
}

int main(void)
{
    memwatch_id_t id;
    uint64_t n = 0;
    if (memwatch_watch(&balance, sizeof balance, MEMWATCH_WRITE, seen, NULL, &id) != 0)
        return perror("memwatch_watch"), 1;
    for (int i = 0; i < 5; i++)
        *(volatile long *)&balance += 5;
    memwatch_region_count(id, &n);
    printf("balance %ld, %llu writes counted, %lu seen\n", balance, (unsigned long long)n, writes);
    return memwatch_unwatch(id);
}
C
unset LD_LIBRARY_PATH
# shellcheck disable=SC2086
$CC -std=gnu11 -Wall -Wextra -Werror "$TMP/balance.c" -o "$TMP/balance" $flags || fail "cannot build with pkg-config's flags"
ldd "$TMP/balance" | grep -q "libmemwatch.so => $prefix/lib/libmemwatch.so" ||
    fail "not linked to the installed library: $(ldd "$TMP/balance" | grep memwatch)"
"$TMP/balance" >"$TMP/balance.out" 2>&1 || fail "the program fails: $(cat "$TMP/balance.out")"
expect_in "$TMP/balance.out" "balance 25, 5 writes counted, 5 seen"

# The installed launcher finds the installed library next door.
cat >"$TMP/env.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
int main(void) { printf("LD_PRELOAD=%s\n", getenv("LD_PRELOAD")); return 0; }
C
$CC -o "$TMP/env" "$TMP/env.c" || fail "cc env.c"
(cd "$TMP" && "$prefix/bin/memwatch" -q -- ./env) >"$TMP/env.out" 2>&1 || fail "installed launcher: $(cat "$TMP/env.out")"
expect_in "$TMP/env.out" "LD_PRELOAD=$(cd "$prefix/lib" && pwd -P)/libmemwatch.so"
"$prefix/bin/memwatch" --help | grep -q -- '--jitdump' || fail "installed launcher: no --help"

if command -v man >/dev/null 2>&1; then
    for page in 1 3; do
        MANWIDTH=80 man -l "$prefix/share/man/man$page/memwatch.$page" >"$TMP/man$page.txt" 2>"$TMP/man.err" ||
            fail "man memwatch.$page: $(cat "$TMP/man.err")"
        grep -q "^MEMWATCH($page)" "$TMP/man$page.txt" || fail "memwatch.$page does not render"
    done
fi

make -s -C "$ROOT" uninstall PREFIX="$prefix" >"$TMP/uninstall.log" 2>&1 || fail "make uninstall: $(cat "$TMP/uninstall.log")"
left=$(cd "$prefix" && find . -mindepth 1 | head -n 5)
[ -z "$left" ] || fail "left after uninstall: $left"

# Staged (DESTDIR), into a prefix that has a life of its own: the .pc names
# the real prefix, and uninstall leaves what was there before.
stage=$TMP/stage
mkdir -p "$stage/opt/mw/lib"
echo keep >"$stage/opt/mw/lib/other"
make -s -C "$ROOT" install PREFIX=/opt/mw DESTDIR="$stage" >"$TMP/install2.log" 2>&1 || fail "staged install: $(cat "$TMP/install2.log")"
grep -q '^prefix=/opt/mw$' "$stage/opt/mw/lib/pkgconfig/memwatch.pc" || fail "staged .pc: $(cat "$stage/opt/mw/lib/pkgconfig/memwatch.pc")"
make -s -C "$ROOT" uninstall PREFIX=/opt/mw DESTDIR="$stage" >"$TMP/uninstall2.log" 2>&1 || fail "staged uninstall"
[ "$(cd "$stage" && find . -mindepth 1 | sort | tr '\n' ' ')" = "./opt ./opt/mw ./opt/mw/lib ./opt/mw/lib/other " ] ||
    fail "staged uninstall left: $(cd "$stage" && find . -mindepth 1 | sort | tr '\n' ' ')"
echo "ok"
