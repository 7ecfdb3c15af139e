/*
 * agent/agent.h - the capture agent: libmemwatch's code capture for a
 * process the library cannot be loaded into (a statically linked program,
 * and every image such a process execs), as one self-contained,
 * position-independent image with no libc (build/memwatch-agent.so).
 *
 * The injector (inject/) maps the image into a stopped process, applies its
 * relocations (R_X86_64_RELATIVE only), gives the gate, and calls the entry
 * point below on a stack of its own; the process then runs on, the agent
 * serving it in-process: its SIGSEGV handler runs the W^X cycle
 * (preload/wx.c) and writes the dump (preload/dump.c), its seccomp filter
 * (preload/seccomp.c, the full one) shows it every mmap, mprotect, munmap,
 * mremap, signal call, fork and exec of the program (preload/sys_trap.c).
 * It is built from the library's own sources (core/, the region table, the
 * chain, preload/'s capture, dump and trap code) with a few files of its
 * own for what the library gets from libc or from the loader:
 *   agent/start.c      the entry point
 *   agent/thread.c     per-thread state found by thread id (no TLS), the
 *                      table lock
 *   agent/fault.c      the signal entry: code pages, SIGSYS, the rest to the
 *                      program
 *   agent/lifecycle.c  fork: the child's own dump directory
 *   agent/shim.c       the few libc symbols the shared sources name
 * What it does not do: watching (--watch needs the Zydis decoder, which
 * Debian ships only as a shared library), interposing libc calls (there
 * are none to interpose: the filter traps the system calls instead).
 */
#ifndef MW_AGENT_AGENT_H
#define MW_AGENT_AGENT_H

/* What mw_agent_start returns (the injector reports it). */
enum mw_agent_status {
    MW_AGENT_OK = 0,
    MW_AGENT_ALREADY,      /* an agent already serves this process */
    MW_AGENT_BAD_CONFIG,   /* the configuration text does not fit */
    MW_AGENT_NO_HANDLER,   /* the kernel refused the SIGSEGV handler */
    MW_AGENT_NO_DUMP_DIR,  /* the dump directory cannot be made or opened */
    MW_AGENT_NO_FILTER,    /* the seccomp filter (or its gate) was refused */
};

/* The entry point (the image's e_entry): config is the text of
 * MEMWATCH_* lines (preload/config.h).  Returns enum mw_agent_status. */
long mw_agent_start(const char *config);

#endif
