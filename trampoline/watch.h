/*
 * trampoline/watch.h - starting and ending watches, and keeping them right
 * when the program remaps their memory.
 *
 * These are the engine's entry points for the API (preload/api.c), for
 * MEMWATCH_WATCH (preload/watch_env.c) and for the interposed memory calls
 * (preload/interpose_mem.c).  Each takes the table lock itself and returns
 * 0 or -errno.
 */
#ifndef MW_TRAMPOLINE_WATCH_H
#define MW_TRAMPOLINE_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include "memwatch.h"

struct mw_watch_spec {
    uintptr_t addr;
    size_t size;
    unsigned access;             /* MEMWATCH_READ | MEMWATCH_WRITE */
    memwatch_callback_t callback;
    void *user;
    unsigned flags;              /* MW_WATCH_* */
    const char *label;           /* for logs; may be NULL */
};

/* Starts a watch. -EINVAL (bad input, or the library's own memory), -ENOMEM
 * (unmapped), -EEXIST (overlaps a watch of another kind), -EBUSY
 * (code-capture memory), -ENOTSUP. */
int mw_watch_start(const struct mw_watch_spec *spec, memwatch_id_t *id);
/* Ends watch id. Pages left without a watch get protection prot, or (prot < 0)
 * the protection the program last asked for. -ENOENT if unknown. */
int mw_watch_stop(memwatch_id_t id, int prot);
/* The id of the watch starting at (else containing) addr, or 0. */
memwatch_id_t mw_watch_lookup(uintptr_t addr);
int mw_watch_count(memwatch_id_t id, uint64_t *count);
/* MEMWATCH_MODE_* of the watch's pages, or -ENOENT. */
int mw_watch_mode(memwatch_id_t id);
/* Table lock held: the program's code in [start, end) is gone (munmap, a
 * mapping over it) or about to become writable or move (!gone): promoted
 * sites there give their code back and are forgotten (promote.h). */
void mw_watch_on_code_change(uintptr_t start, uintptr_t end, int gone);
/* Stores an API call's result in the program's memory, which may be a
 * watched page (a variable beside the watched one): through the page's
 * alias, not recorded.  0, or -EFAULT when the program may not write there. */
int mw_watch_copy_out(void *dst, const void *src, size_t n);

/* The program's own calls, with the table lock held by the caller:
 * munmap (or MAP_FIXED over, or mremap away) of [start, end): the pages are
 * forgotten; mprotect: the program now wants prot there - returns 1 when the
 * range holds watched pages (the caller must then not apply prot to them:
 * mw_watch_on_mprotect did what is right for them). */
void mw_watch_on_unmap(uintptr_t start, uintptr_t end);
int mw_watch_on_mprotect(uintptr_t start, uintptr_t end, int prot);
/* Does [start, end) hold a watched page? (lock held) */
int mw_watch_any_page(uintptr_t start, uintptr_t end);
/* Before mremap moves [start, end): turn its watched pages back to ordinary
 * memory (the watches lose them). */
void mw_watch_before_move(uintptr_t start, uintptr_t end);

#endif
