/*
 * trampoline/site.h - the per-thread cache of decoded instruction sites.
 *
 * Decoding and re-encoding cost about as much as the fault itself, and a
 * watched variable is usually touched by the same few instructions again and
 * again.  Each thread keeps MW_EXEC_SLOTS entries, direct-mapped by RIP; an
 * entry owns the executor slot holding its relocated code.  A hit is checked
 * against the bytes now at RIP, so code that was rewritten or unmapped and
 * reused (JITs) is decoded afresh: no invalidation hooks are needed.
 */
#ifndef MW_TRAMPOLINE_SITE_H
#define MW_TRAMPOLINE_SITE_H

#include <stdint.h>

#include "trampoline/decode.h"
#include "trampoline/thread.h"

struct mw_site {
    uint64_t rip;            /* 0: empty */
    uint8_t bytes[16];       /* the instruction as decoded */
    unsigned slot;           /* executor slot with its code */
    int decoded;             /* 0: the bytes do not decode */
    struct mw_insn insn;
};

/* The site for the instruction at rip (decoding it on a miss), or NULL when
 * the executor area cannot be made.  bytes, when not NULL, are the
 * instruction's n bytes (a promoted site, whose bytes at rip are now a
 * jump); else they are read at rip. */
const struct mw_site *mw_site_get(struct mw_thread *t, uint64_t rip, const uint8_t *bytes, unsigned n);
void mw_site_cache_free(struct mw_thread *t);
/* Reads up to 15 instruction bytes at rip into buf without faulting; their
 * number. */
unsigned mw_site_fetch(uint64_t rip, uint8_t *buf);

#endif
