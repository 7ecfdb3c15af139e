/*
 * trampoline/patch.h - changing the program's code while its threads run.
 *
 * Code is written through /proc/self/mem, which the kernel lets through
 * whatever the page's protection (a private file page becomes the process's
 * own copy): the program's mappings never change protection, not even for a
 * moment.  Other threads may be running the very bytes being changed, so a
 * change of more than one byte follows the cross-modifying-code rules: the
 * first byte becomes int3 and every core is serialised (membarrier
 * SYNC_CORE); then the other bytes are written, serialised; then the first
 * byte, serialised.  A thread that reaches the site meanwhile traps on the
 * int3 and is sent back to try again (promote.c: mw_promo_trap), so no
 * thread ever runs a mix of old and new bytes.  Raw syscalls only: usable in
 * the signal handler.
 */
#ifndef MW_TRAMPOLINE_PATCH_H
#define MW_TRAMPOLINE_PATCH_H

#include <stddef.h>
#include <stdint.h>

/* Opens /proc/self/mem and registers for membarrier SYNC_CORE.  Returns 0,
 * or -1 when the kernel offers no way to serialise other cores (then code is
 * never patched). */
int mw_patch_init(void);
/* The same in a fork child (both are per process). */
int mw_patch_after_fork_child(void);
/* Is patching possible here? */
int mw_patch_ready(void);
/* Replaces the n bytes at addr, which must hold old, by new, with the
 * protocol above.  0, or -1 when the bytes there are not old (someone else
 * changed the code) or the kernel refused the write. */
int mw_patch_replace(uintptr_t addr, const uint8_t *old, const uint8_t *new, size_t n);

/*
 * A span: the site is shorter than a jump, and the instructions after it
 * are moved into the stub too.  A thread may be stopped between them (in a
 * signal handler, or descheduled) and resume at one of their starts inside
 * the first five bytes.  So the jump's displacement is made of bytes that
 * trap when run as an instruction's first byte (int3, hlt, and one-byte
 * opcodes invalid in 64-bit mode: mw_patch_trapping_byte): a thread resuming
 * inside them traps and is sent to the same instruction in the stub
 * (mw_promo_trap), and the jump lands where such a displacement reaches - a
 * module's band of trampolines (promote_place.c), each jumping on to its
 * stub.  Bytes 1..4 are written one at a time in ascending order (an
 * instruction starting at byte k is whole until byte k turns a trap), given
 * back in descending order (it is whole again when byte k returns).
 */
/* Does byte b trap as the first byte of an instruction in 64-bit mode? */
int mw_patch_trapping_byte(uint8_t b);
/* Writes E9 and rel (whose bytes all trap) over the five bytes at addr,
 * which must hold old. */
int mw_patch_span(uintptr_t addr, const uint8_t *old, int32_t rel);
/* Gives the five bytes at addr back (they hold the span jump). */
int mw_patch_unspan(uintptr_t addr, const uint8_t *orig);

#endif
