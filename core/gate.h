/*
 * core/gate.h - where the syscall gate lives and what it holds.
 *
 * The gate is one read+execute page at a fixed address, the same in every
 * process image: `syscall; ret; int3`.  The seccomp filters of trap mode
 * (preload/seccomp.c) let every call made from it through, so the library's
 * and the agent's own system calls are never trapped, and a process that
 * inherits a filter across exec can be given a gate again (it is mapped
 * from a memfd read+execute: a call the filters always allow).  The int3 is
 * where a function called into a stopped process by the injector
 * (inject/remote.c) returns to: the tracer sees the SIGTRAP there.
 */
#ifndef MW_CORE_GATE_H
#define MW_CORE_GATE_H

#define MW_GATE_ADDR 0x4d5700000000UL     /* "MW", far from heap, stacks and mmap base */
#define MW_GATE_SIZE 4096UL
#define MW_GATE_SYSCALL MW_GATE_ADDR          /* syscall (2 bytes) */
#define MW_GATE_RET (MW_GATE_ADDR + 2)        /* ret */
#define MW_GATE_TRAP (MW_GATE_ADDR + 3)       /* int3: where remote calls return */
#define MW_GATE_CODE {0x0f, 0x05, 0xc3, 0xcc}
#define MW_GATE_CODE_LEN 4
/* The memfd's name: /proc/PID/maps shows "/memfd:memwatch-gate (deleted)". */
#define MW_GATE_NAME "memwatch-gate"

#endif
