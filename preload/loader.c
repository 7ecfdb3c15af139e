/*
 * preload/loader.c - where the dynamic loader's code is (see loader.h):
 * the kernel's AT_BASE (/proc/self/auxv) names the loader's first mapping,
 * and its executable mapping is the one of the same file in
 * /proc/self/maps.
 */
#include "preload/loader.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>

#include "core/fmt.h"
#include "core/log.h"
#include "core/sys.h"
#include "trampoline/maps.h"

static uintptr_t mw_loader_lo, mw_loader_hi;

static uintptr_t mw_auxv_base(void)
{
    long fd = mw_sys_openat(AT_FDCWD, "/proc/self/auxv", O_RDONLY | O_CLOEXEC, 0);
    uint64_t pair[2];
    uintptr_t base = 0;
    if (fd < 0)
        return 0;
    while (mw_sys_read((int)fd, pair, sizeof pair) == (long)sizeof pair && pair[0] != AT_NULL)
        if (pair[0] == AT_BASE)
            base = (uintptr_t)pair[1];
    mw_sys_close((int)fd);
    return base;
}

struct mw_loader_search {
    uintptr_t base;   /* AT_BASE */
    char path[512];   /* the file mapped there */
};

static int mw_loader_line(const struct mw_maps_line *m, void *arg)
{
    struct mw_loader_search *s = arg;
    if (m->start == s->base && !s->path[0] && mw_strlen(m->path) < sizeof s->path)
        for (size_t i = 0; (s->path[i] = m->path[i]); i++)
            ;
    if ((m->prot & PROT_EXEC) && s->path[0] && mw_strcmp(m->path, s->path) == 0) {
        mw_loader_lo = m->start;
        mw_loader_hi = m->end;
        return 1;
    }
    return 0;
}

void mw_loader_find(void)
{
    struct mw_loader_search s = {.base = mw_auxv_base()};
    if (s.base)
        mw_maps_each(mw_loader_line, &s);
    mw_debug("dynamic loader: %s at %p, code [%p, %p)", s.path[0] ? s.path : "none", (void *)s.base,
             (void *)mw_loader_lo, (void *)mw_loader_hi);
}

int mw_loader_owns(uintptr_t ip) { return ip >= mw_loader_lo && ip < mw_loader_hi; }
