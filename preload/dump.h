/*
 * preload/dump.h - the dump directory and what is written there.
 *
 * Layout (DESIGN.md): $MEMWATCH_DUMP_DIR/<exe>.<pid>/ holding captures.jsonl,
 * code.pack (the captured bytes, each line naming its offset: pack.h) and
 * accesses.jsonl.  Every writer here runs in signal context: raw syscalls,
 * no malloc, whole JSON lines on O_APPEND files (never torn).  A capture's
 * line is one write(2) when it happens (nothing buffered: see pack.h for its
 * bytes).  Access lines are many and small: they are gathered in a buffer
 * and written together (mw_dump_flush_accesses) when it fills, when its
 * oldest line is MW_ACCESS_AGE_NS old, and before anything that would lose
 * it - exit, fork, exec, a death by a signal the engine handles.  Files are created 0600, never
 * through a symbolic link, inside a directory the library made 0700 and
 * opened without following links.
 */
#ifndef MW_PRELOAD_DUMP_H
#define MW_PRELOAD_DUMP_H

#include <stddef.h>
#include <stdint.h>
#include <ucontext.h>

#include "memwatch.h"

struct mw_capture_record {
    uintptr_t addr;               /* first byte captured (page aligned) */
    size_t len;
    uint32_t capture_sequence;    /* of the region */
    uintptr_t region;             /* start of the region */
    uintptr_t fault_addr;
    int tid;
    uint64_t timestamp_ns;
    const ucontext_t *uc;         /* registers at the fault */
};

/* Opens (making it if needed) the dump directory at start-up; one line on
 * stderr and -1 when it cannot be used. */
int mw_dump_open(void);
int mw_dump_usable(void);
/*
 * A capture is written in two steps, so that the table is held only while
 * the bytes must stay still:
 *   store (table held): the bytes go into the pack (or are found stored
 *     already); the dump lock is taken and kept, so lines keep the order of
 *     the captures;
 *   log (table released): the captures.jsonl line, the jitdump record; the
 *     pack grows ahead for the next captures; the dump lock is released.
 * Every store is followed by one log, on the same thread.
 */
struct mw_capture_ticket {
    struct mw_capture_record rec;
    uint64_t hash, offset;
    int stored;                   /* the bytes are in the pack */
};
void mw_dump_capture_store(const struct mw_capture_record *rec, const void *bytes, struct mw_capture_ticket *tk);
/* Returns the capture's seq, or -1 when it could not be written. */
long mw_dump_capture_log(struct mw_capture_ticket *tk);
/* One accesses.jsonl line (buffered, see above). */
void mw_dump_access(const memwatch_event_t *ev, const char *label, const char *sym);
/* Writes the buffered access lines out now.  Signal-safe. */
void mw_dump_flush_accesses(void);

#endif
