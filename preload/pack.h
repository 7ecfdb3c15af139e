/*
 * preload/pack.h - the pack file: the captured bytes of one process
 * directory, appended to one file (code.pack) and stored once per content.
 *
 * A capture line names the pack with "file":"code.pack" and the byte
 * "offset" where its len bytes start (DESIGN.md, dump layout).  The bytes
 * are copied into a MAP_SHARED mapping of the file: they are in the page
 * cache the moment the copy ends, so a process killed by SIGKILL right after
 * loses none of them.  The file grows ahead of the writer in steps (space
 * reserved with fallocate, pages made present with MADV_POPULATE_WRITE), so
 * a capture pays a copy, not a system call or a page fault.  At a normal
 * exit the unused tail is cut off; after SIGKILL at most one step of zeros
 * follows the last capture.
 *
 * Everything here runs in the fault handler: raw syscalls, memory from the
 * private arena, no libc.  The caller (dump.c) serialises the calls.
 */
#ifndef MW_PRELOAD_PACK_H
#define MW_PRELOAD_PACK_H

#include <stddef.h>
#include <stdint.h>

#define MW_PACK_NAME "code.pack"

/* The content hash of captured bytes: XXH3 64-bit, seed 0. */
uint64_t mw_content_hash(const void *bytes, size_t len);

/* Takes over fd, the pack opened read+write by dump.c; appending starts at
 * resume_at (the end of the bytes an earlier image of this process named,
 * 0 for a new one).  0 or -errno (fd is then still the caller's). */
long mw_pack_open(int fd, uint64_t resume_at);
int mw_pack_is_open(void);
/* Stores len bytes of the given hash, or finds them stored already: their
 * offset in *offset.  0 or -errno. */
long mw_pack_put(const void *bytes, size_t len, uint64_t hash, uint64_t *offset);
/* Where stored bytes are in this process (valid until the next put). */
const void *mw_pack_at(uint64_t offset);
/* Makes room for `ahead` more bytes now, so that the next puts need not
 * (called once the table is released: growing takes system calls). */
void mw_pack_prepare(size_t ahead);
/* Records that [offset, offset + len) already holds bytes of this hash (an
 * earlier image's capture), so they are not stored again. */
void mw_pack_remember(uint64_t hash, uint64_t offset, uint64_t len);
/* Cuts the file to the bytes written (normal exit); later puts grow it again. */
void mw_pack_trim(void);
/* Fork child: the inherited pack is the parent's; forget it (mapping,
 * descriptor, index) without touching the file. */
void mw_pack_forget(void);

#endif
