/*
 * prog_refuse - a JIT program for hostile dump directories.  With
 * MWT_PLANT=TARGET it first plants a symbolic link
 * $MEMWATCH_DUMP_DIR/<exe>.<getpid()> -> TARGET, where the library would
 * make its process directory; then it generates, rewrites and calls code
 * three times and ends with exit status 3 (a status of its own, to see it
 * kept).  For test_capture_dump_dir_refused.sh.
 */
#include "jit.h"

int main(void)
{
    const char *target = getenv("MWT_PLANT");
    if (target && *target) {
        const char *dump = getenv("MEMWATCH_DUMP_DIR");
        char link[8192];
        if (!dump)
            jit_die("MWT_PLANT without MEMWATCH_DUMP_DIR");
        int n = snprintf(link, sizeof link, "%s/%s.%d", dump, jit_exe_name(), (int)getpid());
        if (n < 0 || n >= (int)sizeof link)
            jit_die("link path too long");
        if (symlink(target, link) != 0)
            jit_die("symlink");
    }
    unsigned char *page = jit_map(1, PROT_READ | PROT_WRITE | PROT_EXEC);
    for (int v = 1; v <= 3; v++) {
        jit_emit_ret(page, 0x700 + v);
        printf("version %d: %#x\n", v, jit_call(page));
    }
    return 3;
}
