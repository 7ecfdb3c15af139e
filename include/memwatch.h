/*
 * memwatch.h - the public API of libmemwatch.
 *
 * libmemwatch watches memory from inside a process.  Link it (-lmemwatch) or
 * preload it (LD_PRELOAD=libmemwatch.so); no initialisation call is needed.
 *
 * Two families of calls:
 *
 *  - the MemWatcher trio (_watch_address, _unwatch_address, _get_trap_count),
 *    source-compatible with the MemWatcher library's tests.  A bad call prints
 *    one line on stderr and does nothing.
 *
 *  - the memwatch_* calls: watch a byte range with a callback, unwatch it,
 *    read counters.  They return 0 on success, or -1 with errno set.
 *
 * How a watch works: the pages holding the range are made inaccessible in the
 * program's view (PROT_NONE, or read-only when only writes are watched).  The
 * first access traps; the library decodes the instruction, runs it against a
 * second, private view of the same memory, records the access and resumes the
 * program after the instruction.  Accesses to a watched page that miss every
 * watched byte range run silently and are not counted.
 */
#ifndef MEMWATCH_H
#define MEMWATCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* The MemWatcher trio                                                       */
/* ------------------------------------------------------------------------ */

/*
 * Watches [addr, addr + size).  prot is the protection the pages get while
 * watched: PROT_NONE traps reads and writes, PROT_READ traps writes only.
 * Bad input (NULL, zero or overflowing size, unmapped memory, a range that
 * overlaps a watch with a different protection, prot with PROT_WRITE or
 * PROT_EXEC) prints one line on stderr and changes nothing.
 */
void _watch_address(void *addr, size_t size, int prot);

/*
 * Ends the watch that starts at (or contains) addr.  Pages that no other watch
 * still covers get protection prot.  An unknown address prints one line on
 * stderr and changes nothing.
 */
void _unwatch_address(void *addr, int prot);

/*
 * Accesses that touched a watched byte range, process wide: one per executed
 * instruction (a read-modify-write counts once, a partial overlap counts).
 * Up to date as soon as the accessing instruction has completed.
 */
uint32_t _get_trap_count(void);

/* ------------------------------------------------------------------------ */
/* The rich API                                                              */
/* ------------------------------------------------------------------------ */

/* Access kinds, for memwatch_watch()'s access argument and for events. */
#define MEMWATCH_READ  0x1u  /* trap and report reads */
#define MEMWATCH_WRITE 0x2u  /* trap and report writes */
#define MEMWATCH_RW    (MEMWATCH_READ | MEMWATCH_WRITE)

/* Bytes of before/after contents an event carries at most. */
#define MEMWATCH_EVENT_BYTES 64

/* Identifies one watch; never 0 for a live watch, never reused. */
typedef uint64_t memwatch_id_t;

/* One access to a watched byte range, as the callback sees it. */
typedef struct memwatch_event {
    /* First byte the instruction accessed (may lie before the range when the
     * access only overlaps it partially). */
    void *addr;
    /* Number of bytes the instruction accessed at addr. */
    size_t size;
    /* Non-zero when the instruction read the bytes. */
    int is_read;
    /* Non-zero when the instruction wrote the bytes (both for a
     * read-modify-write such as `lock add`). */
    int is_write;
    /* Address of the accessing instruction. */
    void *ip;
    /* Kernel thread id of the accessing thread. */
    pid_t tid;
    /* CLOCK_REALTIME, in nanoseconds, when the access was trapped. */
    uint64_t timestamp_ns;
    /* The watch this event belongs to, and the range it names. */
    memwatch_id_t region;
    void *region_addr;
    size_t region_size;
    /* How many bytes of before[] and after[] are valid: min(size, 64),
     * starting at addr. */
    size_t nbytes;
    /* The accessed bytes just before and just after the instruction ran. */
    unsigned char before[MEMWATCH_EVENT_BYTES];
    unsigned char after[MEMWATCH_EVENT_BYTES];
} memwatch_event_t;

/*
 * Called once per access to the watched range, in the accessing thread, after
 * the instruction completed and before the program goes on.  It runs in signal
 * context: only async-signal-safe calls, no malloc or stdio.  Accesses the
 * callback itself makes to watched memory run but are not reported.
 */
typedef void (*memwatch_callback_t)(const memwatch_event_t *event, void *user);

/*
 * Watches [addr, addr + size) for the accesses in `access` (MEMWATCH_READ,
 * MEMWATCH_WRITE or both).  callback may be NULL (the watch then only counts).
 * On success stores the watch's id in *id (id may be NULL) and returns 0.
 * Errors (-1 and errno):
 *   EINVAL  addr NULL, size 0, addr + size overflows, access empty or unknown
 *   ENOMEM  part of the range is not mapped
 *   EEXIST  the range overlaps a watch with a different access kind
 *   EBUSY   the range overlaps memory the code-capture cycle is tracking
 *   ENOTSUP the memory cannot be watched (see README: limits)
 */
int memwatch_watch(void *addr, size_t size, unsigned access,
                   memwatch_callback_t callback, void *user, memwatch_id_t *id);

/*
 * Ends watch `id`.  Pages that no other watch covers get back the protection
 * the program last gave them.  Returns 0, or -1 with errno ENOENT for an
 * unknown id.
 */
int memwatch_unwatch(memwatch_id_t id);

/* Accesses counted for watch `id` so far.  -1/ENOENT for an unknown id. */
int memwatch_region_count(memwatch_id_t id, uint64_t *count);

/* How the pages of a watch are reached while they stay closed (see README):
 * through a second, private view of the same memory (no other thread ever
 * sees the page open), or by opening the page around each access (other
 * threads can slip through meanwhile: the fallback when no second view can
 * be made). */
#define MEMWATCH_MODE_ALIAS  1
#define MEMWATCH_MODE_TOGGLE 2
#define MEMWATCH_MODE_MIXED  3  /* some pages one way, some the other */
/* A flag beside them: some of the instructions that reach the watch's pages
 * were promoted - rewritten to jump to a stub that reaches the page without
 * a fault (hot-site promotion; MEMWATCH_PROMOTE=0 turns it off). */
#define MEMWATCH_MODE_PROMOTED 4

/* The mode of watch `id` (MEMWATCH_MODE_* bits), or -1 with errno ENOENT. */
int memwatch_region_mode(memwatch_id_t id);

/* Process-wide counters. */
typedef struct memwatch_stats {
    /* Accesses that touched a watched byte (the 64-bit _get_trap_count). */
    uint64_t accesses;
    /* Accesses to watched pages that missed every watched range. */
    uint64_t silent;
    /* Instructions the engine could not relocate and single-stepped. */
    uint64_t single_steps;
    /* Code captures written (code-capture cycle). */
    uint64_t captures;
    /* Faults that were not the library's and went to the program. */
    uint64_t foreign_faults;
    /* Watches alive now. */
    uint64_t live_watches;
} memwatch_stats_t;

/* Fills *stats.  -1/EINVAL when stats is NULL. */
int memwatch_get_stats(memwatch_stats_t *stats);

#ifdef __cplusplus
}
#endif

#endif /* MEMWATCH_H */
