/*
 * trampoline/maps.h - what the kernel's map of this process says about a range.
 *
 * Watching needs to know, before it touches anything, that every page of the
 * range is mapped, with which protection, and whether the mapping is shared
 * (aliased with mremap) or private (moved to a memfd).  Where the kernel has
 * the PROCMAP_QUERY ioctl on /proc/self/maps (Linux 6.11+) each mapping of
 * the range is asked for by address - O(log n) in the number of mappings,
 * which grows with the watches; elsewhere the whole file is read and parsed.
 * Raw syscalls and the private arena: callable with signals blocked, never
 * mallocs.
 */
#ifndef MW_TRAMPOLINE_MAPS_H
#define MW_TRAMPOLINE_MAPS_H

#include <stddef.h>
#include <stdint.h>

struct mw_map {
    uintptr_t start, end;   /* the part of the mapping inside the asked range */
    int prot;               /* PROT_* */
    int shared;             /* 's' */
    int special;            /* [vdso], [vvar], [vsyscall]: cannot be watched */
    int stack;              /* [stack] */
};

/* Fills maps[] with the mappings covering [start, end) in order, clipped to
 * the range.  Returns their number, -ENOMEM when a page of the range is not
 * mapped, -ENOSPC when more than max mappings, or another -errno. */
int mw_maps_query(uintptr_t start, uintptr_t end, struct mw_map *maps, int max);

/* One line of /proc/self/maps, for mw_maps_each. */
struct mw_maps_line {
    uintptr_t start, end;
    int prot;               /* PROT_* */
    int shared;             /* 's' */
    int anonymous;          /* inode 0: no file (also [heap], [stack], [anon:...]) */
    const char *path;       /* "" when none; valid during the call only */
};

/* Calls fn for every mapping in address order until it returns non-zero,
 * which is returned; 0 after the last, -errno when maps cannot be read. */
int mw_maps_each(int (*fn)(const struct mw_maps_line *m, void *arg), void *arg);

/* Is every page of [start, end) mapped?  For the error path: it tells
 * "not mapped" from "out of kernel mappings", both ENOMEM. */
int mw_maps_all_mapped(uintptr_t start, uintptr_t end);

/* Tests: 1 makes mw_maps_query read the whole file, as on a kernel without
 * PROCMAP_QUERY; 0 lets it use the ioctl where the kernel has it. */
void mw_maps_force_text(int on);
/* Did the last mw_maps_query use PROCMAP_QUERY? (tests) */
int mw_maps_used_query(void);

#endif
