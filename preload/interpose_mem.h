/*
 * preload/interpose_mem.h - the memory calls' work with raw kernel results
 * (0 / address, or -errno), for callers that are not the program's libc
 * calls: the trap-mode emulation of the program's system calls
 * (preload/sys_trap.c).
 */
#ifndef MW_PRELOAD_INTERPOSE_MEM_H
#define MW_PRELOAD_INTERPOSE_MEM_H

#include <stddef.h>

long mw_mem_mmap(void *addr, size_t len, int prot, int flags, int fd, long off);
long mw_mem_munmap(void *addr, size_t len);
long mw_mem_protect(void *addr, size_t len, int prot, int pkey);
long mw_mem_mremap(void *old, size_t old_len, size_t new_len, int flags, void *new_addr);
/* [start, end) was unmapped behind the interposers' back (the dynamic
 * loader's own munmap at dlclose): forget the watches and code regions there. */
void mw_mem_unmapped(uintptr_t start, uintptr_t end);

#endif
