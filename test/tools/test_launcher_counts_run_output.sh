#!/bin/sh
# The summary line counts the captures.jsonl and accesses.jsonl lines that
# this run's processes wrote (the program and its children), not what earlier
# runs left in the dump directory.  A stand-in library writes one capture and
# two accesses per process, into <dump>/<exe>.<pid>/ as the real one does.
. "$(dirname "$0")/lib.sh"

cat >"$TMP/fake.c" <<'C'
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

__attribute__((constructor)) static void fake_dump(void)
{
    const char *dir = getenv("MEMWATCH_DUMP_DIR");
    char exe[PATH_MAX], path[PATH_MAX + 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (!dir || n <= 0)
        return;
    exe[n] = '\0';
    mkdir(dir, 0700);
    snprintf(path, sizeof path, "%s/%s.%d", dir, strrchr(exe, '/') + 1, (int)getpid());
    mkdir(path, 0700);
    strcat(path, "/captures.jsonl");
    FILE *f = fopen(path, "a");
    if (f) {
        fputs("{\"seq\":1}\n", f);
        fclose(f);
    }
    strcpy(strrchr(path, '/'), "/accesses.jsonl");
    f = fopen(path, "a");
    if (f) {
        fputs("{\"addr\":\"0x1\"}\n{\"addr\":\"0x2\"}\n", f);
        fclose(f);
    }
}
C
$CC -shared -fPIC -o "$TMP/fake.so" "$TMP/fake.c" || fail "cannot build the stand-in library"
export MEMWATCH_LIB="$TMP/fake.so"
cd "$TMP" || fail "cd"

# Leftovers of an earlier run: must not be counted.
mkdir -p out/old.1
printf '{"seq":1}\n{"seq":2}\n' >out/old.1/captures.jsonl

# The shell and two children: three processes.
"$MEMWATCH" --dump-dir out -- sh -c '/bin/true; /bin/true; exit 0' 2>"$TMP/err" || fail "the run failed"
grep -qx 'memwatch: 3 captures, 6 accesses logged in out (3 processes)' "$TMP/err" ||
    fail "summary: $(cat "$TMP/err")"

# A second run into the same directory counts only itself.
"$MEMWATCH" --dump-dir out -- /bin/true 2>"$TMP/err" || fail "the second run failed"
grep -qx 'memwatch: 1 capture, 2 accesses logged in out (1 process)' "$TMP/err" ||
    fail "second summary: $(cat "$TMP/err")"
echo "ok"
