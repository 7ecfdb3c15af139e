/*
 * core/syscall_gate.c - where the syscall gate is (see sys.h): 0 until
 * preload/seccomp.c maps it for MEMWATCH_SYSCALLS=trap.
 */
#include "core/sys.h"

uintptr_t mw_syscall_gate;
