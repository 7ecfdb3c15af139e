/*
 * trampoline/fault.h - what the fault path's steps tell each other.
 *
 * Each strategy (run a relocated instruction, a string instruction, emulate a
 * stack or control-transfer instruction) ends with a verdict; fault.c acts on
 * it after releasing the table.  Also the hooks through which the preload side
 * joins the fault path without the engine knowing it (code capture).
 */
#ifndef MW_TRAMPOLINE_FAULT_H
#define MW_TRAMPOLINE_FAULT_H

#include <signal.h>
#include <stdint.h>
#include <ucontext.h>

#include "trampoline/decode.h"
#include "trampoline/record.h"
#include "trampoline/site.h"
#include "trampoline/thread.h"

enum mw_verdict {
    MW_DONE,      /* the instruction completed; the context says where to go on */
    MW_RETRY,     /* nothing done: return and let the instruction run again */
    MW_FOREIGN,   /* a real fault, left as it was: the program's to handle */
    MW_DELIVER,   /* the instruction raised signo/code/addr: the program's to handle */
    MW_STEP,      /* cannot be relocated: single-step it */
};

struct mw_outcome {
    enum mw_verdict verdict;
    int signo, code;
    uintptr_t addr;
    const struct mw_insn *step_insn;   /* MW_STEP: the decoded instruction, if any */
};


static inline void mw_outcome_deliver(struct mw_outcome *o, int signo, int code, uintptr_t addr)
{
    o->verdict = MW_DELIVER;
    o->signo = signo;
    o->code = code;
    o->addr = addr;
}

/* Effective address of an explicit memory operand: segment base and 32-bit
 * wrap included. */
uint64_t mw_memop_ea(const struct mw_memop *m, const uint64_t gpr[16], uint64_t next_rip);
/* bt/bts/btr/btc with a register bit offset: how far from the effective
 * address the accessed unit lies (the instruction adds it itself). */
int64_t mw_memop_bit_bytes(const struct mw_memop *m, const uint64_t gpr[16]);

/* The strategies (mem.c, string.c, emulate.c); called with read access held. */
void mw_run_mem(struct mw_thread *t, const struct mw_site *s, siginfo_t *info, ucontext_t *uc,
                struct mw_record *rec, struct mw_outcome *out);
void mw_run_string(struct mw_thread *t, const struct mw_site *s, ucontext_t *uc, struct mw_record *rec,
                   struct mw_outcome *out);
void mw_emulate(struct mw_thread *t, const struct mw_insn *in, ucontext_t *uc, struct mw_record *rec,
                struct mw_outcome *out);
/* Gathers and scatters (vsib.c), reached through mw_run_mem. */
void mw_run_vsib(struct mw_thread *t, const struct mw_site *s, siginfo_t *info, ucontext_t *uc,
                 struct mw_record *rec, struct mw_outcome *out);

/* A page fault the engine found itself (an emulated access that cannot
 * reach ordinary memory): SEGV_MAPERR or SEGV_ACCERR as the kernel would
 * say, with the context's trap number and error code to match (emulate.c). */
void mw_deliver_page_fault(struct mw_outcome *out, ucontext_t *uc, uintptr_t addr, int is_write);
/* The same, with the page's presence found before (1 present, 0 absent,
 * -1 unmapped: SEGV_MAPERR): for a caller whose own read may bring it in. */
void mw_deliver_page_fault_as(struct mw_outcome *out, ucontext_t *uc, uintptr_t addr, int is_write, int present);
/* mincore's word on the page of addr: 1 present, 0 absent, -1 unmapped. */
int mw_page_present(uintptr_t addr);
/* Writes an emulated store through its route, ordinary memory first: only
 * those writes can fail, and when one does nothing has been written yet, as
 * the CPU leaves memory after a faulting store.  0, or -1 (*bad set). */
int mw_write_all_or_nothing(const struct mw_route *r, uintptr_t addr, const void *buf, size_t n, uintptr_t *bad);

/* A promoted site's access in its hit path (promote_hit.c): the fault path's
 * own code for the instruction with these bytes at uc's RIP, as if it had
 * faulted there, without the signal.  Read access is taken inside. */
enum mw_verdict mw_fault_promoted(struct mw_thread *t, ucontext_t *uc, const uint8_t *bytes, unsigned n,
                                  siginfo_t *deliver);

/* Single-step fallback (step.c).  in, when known, lets the step record the
 * exact bytes of an instruction that reaches many pages (AMX tiles). */
int mw_step_begin(struct mw_thread *t, struct mw_page *p, ucontext_t *uc, uintptr_t fault_addr, int is_write,
                  const struct mw_insn *in);
int mw_step_trap(struct mw_thread *t, siginfo_t *info, ucontext_t *uc);
/* A signal is about to go to the program: if it was raised by the
 * instruction being stepped (it faulted for real), the step is over - its
 * pages close and the trap flag we set goes.  Returns 1 when it was. */
int mw_step_fault(struct mw_thread *t, ucontext_t *uc);
void mw_step_report_once(uint64_t rip, const uint8_t *bytes, unsigned n, const char *why);

/* The rows an AMX tile load or store touches (tile.c), at most max, from the
 * frame's tile configuration; 0 when the frame has none. */
unsigned mw_tile_rows(const struct mw_insn *in, const ucontext_t *uc, struct mw_range *rows, unsigned max);

/* Code capture joins here: called for a fault on a page with a code region,
 * without read access held.  Returns 1 when it handled the fault. */
typedef int (*mw_code_fault_fn)(struct mw_thread *t, siginfo_t *info, ucontext_t *uc);
void mw_fault_set_code_hook(mw_code_fault_fn fn);

/* MEMWATCH_SYSCALLS=trap joins here: a SIGSYS that may be a trapped system
 * call (preload/seccomp.c). Returns 1 when it carried the call out. */
typedef int (*mw_sys_trap_fn)(siginfo_t *info, ucontext_t *uc);
void mw_fault_set_sys_hook(mw_sys_trap_fn fn);
/* Takes one more signal for the engine (its current handler becomes the
 * program's). 0 or -1. */
int mw_fault_install_signal(int sig);

/* The signal entry point, installed for SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP. */
void mw_signal_entry(int sig, siginfo_t *info, void *ctx);
/* Installs mw_signal_entry for the managed signals (keeping what was there as
 * the program's action). 0, or -1. (fault_install.c) */
int mw_fault_install(void);
/* Gives the kernel back every action it had before mw_fault_install*: a
 * start that failed leaves the process as it was. */
void mw_fault_uninstall(void);
/* Tells the entry point where the library's own code is (a fault there is a bug). */
void mw_fault_set_self_text(uintptr_t start, uintptr_t end);

/* What the setters above were handed, read by the signal entry (fault.c, or
 * agent/fault.c in the agent); kept in fault_install.c, which both share. */
struct mw_fault_hooks {
    mw_code_fault_fn code;
    mw_sys_trap_fn sys;
    uintptr_t text_start, text_end; /* the library's own code */
};
extern struct mw_fault_hooks mw_fault_hooks;

/* Did a synchronous signal (si_code > 0, not a trap) come from an
 * instruction of the library's own code? */
int mw_fault_in_self_text(int sig, const siginfo_t *info, const ucontext_t *uc);

#endif
