/*
 * preload/init.h - bringing the library up, once, whoever comes first: the
 * constructor, an API call from another library's constructor, or an
 * interposed call made before any constructor ran.
 */
#ifndef MW_PRELOAD_INIT_H
#define MW_PRELOAD_INIT_H

/* Brings everything up (idempotent, thread-safe; a re-entrant call made
 * during initialisation returns at once). */
void mw_init_once(void);

#endif
