/*
 * test/diff/harness.h - the state the harness loads before one instruction
 * and saves after it (harness.S).
 */
#ifndef DT_HARNESS_H
#define DT_HARNESS_H

#include <stdint.h>

#define DT_XSAVE_MAX 16384 /* room for any frame yet seen (AMX tiles: 11,008) */

/* Layout shared with harness.S: gpr[16] at 0, rflags at 128, XSAVE at 192. */
struct dt_state {
    uint64_t gpr[16];          /* hardware order: rax rcx rdx rbx rsp rbp rsi rdi r8..r15 */
    uint64_t rflags;
    uint64_t pad[7];
    uint8_t xsave[DT_XSAVE_MAX] __attribute__((aligned(64)));
} __attribute__((aligned(64)));

_Static_assert(__builtin_offsetof(struct dt_state, rflags) == 128, "harness.S layout");
_Static_assert(__builtin_offsetof(struct dt_state, xsave) == 192, "harness.S layout");

extern struct dt_state dt_in, dt_out;
extern uint64_t dt_code;        /* where dt_run jumps */
extern uint64_t dt_xfeatures;   /* the kernel's feature mask for this process (harness.S) */
extern uint64_t dt_host_rsp;    /* the C stack while the instruction runs */

/* Loads dt_in, jumps to dt_code; the code ends with a jump to dt_back, which
 * saves dt_out.  0 on that path, 1 when the signal handler sent a fault to
 * dt_landing (it fills dt_out from the signal context). */
int dt_run(void);
void dt_back(void);
void dt_landing(void);

#endif
