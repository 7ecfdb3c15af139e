/*
 * tools/yara_live.h - `memwatch --yara RULES -- prog`: every capture of the
 * run scanned as it is made, in the launcher (never in the target), from
 * the dump the library writes anyway (tools/follow.h): the program never
 * waits for the scan.  Each match is one line on stderr, a line in the
 * process directory's yara.jsonl (which the report shows), and a "yara"
 * member in the capture's --events line.
 */
#ifndef MWT_YARA_LIVE_H
#define MWT_YARA_LIVE_H

#include "tools/follow.h"
#include "tools/yara.h"

/* Adds the scanner as a consumer of f (before the event stream, so events
 * carry the matches). */
void mwt_yara_live_attach(struct mwt_yara *y, struct mwt_follow *f);

#endif
