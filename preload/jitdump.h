/*
 * preload/jitdump.h - perf's jitdump file for captured code
 * (MEMWATCH_JITDUMP=1): one JIT_CODE_LOAD record per capture, so that
 * `perf inject --jit` can name samples inside captured code.
 */
#ifndef MW_PRELOAD_JITDUMP_H
#define MW_PRELOAD_JITDUMP_H

#include "preload/dump.h"

/* Turns the writer on when MEMWATCH_JITDUMP=1 (called at start-up when
 * capture is on); jit-<pid>.dump is made at the first capture. */
void mw_jitdump_start(void);
/* Records one capture (signal context: raw syscalls only); dir is the
 * process directory (the caller holds the dump lock). */
void mw_jitdump_capture(const struct mw_capture_record *rec, const void *bytes, long seq, int dir);
/* Fork child: forget the parent's file and marker; the child's first
 * capture starts jit-<childpid>.dump in its own directory. */
void mw_jitdump_after_fork_child(void);

#endif
