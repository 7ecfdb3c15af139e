/*
 * trampoline/promote_place.h - where promoted sites' stubs live.
 *
 * A site jumps to its stub with a rel32 jump, so stubs live in regions
 * mapped within 2 GiB of their site (tried at whole megabytes around it,
 * nearest first, never over anything: MAP_FIXED_NOREPLACE).  A region holds
 * stubs and the second views of the watched pages its stubs reach (each a
 * mapping of the page's alias made again with mremap), so a stub's
 * RIP-relative operand reaches its view.  A span's trampoline must sit at
 * one exact address (patch.h: 0x33333334 - 5 bytes below its site): each
 * module gets one band of address space, the size of its text, for them.
 * All of it counts as the library's own memory (core/pages.h), and none of
 * it is ever given back: a thread may still run a retired stub.
 */
#ifndef MW_TRAMPOLINE_PROMOTE_PLACE_H
#define MW_TRAMPOLINE_PROMOTE_PLACE_H

#include <stddef.h>
#include <stdint.h>

#include "trampoline/codemap.h"
#include "trampoline/table.h"

struct mw_promo_region;

/* Room for a stub of `size` bytes within reach of `near`, and the region it
 * is in; 0 when none can be had.  Takes the placement lock itself. */
uintptr_t mw_place_stub(uintptr_t near, size_t size, struct mw_promo_region **region);
/* The second view of watched page p in region r (made once). NULL if none. */
char *mw_place_view(struct mw_promo_region *r, const struct mw_page *p);
/* The trampoline of the span at site in module m: its address (m's band is
 * reserved at the first call: a displacement whose bytes all trap, with room
 * for the whole band, is looked for), made writable code; 0 if none. */
uintptr_t mw_place_trampoline(struct mw_module *m, uintptr_t site);
/* fork child: point every second view at the child's own alias. */
void mw_place_after_fork_child(void);

#endif
