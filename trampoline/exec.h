/*
 * trampoline/exec.h - the executor: runs one relocated instruction with the
 * program's registers, from inside the signal handler.
 *
 * Why inside the handler rather than after sigreturn: the instruction has
 * completed when the handler returns, so one signal is the whole cost of an
 * access, the callback sees the bytes after the access, and nothing is left
 * in flight that a later signal could disturb (no per-access slot can be
 * overwritten by a nested handler, no program handler ever sees a payload
 * RIP).  The executor loads the interrupted general registers and flags (and,
 * when the instruction needs them, the frame's own XSAVE image), runs the
 * instruction in a per-thread code slot, and stores the results back; rsp
 * stays on the handler's stack throughout (decode.c renames rsp operands), so
 * a fault the instruction raises nests correctly on the alternate stack and
 * lands at a recovery point (mw_exec_recover) instead of killing the process.
 *
 * Per-thread area, made at the thread's first watched access:
 *   page 0     the register block (data, reached RIP-relative)
 *   page 1     prologue, epilogues, recovery landing (generated once)
 *   pages 2..  MW_EXEC_SLOTS code slots of MW_EXEC_SLOT_SIZE bytes
 */
#ifndef MW_TRAMPOLINE_EXEC_H
#define MW_TRAMPOLINE_EXEC_H

#include <signal.h>
#include <stdint.h>
#include <ucontext.h>

#include "trampoline/xstate.h"

#define MW_EXEC_SLOTS 256
#define MW_EXEC_SLOT_SIZE 64

struct mw_thread;

/* What a fault inside the executor looked like (for re-delivery). */
struct mw_exec_fault {
    int signo;
    int code;
    uint64_t addr;
    uint64_t trapno;      /* the CPU's exception vector and error code, as */
    uint64_t err;         /* the kernel reported them in the context */
    uint64_t gpr[16];     /* registers at the fault (rep string progress) */
};

/* Makes the calling thread's executor area if missing. 0, or -1 if mmap fails. */
int mw_exec_area_init(struct mw_thread *t);
void mw_exec_area_free(struct mw_thread *t);

/* Writes code (len bytes) into slot, followed by the jump to the epilogue. */
void mw_exec_set_slot(struct mw_thread *t, unsigned slot, const uint8_t *code, unsigned len);

/*
 * Runs slot with gpr[16] (hardware order; gpr[4] is ignored: rsp stays ours)
 * and *rflags loaded; stores the results back into gpr and *rflags.  When
 * xf is not NULL it is the signal frame's extended state: loaded before and
 * saved after the instruction, under the frame's own feature mask and size.
 * Returns 0, or 1 when the instruction faulted (then *fault says how; gpr
 * and *rflags are unchanged, the image holds the state at the fault).
 */
int mw_exec_run(struct mw_thread *t, unsigned slot, uint64_t gpr[16], uint64_t *rflags,
                const struct mw_xframe *xf, struct mw_exec_fault *fault);

/* Does addr lie in this thread's executor code (a slot, the prologues)?  A
 * signal whose si_addr is the faulting instruction (SIGFPE, SIGILL, #GP's
 * SIGBUS...) names the executor there, and the program must see its own RIP. */
int mw_exec_in_code(const struct mw_thread *t, uint64_t addr);

/*
 * The kernel cannot return from a signal to a non-canonical rsp (sigreturn
 * raises SIGSEGV instead), yet an instruction may leave one (`mov rsp, [m]`,
 * `pop rsp`, rsp used as a general register).  Called last, with the context
 * complete: when its rsp is not canonical, the context returns to a stub
 * that loads rsp and jumps to the context's RIP, and meanwhile carries
 * prior_rsp (the program's rsp before the instruction, canonical since the
 * program ran on it) in case a signal arrives in between.
 */
void mw_exec_resume(struct mw_thread *t, ucontext_t *uc, uint64_t prior_rsp);

/*
 * Called first by the signal entry for every signal: if the signal was raised
 * by an instruction running in this thread's executor, records it and makes
 * the context resume at the recovery landing.  Returns 1 when it did.
 */
int mw_exec_recover(struct mw_thread *t, int signo, siginfo_t *info, ucontext_t *uc);

#endif
