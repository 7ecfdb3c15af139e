/*
 * preload/attach.h - the library brought into a running process by
 * `memwatch --pid` (tools/attach.c): loaded with the process's own dlopen
 * at a safe point, then started with its configuration through the entry
 * point below.
 *
 * Loaded late, the library's constructor does nothing: the syscall gate,
 * which the injector always maps first (it is where its calls return), is
 * already there - no normal start of a process has it before us.  The
 * process's environment is the program's own, so the configuration comes
 * as a text (MEMWATCH_* lines, preload/config.h).  The library's libc
 * interposers are bound to nothing (dlopen binds no one to them), so trap
 * mode's full filter shows the program's memory and signal calls instead
 * (seccomp.c), and code the program made executable before we came is
 * brought under the W^X cycle (adopt.c).
 */
#ifndef MW_PRELOAD_ATTACH_H
#define MW_PRELOAD_ATTACH_H

/* What __memwatch_attach returns (the injector reports it). */
enum mw_attach_status {
    MW_ATTACH_OK = 0,
    MW_ATTACH_ALREADY,       /* the library is already running in this process */
    MW_ATTACH_BAD_CONFIG,    /* the configuration text does not fit */
    MW_ATTACH_NO_DUMP_DIR,   /* the dump directory cannot be made, opened or written */
    MW_ATTACH_NO_GATE,       /* the syscall gate is missing */
    MW_ATTACH_NO_FILTER,     /* the kernel refused the seccomp filter: memory calls are not seen */
};

/* The entry point, exported under a reserved name (not part of the API in
 * memwatch.h: only the injector calls it).  Returns enum mw_attach_status. */
int __memwatch_attach(const char *config);

/* Was the library loaded by the injector (gate already there)? The
 * constructor then leaves the start to __memwatch_attach. */
int mw_attach_in_progress(void);

#endif
