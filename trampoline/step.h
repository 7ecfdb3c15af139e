/*
 * trampoline/step.h - the state of a single-stepped instruction, kept per
 * thread in struct mw_thread (step.c runs it; fault.h declares its calls).
 */
#ifndef MW_TRAMPOLINE_STEP_H
#define MW_TRAMPOLINE_STEP_H

#include <stdint.h>

#define MW_STEP_PAGES 36    /* an AMX tile: 16 rows, each may straddle two pages */
#define MW_STEP_RANGES 16

/* One run of bytes an instruction touches. */
struct mw_range {
    uintptr_t addr;
    uint32_t len;
    uint8_t is_write;
};

struct mw_step_state {
    int active;
    uint64_t rip;
    int prog_tf;
    uint64_t abandoned_rip;     /* an abandoned step's instruction: its TF was ours */
    unsigned npages;            /* watched pages opened for it */
    uintptr_t pages[MW_STEP_PAGES];
    uintptr_t fault_addr[MW_STEP_PAGES];
    int is_write[MW_STEP_PAGES];
    unsigned nranges;           /* the instruction's exact bytes, when known (tiles) */
    struct mw_range range[MW_STEP_RANGES];
};

#endif
