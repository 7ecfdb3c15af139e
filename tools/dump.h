/*
 * tools/dump.h - one process directory of a dump (<dump>/<exe>.<pid>/) as
 * the report sees it: the captures and watched accesses its .jsonl files
 * list, with every optional field marked present or absent, the raw bytes of
 * each capture (from a file of its own or from a pack file at an offset), and
 * the YARA matches the launcher recorded while the program ran.  Also finds
 * the process directories under a path.
 */
#ifndef MWT_DUMP_H
#define MWT_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/util.h"
#include "tools/ymatch.h"

#define MWT_CAPTURES "captures.jsonl"
#define MWT_ACCESSES "accesses.jsonl"
/* Written by the launcher under --yara: one line per capture that matched. */
#define MWT_YARA_LIVE "yara.jsonl"

/* rax rbx rcx rdx rsi rdi rbp rsp r8..r15 rip rflags, in this order. */
#define MWT_NREGS 18
extern const char *const mwt_reg_names[MWT_NREGS];

struct mwt_capture {
    long line;                    /* line in captures.jsonl */
    struct mwt_opt seq, addr, len, cseq, region, fault, tid, ts;
    char *hash;                   /* as written ("0x" + 16 hex), or NULL */
    char *file;                   /* raw file, relative to the directory, or NULL */
    struct mwt_opt offset;        /* where the bytes start in `file` (a pack), if given */
    char *regs[MWT_NREGS];        /* "0x..." or NULL */
    unsigned char *bytes;         /* the capture's bytes, NULL if unreadable */
    size_t nbytes;
    uint64_t content;             /* mwt_content_hash of bytes (0 without bytes) */
    char *problem;                /* why bytes are missing or short, or NULL */
    struct mwt_ymatches *live;    /* matches yara.jsonl records for this seq, or NULL */
};

enum { MWT_OP_R = 1, MWT_OP_W = 2 };

struct mwt_access {
    long line;                    /* line in accesses.jsonl */
    struct mwt_opt addr, size, ip, tid, ts;
    unsigned op;                  /* MWT_OP_R | MWT_OP_W; 0 when unknown */
    char *sym, *var;              /* NULL when absent or empty */
    char *before, *after;         /* hex strings, NULL when absent */
};

struct mwt_dump {
    char *dir;                    /* as found (the argument, or argument/name) */
    char *name;                   /* the directory's own name, "<exe>.<pid>" */
    bool has_captures, has_accesses, has_live; /* which .jsonl files exist */
    struct mwt_capture *caps;
    size_t ncaps;
    struct mwt_access *accs;
    size_t naccs;
    char **warnings;              /* each also printed once on stderr */
    size_t nwarnings;
    size_t caps_cap, accs_cap, warnings_cap; /* allocated lengths */
};

/* Loads dir's files (missing ones are just empty).  Bad lines become warnings. */
void mwt_dump_load(const char *dir, struct mwt_dump *d);
void mwt_dump_free(struct mwt_dump *d);

/*
 * One line of captures.jsonl (len bytes, newline or not) of the process
 * directory dir, with its bytes read: what a consumer following the dump
 * while the program runs needs per capture.  False, with *why (static text)
 * saying why, when the line is not a JSON object.  Free with mwt_capture_free.
 */
bool mwt_capture_parse(const char *line, size_t len, const char *dir, struct mwt_capture *c,
                       const char **why);
void mwt_capture_free(struct mwt_capture *c);

/*
 * The process directories `path` names: itself when it holds a dump file,
 * else its subdirectories that do, in pid order.  Returns how many (the
 * caller frees each and the array), or -1 after printing a one-line error.
 */
long mwt_find_dumps(const char *path, char ***dirs);

#endif /* MWT_DUMP_H */
