/*
 * preload/api.c - the public API (include/memwatch.h).
 *
 * The MemWatcher trio reports bad input with one line on stderr and changes
 * nothing; the memwatch_* calls return -1 with errno.  Both are thin: the
 * engine's watch.c does the work.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "core/log.h"
#include "core/pages.h"
#include "memwatch.h"
#include "preload/init.h"
#include "trampoline/maps.h"
#include "trampoline/record.h"
#include "trampoline/table.h"
#include "trampoline/watch.h"

#define MW_API __attribute__((visibility("default")))

static const char *mw_watch_error(int err, const void *addr, size_t size)
{
    uintptr_t a = (uintptr_t)addr;
    switch (err) {
    case EINVAL:
        if (a && size && a + size > a && mw_pages_own(a, a + size))
            return "the range overlaps libmemwatch's own memory (its stacks, buffers or alias views)";
        return "invalid address, size or protection";
    case ENOMEM:
        if (a && size && a + size > a && mw_maps_all_mapped(MW_PAGE_FLOOR(a), MW_PAGE_CEIL(a + size)))
            return "out of kernel memory mappings (vm.max_map_count) or memory";
        return "memory not mapped";
    case EEXIST: return "overlaps a watch with a different protection";
    case EBUSY: return "overlaps code the capture cycle is tracking";
    case ENOTSUP: return "this memory cannot be watched";
    case ENOENT: return "no watch at this address";
    default: return mw_strerror(err);
    }
}

static int mw_set_errno(int rc)
{
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    return 0;
}

MW_API void _watch_address(void *addr, size_t size, int prot)
{
    mw_init_once();
    unsigned access;
    if (prot == PROT_NONE)
        access = MEMWATCH_RW;
    else if (prot == PROT_READ)
        access = MEMWATCH_WRITE;
    else {
        mw_warn("_watch_address(%p, %lu, %d): %s", addr, (unsigned long)size, prot,
                "prot must be PROT_NONE (reads and writes) or PROT_READ (writes)");
        return;
    }
    struct mw_watch_spec spec = {.addr = (uintptr_t)addr, .size = size, .access = access,
                                 .flags = MW_WATCH_TRIO};
    int rc = mw_watch_start(&spec, NULL);
    if (rc < 0)
        mw_warn("_watch_address(%p, %lu, %d): %s", addr, (unsigned long)size, prot, mw_watch_error(-rc, addr, size));
}

MW_API void _unwatch_address(void *addr, int prot)
{
    mw_init_once();
    memwatch_id_t id = addr ? mw_watch_lookup((uintptr_t)addr) : 0;
    int rc = id ? mw_watch_stop(id, prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) : -ENOENT;
    if (rc < 0)
        mw_warn("_unwatch_address(%p, %d): %s", addr, prot, mw_watch_error(-rc, NULL, 0));
}

MW_API uint32_t _get_trap_count(void) { return (uint32_t)__atomic_load_n(&mw_stat_accesses, __ATOMIC_RELAXED); }

MW_API int memwatch_watch(void *addr, size_t size, unsigned access, memwatch_callback_t callback, void *user,
                          memwatch_id_t *id)
{
    mw_init_once();
    struct mw_watch_spec spec = {.addr = (uintptr_t)addr, .size = size, .access = access,
                                 .callback = callback, .user = user};
    memwatch_id_t made = 0;
    int rc = mw_watch_start(&spec, &made);
    if (rc == 0 && id && mw_watch_copy_out(id, &made, sizeof made) != 0) {
        mw_watch_stop(made, -1); /* no one could ever end it */
        rc = -EFAULT;
    }
    return mw_set_errno(rc);
}

MW_API int memwatch_unwatch(memwatch_id_t id)
{
    mw_init_once();
    return mw_set_errno(mw_watch_stop(id, -1));
}

MW_API int memwatch_region_count(memwatch_id_t id, uint64_t *count)
{
    mw_init_once();
    if (!count)
        return mw_set_errno(-EINVAL);
    uint64_t n = 0;
    int rc = mw_watch_count(id, &n);
    if (rc == 0)
        rc = mw_watch_copy_out(count, &n, sizeof n);
    return mw_set_errno(rc);
}

MW_API int memwatch_region_mode(memwatch_id_t id)
{
    mw_init_once();
    int mode = mw_watch_mode(id);
    return mode < 0 ? mw_set_errno(mode) : mode;
}

MW_API int memwatch_get_stats(memwatch_stats_t *stats)
{
    mw_init_once();
    if (!stats)
        return mw_set_errno(-EINVAL);
    memwatch_stats_t now;
    memset(&now, 0, sizeof now);
    now.accesses = __atomic_load_n(&mw_stat_accesses, __ATOMIC_RELAXED);
    now.silent = __atomic_load_n(&mw_stat_silent, __ATOMIC_RELAXED);
    now.single_steps = __atomic_load_n(&mw_stat_single_steps, __ATOMIC_RELAXED);
    now.captures = __atomic_load_n(&mw_stat_captures, __ATOMIC_RELAXED);
    now.foreign_faults = __atomic_load_n(&mw_stat_foreign, __ATOMIC_RELAXED);
    now.live_watches = mw_watch_live_count();
    return mw_set_errno(mw_watch_copy_out(stats, &now, sizeof now));
}
