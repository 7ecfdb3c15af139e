/*
 * trampoline/thread.h - per-thread state of the fault engine.
 *
 * Every thread that can fault gets one mw_thread, made with raw mmap (never
 * malloc) and found through one initial-exec TLS pointer:
 *   - the alternate signal stack the handler runs on;
 *   - the read depth of the table's big-reader lock (thread.c);
 *   - the executor area: one data page (register block, recovery state) and
 *     the code slots where relocated instructions run (exec.c), made lazily
 *     at the thread's first watched access;
 *   - the per-thread site cache of decoded instructions (site.c);
 *   - a callback in progress (its own accesses are not reported), a rep
 *     string instruction continuing natively, the program's view of its
 *     signal mask and alternate stack.
 * Threads made by pthread_create get theirs before the start routine runs
 * (preload/interpose_thread.c); any other thread gets one at its first fault.
 */
#ifndef MW_TRAMPOLINE_THREAD_H
#define MW_TRAMPOLINE_THREAD_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "trampoline/step.h"

/*
 * A thread's state and its alternate signal stack are one block, aligned to
 * its own size (a power of two), in the library's own address space:
 *
 *   block  [struct mw_thread][guard page][alternate stack ........... ] block + size
 *
 * The guard page keeps a handler that overflows the stack off the state.
 * The stack is sized from the kernel's AT_MINSIGSTKSZ (the largest signal
 * frame it may push for this CPU, AMX tile data included) with room for
 * frames nested in frames, so a program may still ask for AMX later: the
 * kernel refuses ARCH_REQ_XCOMP_PERM while any thread's alternate stack is
 * too small for the larger frame.  Because the block is aligned to its size,
 * the top of the stack a handler runs on follows from its stack pointer
 * alone (mw_thread_stack_room), without thread-local storage.
 */
/* Sizes the blocks from AT_MINSIGSTKSZ; at start-up, before any thread. */
void mw_thread_sizes_init(void);
/* Bytes left below sp on the library's alternate stack it lies on, or -1
 * when sp is not on one.  Uses no thread-local storage. */
long mw_thread_stack_room(uintptr_t sp);

struct mw_exec_area;
struct mw_site_cache;

struct mw_thread {
    struct mw_thread *next;         /* registry list (thread.c) */
    int tid;
    volatile int reading;           /* big-reader lock depth; only this thread writes it */
    int in_callback;                /* a user callback runs: its own accesses are silent */
    void *altstack;                 /* lowest byte of the alternate stack */
    size_t altstack_len;
    struct mw_exec_area *exec;      /* executor pages, made at the first watched access */
    struct mw_site_cache *sites;    /* decoded instruction cache, made with exec */
    char *bounce;                   /* straddling accesses run here (4 pages, made with exec) */
    /* rep string continuation: the instruction already counted */
    uintptr_t rep_rip;
    uint64_t rep_count_left;
    struct mw_step_state step;      /* a single-stepped instruction in flight (step.c) */
    /* The program's view of its own signal state, where the kernel's must
     * differ (preload/interpose_sigmask.c, interpose_sigaltstack.c):
     * the engine's signals it believes blocked, and the alternate stack it
     * set (the kernel keeps ours). */
    uint64_t prog_blocked;          /* kernel-layout bits, managed signals only */
    uint64_t prog_pending;          /* managed signals sent while "blocked" */
    siginfo_t prog_pending_info[6]; /* by managed index (chain.c) */
    void *prog_ss_sp;
    size_t prog_ss_size;
    int prog_ss_flags;              /* SS_DISABLE when none */
};

/* The calling thread's state, made on first use; NULL only if mmap fails. */
struct mw_thread *mw_thread_self(void);
/* The calling thread's state if it has one (never allocates). */
struct mw_thread *mw_thread_peek(void);
/* Gives the calling thread its state and alternate stack (idempotent). */
struct mw_thread *mw_thread_attach(void);
/* Releases the calling thread's state at its exit. */
void mw_thread_detach(void);
/* In a fork child: forget every thread but the caller. */
void mw_thread_after_fork_child(void);

/* --- the table's big-reader lock ----------------------------------------- */
/*
 * Readers (the fault handler) pay one store and one load on their own cache
 * line; a writer (interposed mmap, the API, the code-capture cycle) raises a
 * flag and waits until no thread is reading.  A thread that already reads may
 * nest (a fault inside the executor) without waiting, so a writer can never
 * deadlock against a handler it interrupted.  Writers must run with signals
 * blocked (mw_sigblock_all) so no handler on their own thread can spin on
 * their own flag.
 */
void mw_read_begin(struct mw_thread *t);
void mw_read_end(struct mw_thread *t);
void mw_write_begin(void);
void mw_write_end(void);
int mw_write_held(void);
/* fork: readers may go on, other writers stay out (mw_write_release). */
void mw_write_downgrade(void);
void mw_write_release(void);

/* --- blocking signals around table writes -------------------------------- */
typedef struct {
    uint64_t mask;
} mw_sigmask_t;
void mw_sigblock_all(mw_sigmask_t *old);
void mw_sigrestore(const mw_sigmask_t *old);

#endif
