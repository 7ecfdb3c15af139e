/*
 * preload/wx.h - the W^X cycle of code capture: the policy side.
 *
 * A page the program wants executable is kept either writable or
 * executable, never both, and which one follows from two facts the region
 * table keeps per page: the protection the program asked for, and whether
 * the page may have been written since its last capture (dirty):
 *
 *   program's protection    dirty          clean (captured, unchanged)
 *   no PROT_EXEC            as asked       as asked
 *   with PROT_EXEC          without EXEC   without WRITE
 *
 * So an instruction fetch from a dirty page faults (capture, then it becomes
 * clean) and a write to a clean page faults (it becomes dirty).  Only pages
 * the program made executable are tracked: mapped writable and executable,
 * or made executable by mprotect later (the content came from somewhere -
 * an unpacker, a JIT, a loader of its own).
 *
 * The interposers call these with the table lock held.
 */
#ifndef MW_PRELOAD_WX_H
#define MW_PRELOAD_WX_H

#include <stddef.h>
#include <stdint.h>

/* Would a range the program now gives prot be tracked? */
int mw_wx_tracks(int prot);
/* The protection a tracked page really gets. */
int mw_wx_view(int prog_prot, int dirty);
/* The program mapped or protected [start, end) with prot (the call
 * succeeded, with the protections mw_wx_view gives).  fresh: a new
 * anonymous mapping, all zeros, nothing written yet. */
void mw_wx_on_map(uintptr_t start, uintptr_t end, int prot, int fresh);
/* The pages are gone (munmap, MAP_FIXED over them). */
void mw_wx_on_unmap(uintptr_t start, uintptr_t end);
/* mremap moved [old, old + old_len) to [new, new + new_len). */
void mw_wx_on_move(uintptr_t old_addr, size_t old_len, uintptr_t new_addr, size_t new_len);
/*
 * mprotect(start, end - start, prot) on pages that are not watched: applies
 * what the policy says, run by run, with raw mprotect.  Returns 0 or -errno
 * as the kernel said.  Tracks new pages when prot asks for execution.
 */
long mw_wx_protect_range(uintptr_t start, uintptr_t end, int prot, int pkey);

#endif
