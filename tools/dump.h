/*
 * tools/dump.h - one process directory of a dump (<dump>/<exe>.<pid>/) as
 * the report sees it: the captures and watched accesses its two .jsonl files
 * list, with every optional field marked present or absent, and the raw
 * bytes of each capture.  Also finds the process directories under a path.
 */
#ifndef MWT_DUMP_H
#define MWT_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/util.h"

#define MWT_CAPTURES "captures.jsonl"
#define MWT_ACCESSES "accesses.jsonl"

/* rax rbx rcx rdx rsi rdi rbp rsp r8..r15 rip rflags, in this order. */
#define MWT_NREGS 18
extern const char *const mwt_reg_names[MWT_NREGS];

struct mwt_capture {
    long line;                    /* line in captures.jsonl */
    struct mwt_opt seq, addr, len, cseq, region, fault, tid, ts;
    char *hash;                   /* as written ("0x" + 16 hex), or NULL */
    char *file;                   /* raw file, relative to the directory, or NULL */
    char *regs[MWT_NREGS];        /* "0x..." or NULL */
    unsigned char *bytes;         /* the raw file's contents, NULL if unreadable */
    size_t nbytes;
    char *problem;                /* why bytes are missing or short, or NULL */
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
    bool has_captures, has_accesses; /* which .jsonl files exist */
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
 * The process directories `path` names: itself when it holds a dump file,
 * else its subdirectories that do, in pid order.  Returns how many (the
 * caller frees each and the array), or -1 after printing a one-line error.
 */
long mwt_find_dumps(const char *path, char ***dirs);

/* Integer or "0x.."/decimal string to an optional value. */
struct mwt_opt mwt_opt_parse(const char *s);

#endif /* MWT_DUMP_H */
