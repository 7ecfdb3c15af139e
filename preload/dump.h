/*
 * preload/dump.h - the dump directory and what is written there.
 *
 * Layout (DESIGN.md): $MEMWATCH_DUMP_DIR/<exe>.<pid>/ holding captures.jsonl,
 * code.pack (the captured bytes, each line naming its offset: pack.h) and
 * accesses.jsonl.  Every writer here runs in signal context: raw syscalls,
 * no malloc, one write(2) per JSON line on an O_APPEND file, made when the
 * capture or access happens (lines are never torn, nothing is buffered to
 * lose at exit, on a crash or to SIGKILL).  Files are created 0600, never
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
/* Stores one capture's bytes (len of them) in the pack, unless the same
 * content is there already, and writes its captures.jsonl line. Returns the
 * capture's seq, or -1. */
long mw_dump_capture(const struct mw_capture_record *rec, const void *bytes);
/* One accesses.jsonl line. */
void mw_dump_access(const memwatch_event_t *ev, const char *label, const char *sym);
/* The process directory's descriptor (made on first use), or -1. */
int mw_dump_process_dir(void);

#endif
