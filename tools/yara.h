/*
 * tools/yara.h - YARA rules applied to captured code.  Loads rules from a
 * source file (compiled here, YARA's own messages on error) or from a file
 * of compiled rules (yarac), scans one capture's bytes as one buffer, and
 * keeps each result by content (XXH3 hash and length), so that identical
 * content is scanned once however many captures hold it.
 *
 * Used by `memwatch report --yara` for every stored capture, and meant for a
 * consumer that follows a dump while the program runs (the launcher's
 * --yara): mwt_yara_live_capture() below is its whole per-capture step.
 * Not thread-safe: one struct mwt_yara per thread.
 */
#ifndef MWT_YARA_H
#define MWT_YARA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tools/dump.h"
#include "tools/ymatch.h"

/* Matches of one string kept per rule and capture; the rest are counted. */
#define MWT_YARA_STRINGS_KEPT 64
/* Seconds one scan may take before YARA stops it. */
#define MWT_YARA_TIMEOUT 10

/* Exit status of a command whose RULES cannot be used. */
#define MWT_YARA_EXIT_BAD_RULES 2

struct mwt_yara;

struct mwt_yara_stats {
    uint64_t captures;  /* buffers asked about */
    uint64_t scanned;   /* of them, scanned by YARA (distinct contents) */
    uint64_t cached;    /* answered from an earlier scan of the same content */
};

/*
 * Loads the rules at path: compiled rules when the file starts with YARA's
 * magic, else a source file (its includes resolved from its own directory).
 * On failure prints each error as "<prog>: FILE:LINE: MESSAGE" (YARA's
 * message) on stderr and returns NULL; the caller exits with
 * MWT_YARA_EXIT_BAD_RULES.  YARA's warnings are printed as warnings.
 */
struct mwt_yara *mwt_yara_open(const char *path);
void mwt_yara_close(struct mwt_yara *y);

/* The rules file as given to mwt_yara_open. */
const char *mwt_yara_path(const struct mwt_yara *y);

/*
 * The matches of bytes[0..len): from the cache when this content was
 * scanned before.  The result stays valid until mwt_yara_close.
 */
const struct mwt_ymatches *mwt_yara_scan(struct mwt_yara *y, const unsigned char *bytes, size_t len);

void mwt_yara_stats(const struct mwt_yara *y, struct mwt_yara_stats *s);

/*
 * One line per matching rule, for people:
 *   "<proc> seq 3 (region 0x7f..000 #2): rule NAME [tag,tag]: $a at +0x10 = 0x7f..010, ..."
 * written to f with prefix in front (the launcher's "memwatch: yara: ").
 */
void mwt_yara_print(FILE *f, const char *prefix, const char *proc, const struct mwt_capture *c,
                    const struct mwt_ymatches *m);

/*
 * The live step, per capture, in the process that follows the dump (never in
 * the target): scans c's bytes (c from mwt_capture_parse of the capture's
 * line, dir being its process directory), and when a rule matches prints
 * each match on stderr (mwt_yara_print with prefix "memwatch: yara: "),
 * appends one line {"seq","addr","hash","content","matches":[...]} to
 * dir/yara.jsonl (created 0600, never through a symbolic link; the report
 * shows these lines), and, when event is not NULL, sets event["yara"] to the
 * matches array.  Returns the number of rules that matched, or -1 when
 * yara.jsonl could not be written (errno set; the matches were still printed).
 */
int mwt_yara_live_capture(struct mwt_yara *y, const char *dir, const char *proc,
                          const struct mwt_capture *c, json_t *event);

/* The yara.jsonl line of a capture (a new object): what the live step appends. */
json_t *mwt_yara_live_line(const struct mwt_capture *c, const struct mwt_ymatches *m);

#endif /* MWT_YARA_H */
