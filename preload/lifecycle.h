/*
 * preload/lifecycle.h - what the library does around threads and fork, and
 * the start-up hooks of the other preload rooms.
 */
#ifndef MW_PRELOAD_LIFECYCLE_H
#define MW_PRELOAD_LIFECYCLE_H

/* Threads: release a thread's state at its exit; fork: keep the engine's
 * table consistent and the child's watched memory private. */
void mw_lifecycle_install(void);
void mw_lifecycle_init_begin(void);
int mw_lifecycle_init_thread_is_self(void);

/* Fork, around the system call itself: the pthread_atfork handlers, and
 * what trap mode calls around a fork it carried out (sys_trap.c). */
void mw_fork_prepare(void);
void mw_fork_parent(void);
void mw_fork_child(void);

/* Other rooms' start-up (no-ops when their feature is off). */
void mw_capture_start(void);       /* preload/wx.c */
void mw_watch_env_start(void);     /* preload/watch_env.c */
void mw_syscalls_start(void);      /* preload/seccomp.c */
/* Fork child: the capture and log writers start over in a new directory. */
void mw_dump_after_fork_child(void); /* preload/dump.c */

#endif
