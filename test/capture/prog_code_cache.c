/*
 * prog_code_cache [huge] - a 2 MiB code cache, of which a JIT writes a few
 * pages: functions at the start of pages 0 and 5, called; functions on
 * pages 7 and 8, the one on 8 called, then the one on 7; page 0 rewritten
 * and called.  With "huge" the cache is 2 MiB aligned and madvised
 * MADV_HUGEPAGE, so the kernel may back it with one huge page (all 512
 * pages resident after the first write); the AnonHugePages the kernel gave
 * goes to the info file.  For test_capture_only_written_pages.sh.
 */
#include "jit.h"

#define CACHE (2u << 20)

static unsigned long huge_kb(void *p)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    unsigned long lo, hi, kb = 0;
    int inside = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
            inside = lo <= (unsigned long)p && (unsigned long)p < hi;
        else if (inside && sscanf(line, "AnonHugePages: %lu kB", &kb) == 1)
            break;
    }
    fclose(f);
    return kb;
}

static int put(unsigned char *cache, int page, int32_t v)
{
    size_t n = jit_emit_ret(cache + page * JIT_PAGE, v);
    jit_info_code("code", cache + page * JIT_PAGE, n);
    return (int)n;
}

int main(int argc, char **argv)
{
    int huge = argc > 1 && strcmp(argv[1], "huge") == 0;
    unsigned char *map = jit_map(huge ? 2 * CACHE / JIT_PAGE : CACHE / JIT_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC);
    unsigned char *cache = map;
    if (huge) {
        cache = (unsigned char *)(((uintptr_t)map + CACHE - 1) & ~(uintptr_t)(CACHE - 1));
        if (madvise(cache, CACHE, MADV_HUGEPAGE) != 0)
            jit_die("madvise");
    }
    jit_info("pid %d", (int)getpid());
    jit_info("cache %p", (void *)cache);

    put(cache, 0, 0x100);
    put(cache, 5, 0x105);
    jit_info("hugekb %lu", huge_kb(cache));
    printf("page 0: %#x\n", jit_call(cache));
    printf("page 5: %#x\n", jit_call(cache + 5 * JIT_PAGE));
    put(cache, 7, 0x107);
    put(cache, 8, 0x108);
    printf("page 8: %#x\n", jit_call(cache + 8 * JIT_PAGE));
    printf("page 7: %#x\n", jit_call(cache + 7 * JIT_PAGE));
    put(cache, 0, 0x200);
    printf("page 0 again: %#x\n", jit_call(cache));
    return 0;
}
