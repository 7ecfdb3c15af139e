/*
 * core/pages.h - the library's own address space.
 *
 * Every mapping the library makes for itself - arena slabs, thread blocks
 * (alternate signal stack and per-thread state), executor pages, bounce and
 * syscall buffers, alias views of watched memory - is placed inside address
 * ranges the library reserved up front (PROT_NONE, MAP_NORESERVE: no memory
 * is committed until a part is mapped).  Two things follow:
 *   - "is this the library's memory?" is one question with one answer
 *     (mw_pages_own), so a watch on it is refused before anything happens;
 *   - the library never lands in a hole the program has just left: a program
 *     that unmaps memory and then names it finds it unmapped, not filled
 *     with the library's own pages.
 * A part given back is re-reserved (its memory freed, its addresses kept).
 * Usable before libc is up and with signals blocked; the lock is taken with
 * every signal blocked, so no handler on the same thread can find it held.
 */
#ifndef MW_CORE_PAGES_H
#define MW_CORE_PAGES_H

#include <stddef.h>
#include <stdint.h>

/* Maps len bytes (rounded up to pages) aligned to align (a power of two, at
 * least a page) inside the reservation: anonymous private memory when
 * fd < 0, else the file at off with flags (MAP_SHARED or MAP_PRIVATE).
 * Returns the address, or NULL with *err (if not NULL) set to a -errno. */
void *mw_pages_map(size_t len, size_t align, int prot, int flags, int fd, long off, int *err);
/* Gives [p, p + len) back to the reservation. */
void mw_pages_unmap(void *p, size_t len);
/* Counts [start, end), mapped by the library itself somewhere it had to be
 * (near the program's code: promote.c), as the library's own memory. 0, or
 * -ENOMEM when no more ranges can be recorded. */
int mw_pages_adopt(uintptr_t start, uintptr_t end);
/* Does [start, end) overlap memory the library reserved for itself? */
int mw_pages_own(uintptr_t start, uintptr_t end);
/* The reservations, for diagnostics: the n-th one's range, or 0. */
int mw_pages_reservation(unsigned n, uintptr_t *start, uintptr_t *end);

#endif
