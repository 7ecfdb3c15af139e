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

#endif
