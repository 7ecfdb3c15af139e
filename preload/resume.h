/*
 * preload/resume.h - going on after exec.  The new image (same pid, same
 * directory) reads the captures.jsonl the earlier image wrote: seq goes on
 * from its lines, code.pack from the end of the bytes they name (never over
 * them), and their contents are not stored again.  Signal context: raw
 * syscalls, no allocation.
 */
#ifndef MW_PRELOAD_RESUME_H
#define MW_PRELOAD_RESUME_H

#include <stdint.h>

/* Reads name in dir: returns its lines, sets *pack_end to the end of the
 * bytes they name in the pack, and hands their contents to the pack's
 * index (mw_pack_remember). */
long mw_resume_captures(int dir, const char *name, uint64_t *pack_end);

#endif
