/*
 * trampoline/backend.h - how a watched page stays closed yet reachable.
 *
 * One interface, two backends, chosen per run of pages in one place
 * (mw_backend_attach):
 *   alias   (backend_alias.c)  the pages are reached through a second,
 *           read/write mapping of the same memory: no mprotect per access,
 *           no thread ever sees the page open.  Private memory is moved into
 *           pages of one process-wide memfd, reached through one mapping of
 *           all of it (alias.h, alias_pool.c); shared memory is mapped a
 *           second time with mremap.  The default.
 *   toggle  (backend_toggle.c) the page is opened with mprotect around each
 *           access (route.c) - other threads can slip through meanwhile.
 *           Used when no alias can be made (memfd refused, special mappings).
 * The third way to reach a watched page, single-stepping the original
 * instruction, is per instruction, not per page (step.c).
 *
 * Callers hold the table lock (signals blocked, no handler inside).
 */
#ifndef MW_TRAMPOLINE_BACKEND_H
#define MW_TRAMPOLINE_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "trampoline/maps.h"
#include "trampoline/table.h"

/* Debugging knob (MEMWATCH_BACKEND=toggle): every watch toggles. */
void mw_backend_force_toggle(int on);

/* Puts the n new pages pages[0..n) - consecutive, one mapping m - under
 * watch with their view protection (mw_page_watch_prot); their prog_prot is
 * set.  Returns 0 or -errno (nothing changed then): -ENOMEM when the kernel
 * is out of mappings (vm.max_map_count) or memory. */
int mw_backend_attach(struct mw_page **pages, size_t n, const struct mw_map *m);
/* Takes page p out of watching: its memory becomes as it was (private if it
 * was), with protection prot.  Returns 0, or -errno when the kernel refused
 * (out of mappings): the page then keeps its backend, still closed, and
 * serves every access silently. */
int mw_backend_detach(struct mw_page *p, int prot);
/* The page's view protection changed (another watch, or the program's own
 * mprotect): apply it. */
void mw_backend_reprotect(struct mw_page *p);
/* The program unmapped the page: forget its alias. */
void mw_backend_forget(struct mw_page *p);

int mw_alias_attach(struct mw_page **pages, size_t n, const struct mw_map *m);
int mw_alias_detach(struct mw_page *p, int prot);
void mw_alias_release(struct mw_page *p);
int mw_toggle_attach(struct mw_page **pages, size_t n, const struct mw_map *m);

/* fork: keep the child's watched memory private (alias_pool.c). */
void mw_alias_fork_prepare(void);
void mw_alias_fork_parent(void);
void mw_alias_fork_child(void);

#endif
