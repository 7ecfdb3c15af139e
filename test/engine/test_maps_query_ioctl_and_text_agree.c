/*
 * test-modes: objects
 *
 * Before a watch touches anything, the engine asks the kernel's map of the
 * process about the range: with the PROCMAP_QUERY ioctl where the kernel
 * has it (Linux 6.11+), by reading all of /proc/self/maps where it does not.
 * Both ways must give the same answer for every kind of range: protections
 * that split one mapping, a shared mapping, a file mapping with a name too
 * long for the ioctl's name buffer, [vdso], [stack], [vsyscall], a hole (not
 * mapped), more mappings than asked for.  The text way is forced here with
 * the engine's internal switch, as on an older kernel, and a watch made
 * that way still starts and ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/ioctl.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>

#include "memwatch.h"
#include "mwtest.h"
#include "trampoline/maps.h"

#define PAGE 4096UL
#define MAX 8

/* Does this kernel answer PROCMAP_QUERY?  (Asked directly, not through
 * the engine.) */
static int kernel_has_query(void)
{
    struct {
        uint64_t size, flags, addr, start, end, vflags, psize, off, ino;
        uint32_t maj, min, name_size, build_id_size;
        uint64_t name_addr, build_id_addr;
    } q = {.size = sizeof q, .addr = (uintptr_t)&q};
    int fd = open("/proc/self/maps", O_RDONLY);
    int rc = ioctl(fd, _IOWR('f', 17, q), &q);
    close(fd);
    return rc == 0;
}

static int same(const struct mw_map *a, const struct mw_map *b, int n)
{
    for (int i = 0; i < n; i++)
        if (a[i].start != b[i].start || a[i].end != b[i].end || a[i].prot != b[i].prot ||
            a[i].shared != b[i].shared || a[i].special != b[i].special || a[i].stack != b[i].stack)
            return 0;
    return 1;
}

static int has_query;

/* Asks both ways; checks they agree and which way answered.  Returns the
 * count (or -errno) and the maps of the ioctl way in out. */
static int ask(const char *what, uintptr_t start, uintptr_t end, int max, struct mw_map *out)
{
    struct mw_map text[MAX];
    mw_maps_force_text(0);
    int n = mw_maps_query(start, end, out, max);
    int by_ioctl = mw_maps_used_query();
    mw_maps_force_text(1);
    int m = mw_maps_query(start, end, text, max);
    int by_text = !mw_maps_used_query();
    mw_maps_force_text(0);
    if (n != m || (n > 0 && !same(out, text, n)) || !by_text) {
        printf("%s: the ioctl says %d, the text %d (text used: %d)\n", what, n, m, by_text);
        mwtest_failures++;
    }
    /* A hole and [vsyscall] are the text's to answer even where the kernel has the ioctl. */
    if (has_query && n != -ENOMEM && !(n > 0 && out[0].special && start >= 0xffffffffff600000UL))
        CHECK(by_ioctl);
    return n;
}

int main(void)
{
    has_query = kernel_has_query();
    printf("PROCMAP_QUERY: %s\n", has_query ? "yes" : "no (the text answers both times)");
    struct mw_map maps[MAX];

    /* One mapping split three ways by protection. */
    unsigned char *a = mwtest_pages(4);
    mprotect(a + PAGE, PAGE, PROT_READ);
    mprotect(a + 2 * PAGE, PAGE, PROT_NONE);
    CHECK_EQ(ask("split", (uintptr_t)a, (uintptr_t)a + 4 * PAGE, MAX, maps), 4);
    CHECK(maps[0].prot == (PROT_READ | PROT_WRITE) && maps[1].prot == PROT_READ && maps[2].prot == PROT_NONE);
    CHECK_EQ(maps[1].start, (uintptr_t)a + PAGE);
    CHECK_EQ(ask("split, clipped", (uintptr_t)a + PAGE, (uintptr_t)a + 2 * PAGE, MAX, maps), 1);
    CHECK_EQ(maps[0].end, (uintptr_t)a + 2 * PAGE);
    CHECK_EQ(ask("more than asked for", (uintptr_t)a, (uintptr_t)a + 4 * PAGE, 2, maps), -ENOSPC);

    /* Shared. */
    void *s = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK_EQ(ask("shared", (uintptr_t)s, (uintptr_t)s + 2 * PAGE, MAX, maps), 1);
    CHECK(maps[0].shared && !maps[0].special);

    /* A file whose name does not fit the ioctl's name buffer. */
    char path[300] = "/tmp/memwatch-maps-";
    for (size_t i = strlen(path); i < 200; i++)
        path[i] = 'x';
    strcat(path, "-XXXXXX");
    int fd = mkstemp(path);
    CHECK(fd >= 0 && ftruncate(fd, PAGE) == 0);
    void *f = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    unlink(path);
    CHECK_EQ(ask("long file name", (uintptr_t)f, (uintptr_t)f + PAGE, MAX, maps), 1);
    CHECK(maps[0].prot == PROT_READ && !maps[0].shared && !maps[0].special);

    /* The kernel's own: [vdso] is special, [stack] is the stack. */
    uintptr_t vdso = getauxval(AT_SYSINFO_EHDR);
    if (vdso) {
        CHECK_EQ(ask("[vdso]", vdso, vdso + PAGE, MAX, maps), 1);
        CHECK(maps[0].special);
    }
    uintptr_t stack = (uintptr_t)&maps & ~(PAGE - 1);
    CHECK_EQ(ask("[stack]", stack, stack + PAGE, MAX, maps), 1);
    CHECK(maps[0].stack && !maps[0].special);
    FILE *self = fopen("/proc/self/maps", "r");
    char line[512];
    while (self && fgets(line, sizeof line, self))
        if (strstr(line, "[vsyscall]")) {
            CHECK_EQ(ask("[vsyscall]", 0xffffffffff600000UL, 0xffffffffff601000UL, MAX, maps), 1);
            CHECK(maps[0].special);
        }
    if (self)
        fclose(self);

    /* A hole. */
    unsigned char *h = mwtest_pages(3);
    munmap(h + PAGE, PAGE);
    CHECK_EQ(ask("hole", (uintptr_t)h, (uintptr_t)h + 3 * PAGE, MAX, maps), -ENOMEM);

    /* A watch made while only the text can answer: the page is closed and
     * moved into the pool, then given back with its contents.  (An objects
     * test cannot touch watched memory itself: its code is the library's.) */
    mw_maps_force_text(1);
    memwatch_id_t id;
    volatile uint64_t *w = mwtest_pages(1);
    *w = 7;
    CHECK_EQ(memwatch_watch((void *)w, 8, MEMWATCH_RW, NULL, NULL, &id), 0);
    CHECK(!mw_maps_used_query());
    CHECK_EQ(memwatch_region_mode(id), MEMWATCH_MODE_ALIAS);
    CHECK_EQ(ask("watched page", (uintptr_t)w, (uintptr_t)w + PAGE, MAX, maps), 1);
    CHECK(maps[0].prot == PROT_NONE && maps[0].shared);
    mw_maps_force_text(1);
    CHECK_EQ(memwatch_unwatch(id), 0);
    CHECK_EQ(*w, 7);
    mw_maps_force_text(0);
    return mwtest_done();
}
