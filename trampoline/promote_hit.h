/*
 * trampoline/promote_hit.h - a promoted site's watched access, carried out
 * by the engine without a signal.
 *
 * A hit stub calls mw_promo_hit_entry with its site's index pushed.  The
 * entry saves every general register and the flags, then the extended state
 * (xsave under the feature mask the kernel uses for this process's signal
 * frames, probed once at start-up), and calls the same code the fault path
 * runs for a SIGSEGV at the site, handing it a context that looks like the
 * kernel's: registers, the extended-state image with its own _fpx_sw_bytes,
 * the access address.  Signals are blocked meanwhile (the engine holds the
 * table's read access, which a program handler that longjmps out would
 * leave behind).  When the engine completed the access, the changed
 * registers and state are loaded and the stub resumes after the site;
 * otherwise everything is put back as it was and the stub runs its copy of
 * the instruction, which faults and takes the ordinary path.
 */
#ifndef MW_TRAMPOLINE_PROMOTE_HIT_H
#define MW_TRAMPOLINE_PROMOTE_HIT_H

#include <stddef.h>
#include <stdint.h>

#define MW_PROMO_HIT_DONE 16        /* where in the stub the entry returns when the access is done */
#define MW_PROMO_HIT_SLOW_OFFSET 13 /* added to it when the fault path must take the access */

/* Reads the process's signal-frame extended state (features, size) once.
 * 0, or -1 when there is none to go by. */
int mw_promo_hit_setup(void);
/* Called (not jumped to) from hit stubs; see above. */
void mw_promo_hit_entry(void);
/* The end of the entry's code.  Only its pushes and pops of the registers
 * (below the program's red zone) touch the program's stack; the rest runs
 * on the thread's alternate stack. */
void mw_promo_hit_end(void);
/* Tells the entry this thread's alternate stack (thread.c; 0: none). */
void mw_promo_hit_thread(uintptr_t stack, size_t len);
/* Is rip in the entry (whose stack accesses are the library's own)? */
int mw_promo_hit_in_entry(uintptr_t rip);
/* The site table's entry for index (promote.c): its address and bytes. */
int mw_promo_site_bytes(unsigned index, uint64_t *rip, const uint8_t **bytes, unsigned *len);

#endif
