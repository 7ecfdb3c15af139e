/*
 * trampoline/promote.h - hot-site promotion: the instructions that fault
 * most often on watched pages reach memory without a fault.
 *
 * A watched variable shares its page with other data, and every access to
 * a neighbour costs a fault too: in a real program hundreds per access to
 * the variable itself.  Almost all of them come from a few instruction sites
 * in the program's own code.  After MW_PROMO_THRESHOLD faults from one site
 * (file-backed, read+execute code - never JIT memory, never the library's
 * own), the site is rewritten (patch.c) to jump to a stub generated for it
 * near the site:
 *   - an access that touches no watched byte runs as the original
 *     instruction against a second view of the page mapped next to the stub
 *     (a copy of the page's alias): no fault, a few nanoseconds;
 *   - an access that touches a watched byte is carried out by the engine
 *     without a signal (promote_hit.c): registers and extended state are
 *     saved on the stack, the same code as the fault path runs the
 *     instruction, counts it and calls back, and the stub resumes;
 *   - anything else (the page no longer watched as it was, an access the
 *     program does not allow, a straddle) runs a copy of the original
 *     instruction, which faults and takes the ordinary path.
 * A site is promoted only where the stub is exact: an instruction of at
 * least five bytes (room for the jump) with an explicit memory operand that
 * does not involve rsp; its memory operand's address is either constant
 * (RIP-relative: the stub knows at build time whether it hits a watched
 * byte) or computed by the stub, which checks the page and the watched
 * window before it takes the fast way.  A change to the page (a watch
 * starts or ends, the program's protection, munmap) retires the stubs that
 * trust it: the site gets its original bytes back, and may be promoted anew.
 * Pages once reached by a stub keep their alias views (they are never made
 * private again), so a thread still inside a retired stub stays coherent.
 * MEMWATCH_PROMOTE=0 turns promotion off.
 */
#ifndef MW_TRAMPOLINE_PROMOTE_H
#define MW_TRAMPOLINE_PROMOTE_H

#include <signal.h>
#include <stdint.h>
#include <ucontext.h>

#include "trampoline/site.h"
#include "trampoline/table.h"

#define MW_PROMO_THRESHOLD 16

enum mw_promo_mode {
    MW_PROMO_OFF,
    MW_PROMO_ON,       /* file-backed code, after MW_PROMO_THRESHOLD faults */
    MW_PROMO_ALWAYS,   /* testing: any executable memory, at the first fault */
};

/* At start-up: the mode (MEMWATCH_PROMOTE), and what the hit path needs of
 * the process's signal frames (features and size of their extended state). */
void mw_promo_setup(enum mw_promo_mode mode);
enum mw_promo_mode mw_promo_mode(void);

/* A watched-page access of site s completed in the fault path: count it,
 * and promote the site once it is hot.  Read access to the table is held. */
void mw_promo_note(struct mw_thread *t, const struct mw_site *s, uintptr_t fault_addr);

/* SIGTRAP, SIGILL, or a SIGSEGV from #GP: a trap of the patcher's (patch.c)
 * - an int3 written while a site changes (the thread goes back to the site
 * to run what is there now), or a span jump's trapping byte a thread
 * stopped between moved instructions resumed on (it goes on with the same
 * instruction in the stub).  1 when it was. */
int mw_promo_trap(int sig, const siginfo_t *info, ucontext_t *uc);

/* A fault raised at a site that is (or was, or is being) promoted was
 * raised by its original instruction, whatever bytes are there now (the
 * patcher may have changed them since code, the n bytes at rip, was read):
 * its original bytes, 1; else 0. */
int mw_promo_original(uint64_t rip, const uint8_t *code, unsigned n, const uint8_t **bytes, unsigned *len);
/* A fault raised at rip inside a stub's copy of its site's instruction: the
 * site's address, with its original bytes; 0 otherwise. */
uint64_t mw_promo_site_of(uint64_t rip, const uint8_t **bytes, unsigned *len);

/* Writers, table lock held: page p's watches, protection or mapping are
 * about to change; the sites whose stubs trust it get their code back. */
void mw_promo_page_changed(struct mw_page *p);
/* Writers, table lock held: the program's code in [start, end) is gone
 * (dlclose, munmap, a mapping over it), or, give_back, about to become
 * writable or move (mprotect, mremap): its sites get their code back first.
 * Then they are forgotten (another object may come there, other bytes). */
void mw_promo_forget_code(uintptr_t start, uintptr_t end, int give_back);
/* Is any site patched now? */
int mw_promo_any_live(void);
/* Does a promoted site serve page p? (memwatch_region_mode) */
int mw_promo_serves(const struct mw_page *p);

/* fork: the child's stubs must reach the child's own memory. */
void mw_promo_after_fork_child(void);

#endif
