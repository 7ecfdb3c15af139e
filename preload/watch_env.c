/*
 * preload/watch_env.c - MEMWATCH_WATCH: watches from start-up, logged to
 * accesses.jsonl.  (Symbol resolution arrives with the tooling issue; today
 * entries are 0xADDR[:SIZE][:r|w|rw].)
 */
#include "preload/lifecycle.h"

void mw_watch_env_start(void) {}
