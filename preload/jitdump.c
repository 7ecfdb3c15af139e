/*
 * preload/jitdump.c - perf jitdump records for captures (see jitdump.h).
 * Not written yet: the calls are in place.
 */
#include "preload/jitdump.h"

void mw_jitdump_start(void) {}

void mw_jitdump_capture(const struct mw_capture_record *rec, const void *bytes, long seq)
{
    (void)rec;
    (void)bytes;
    (void)seq;
}
