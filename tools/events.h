/*
 * tools/events.h - `memwatch --events PATH`: every capture and every logged
 * access of the run as one JSON line on PATH while the program runs, each
 * the line of the dump with "event" ("capture" or "access"), "pid", "exe"
 * and "dir" (the process directory, which "file" is relative to) put in
 * front:
 *
 *   {"event":"capture","pid":4242,"exe":"node","dir":"/abs/memwatch-out/node.4242","seq":1,...}
 *
 * PATH may be a FIFO (or a pipe a shell named): a consumer reads each event
 * as it happens.  The program never waits for the consumer: memwatch
 * follows the dump that the library writes anyway, so a consumer that is
 * slow, late or gone costs the program nothing and the dump stays
 * complete.  Lines wait in a bounded buffer meanwhile; what does not fit is
 * dropped, whole lines only, and counted, and once the consumer catches up
 * one line says how much the stream skipped:
 *
 *   {"event":"skipped","count":120,"captures":118,"accesses":2}
 *
 * A FIFO nobody has opened yet is opened once a reader appears; one whose
 * reader went away is opened again for the next reader (from the next
 * whole line).  Anything else is created (0600, or truncated) as a regular
 * file.  When the program has ended, memwatch waits a little (2 s at most)
 * for a reader to take what is still waiting.
 */
#ifndef MWT_EVENTS_H
#define MWT_EVENTS_H

#include "tools/follow.h"

struct mwt_events;

/* Opens PATH (a regular file at once; a FIFO when its reader comes).  NULL
 * after one line on stderr when it cannot be used. */
struct mwt_events *mwt_events_open(const char *path);
void mwt_events_attach(struct mwt_events *ev, struct mwt_follow *f);
/* Writes what is waiting, as far as the consumer takes it now. */
void mwt_events_flush(struct mwt_events *ev);
/* The end of the run: the skipped line if any, then what waits, as far as a
 * reader takes it within timeout_ms; then closes. */
void mwt_events_close(struct mwt_events *ev, int timeout_ms);

#endif /* MWT_EVENTS_H */
