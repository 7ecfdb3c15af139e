/*
 * trampoline/syscall_buf.h - system calls whose buffers lie in watched memory.
 *
 * The kernel cannot read or write a watched page (it is closed in the
 * program's view: EFAULT).  The preload side passes such buffers through a
 * bounce buffer instead: the bytes go in or out through the routes (alias
 * views) under a short read access to the table - never held across the
 * system call itself, which may block - and the transfer is reported as one
 * access by the caller.
 */
#ifndef MW_TRAMPOLINE_SYSCALL_BUF_H
#define MW_TRAMPOLINE_SYSCALL_BUF_H

#include <stddef.h>
#include <stdint.h>

/* Does [buf, buf + len) touch a watched (or toggled) page? */
int mw_buf_watched(const void *buf, size_t len);
/* Copies len bytes at buf (view) into dst and reports a read by ip.
 * 0, or -1 if part of buf is not readable (EFAULT). */
int mw_buf_copy_in(void *dst, const void *buf, size_t len, uint64_t ip);
/* Copies n bytes from src to buf (view) and reports a write by ip.
 * 0, or -1 if part of buf is not writable (EFAULT). */
int mw_buf_copy_out(void *buf, const void *src, size_t n, uint64_t ip);

/* Bounce memory for one call (private mapping, never the program's heap). */
void *mw_bounce_alloc(size_t len);
void mw_bounce_free(void *p, size_t len);

#endif
