/*
 * trampoline/codemap.h - the code the program loaded: its modules' text,
 * and the functions in it (from each module's .eh_frame_hdr and .eh_frame,
 * which every x86-64 object carries for unwinding, stripped or not).
 *
 * Hot-site promotion patches only code that a module brought (never a
 * JIT's, never the library's own), and before it moves instructions that
 * follow a short site into a stub it must know that no branch of the
 * function lands between them: the function's bounds come from its FDE, its
 * branches from a linear decode of it.  The preload side fills the module
 * list at start-up and after dlopen/dlclose (mw_codemap_set); the fault
 * handler only reads it (read access to the region table held).
 */
#ifndef MW_TRAMPOLINE_CODEMAP_H
#define MW_TRAMPOLINE_CODEMAP_H

#include <stddef.h>
#include <stdint.h>

struct mw_module {
    uintptr_t text_lo, text_hi;   /* its executable, not writable PT_LOAD segments' extent */
    uintptr_t eh_frame_hdr;       /* PT_GNU_EH_FRAME, or 0 */
    uint8_t *targets;             /* made on demand: a bit per text byte some direct
                                   * branch of the module lands on */
    uintptr_t band_lo, band_hi;   /* its span trampolines' band (promote_place.c), */
    int32_t span_rel;             /* reached by this jump displacement from a site */
    int band_failed;              /* none could be reserved */
};

/* Replaces the module list (table lock held by the caller). 0 or -ENOMEM. */
int mw_codemap_set(const struct mw_module *mods, unsigned n);
/* The module whose text holds [addr, addr + len), or NULL. */
struct mw_module *mw_codemap_module(uintptr_t addr, size_t len);

/* The function around addr: [*start, *end), and whether it has a
 * language-specific data area (C++ landing pads: branch targets no
 * instruction names).  0, or -1 when its module has no unwind table for it. */
int mw_codemap_function(const struct mw_module *m, uintptr_t addr, uintptr_t *start, uintptr_t *end, int *lsda);

/* Can execution enter (lo, hi) other than at lo, in module m?  1 when a
 * direct branch anywhere in the module's functions lands inside (a
 * function's cold part jumps back into it from elsewhere), when the
 * function around it [fstart, fend) has an indirect jump (a jump table's
 * unknown targets) or undecodable bytes, or lsda; 0 when no branch can land
 * there.  The module's branch targets are found once (a linear decode of
 * every function its unwind table names). */
int mw_codemap_enterable(struct mw_module *m, uintptr_t fstart, uintptr_t fend, int lsda, uintptr_t lo,
                         uintptr_t hi);

#endif
