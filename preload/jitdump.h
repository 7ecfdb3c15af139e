/*
 * preload/jitdump.h - perf's jitdump file for captured code
 * (MEMWATCH_JITDUMP=1): one JIT_CODE_LOAD record per capture, so that
 * `perf inject --jit` can name samples inside captured code.
 */
#ifndef MW_PRELOAD_JITDUMP_H
#define MW_PRELOAD_JITDUMP_H

#include "preload/dump.h"

/* Opens jit-<pid>.dump in the process directory if MEMWATCH_JITDUMP=1
 * (called at start-up and again in a fork child). */
void mw_jitdump_start(void);
/* Records one capture (signal context: raw syscalls only). */
void mw_jitdump_capture(const struct mw_capture_record *rec, const void *bytes, long seq);

#endif
