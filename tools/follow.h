/*
 * tools/follow.h - following a dump directory while the program runs: the
 * process directories that appear in it and the lines that appear in their
 * captures.jsonl and accesses.jsonl, each handed to every consumer once,
 * in the order of its file.
 *
 * The launcher polls; the program never waits for it (the library writes
 * its dump as it always does, and nothing here can slow or block it).  Only
 * this run's lines count: before the program starts, a snapshot records
 * each <exe>.<pid>/ directory already there with the inode and size of its
 * two files (directory times are too coarse, and a pid can come back to its
 * old directory); later a file that is new or replaced is read from its
 * start, one that grew from its old size.  A line is handed on once its
 * newline is there: a line still being written waits for the next poll.
 *
 * Consumers (the event stream, the status line, the summary, and whatever
 * comes next - a live scanner of each capture) register callbacks.  A
 * capture callback gets the line, parsed on first demand, and can read the
 * capture's bytes (from code.pack at the line's offset, or a file of its
 * own) with mwt_follow_capture_bytes.
 */
#ifndef MWT_FOLLOW_H
#define MWT_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* One process directory of this run. */
struct mwt_proc {
    char *name;                   /* "<exe>.<pid>" */
    char *path;                   /* the directory */
    long pid;
    bool counted;                 /* new, or something in it changed: one of the run's processes */
};

/* One complete line of captures.jsonl or accesses.jsonl. */
struct mwt_line {
    const struct mwt_proc *proc;
    const char *text;             /* without its newline, NUL-terminated */
    size_t len;
    json_t *json;                 /* parsed by mwt_line_json, freed after the callbacks */
    bool parse_failed;
    char *extra;                  /* members a consumer adds to the line's event (",\"yara\":[...]"),
                                   * for the consumers after it; malloc'd, freed after the callbacks */
};

/* The line as JSON (parsed once, on first demand), or NULL when it is not a
 * JSON object. Owned by the follower. */
json_t *mwt_line_json(struct mwt_line *l);

struct mwt_consumer {
    void (*process)(void *arg, const struct mwt_proc *p);  /* first sight of a directory of this run */
    void (*capture)(void *arg, struct mwt_line *l);
    void (*access)(void *arg, struct mwt_line *l);
    void *arg;
};

struct mwt_follow;

/* Snapshots dir (it may not exist yet) before the program starts. */
struct mwt_follow *mwt_follow_new(const char *dir);
/* Consumers are called in the order they were added (at most 8). */
void mwt_follow_add(struct mwt_follow *f, const struct mwt_consumer *c);
/* Hands every line that has appeared since the last call to the consumers. */
void mwt_follow_poll(struct mwt_follow *f);
void mwt_follow_free(struct mwt_follow *f);

/*
 * The bytes of the capture on line l: len bytes at "offset" of "file" when
 * the line has an offset (the pack), else the whole of "file".  0 with
 * *bytes (malloc'd, the caller frees) and *len, or -1 with errno.
 */
int mwt_follow_capture_bytes(struct mwt_line *l, unsigned char **bytes, size_t *len);

#endif /* MWT_FOLLOW_H */
