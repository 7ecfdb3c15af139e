/*
 * preload/adopt.h - code that ran before the library came: at attach, the
 * memory a running program already made writable and executable, or
 * executable anonymous memory, enters the W^X cycle.
 */
#ifndef MW_PRELOAD_ADOPT_H
#define MW_PRELOAD_ADOPT_H

/* Scans /proc/self/maps and brings each such mapping (not ours, not the
 * kernel's [vdso]/[vsyscall], not the [stack]) under the cycle as if the
 * program had just given it the protection it has: dirty, so the next
 * execution there is captured, and each mapping one region.  Pages the
 * table already knows are left alone.  Returns the number of mappings
 * adopted, or -errno when /proc/self/maps cannot be read. */
long mw_adopt_executable_memory(void);

#endif
