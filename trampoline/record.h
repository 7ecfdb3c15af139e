/*
 * trampoline/record.h - turning an executed access into counts and events.
 *
 * While the handler still holds read access to the table, mw_record_match()
 * finds the watches an access touches and copies what the callback will need
 * (the watch's id, callback, user pointer, label, and the bytes before);
 * after the instruction ran, mw_record_after() adds the bytes after.
 * An access counts once, when it completed: mw_record_commit() moves the
 * counters only for an instruction that finished (or, for a rep string
 * instruction, whose watched part finished); one that faults for real and is
 * handed to the program counts nothing and runs no callback - if the
 * program's handler retries it and it completes, it counts then.  Callbacks
 * and the access log run in mw_record_deliver(), after read access is
 * released, so a slow or blocking callback never holds up a writer.
 */
#ifndef MW_TRAMPOLINE_RECORD_H
#define MW_TRAMPOLINE_RECORD_H

#include <stdint.h>

#include "memwatch.h"
#include "trampoline/route.h"
#include "trampoline/thread.h"

#define MW_MAX_HITS 8
#define MW_MAX_SEEN 32

struct mw_hit {
    memwatch_event_t ev;
    memwatch_callback_t callback;
    void *user;
    unsigned flags;
    char label[96];
    const struct mw_route *route;   /* where to read the after bytes (valid until finish) */
};

struct mw_record {
    unsigned nhits;
    struct mw_hit hit[MW_MAX_HITS];
    int counted;                    /* the instruction already counted once */
    int touched;                    /* some access touched a watched byte */
    unsigned nseen;                 /* watches this instruction touched (counted at commit) */
    struct mw_watch *seen[MW_MAX_SEEN];
    uint64_t timestamp_ns;
    int tid;
};

void mw_record_init(struct mw_record *rec, struct mw_thread *t);
/* An access of the instruction at ip: [addr, addr + len), read and/or write,
 * reached through route.  Matches it against the watches (counting), takes
 * the before bytes. */
void mw_record_match(struct mw_record *rec, struct mw_thread *t, const struct mw_route *route, uintptr_t addr,
                     size_t len, int is_read, int is_write, uint64_t ip);
/* After the instruction (or a chunk of it): fills in the after bytes of the
 * hits matched since the last call, while their routes are still open. */
void mw_record_after(struct mw_record *rec);
/* The instruction completed: count each watch it touched once (an access
 * that touched no watched byte is silent).  Call with read access held. */
void mw_record_commit(struct mw_record *rec);
/* The instruction did not complete (a real fault for the program): forget
 * what was matched - nothing counts, no callback runs. */
void mw_record_discard(struct mw_record *rec);
/* Runs callbacks and the log sink of a committed record; call with read
 * access released and asynchronous signals blocked (the sink's buffer lock
 * relies on it).  errno is the interrupted code's again afterwards. */
void mw_record_deliver(struct mw_record *rec, struct mw_thread *t);

/* Process-wide counters (memwatch_stats_t fields). */
extern uint64_t mw_stat_accesses, mw_stat_silent, mw_stat_single_steps, mw_stat_captures, mw_stat_foreign;
static inline void mw_stat_add(uint64_t *c, uint64_t n) { __atomic_add_fetch(c, n, __ATOMIC_RELAXED); }

uint64_t mw_now_ns(void);

#endif
