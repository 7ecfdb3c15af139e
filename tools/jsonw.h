/*
 * tools/jsonw.h - a streaming JSON writer for `memwatch report --json`: it
 * tracks nesting and commas so the renderer only says what comes next.
 */
#ifndef MWT_JSONW_H
#define MWT_JSONW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tools/util.h"

#define MWT_JW_MAX_DEPTH 32

struct mwt_jw {
    FILE *f;
    int depth;
    bool first[MWT_JW_MAX_DEPTH]; /* no member written yet at this depth */
    bool after_key;               /* the next value follows "key": */
};

void mwt_jw_init(struct mwt_jw *w, FILE *f);
void mwt_jw_obj(struct mwt_jw *w);      /* { */
void mwt_jw_arr(struct mwt_jw *w);      /* [ */
void mwt_jw_end_obj(struct mwt_jw *w);  /* } */
void mwt_jw_end_arr(struct mwt_jw *w);  /* ] */
void mwt_jw_key(struct mwt_jw *w, const char *key);
void mwt_jw_str(struct mwt_jw *w, const char *s);       /* NULL writes null */
void mwt_jw_uint(struct mwt_jw *w, uint64_t v);
void mwt_jw_bool(struct mwt_jw *w, bool v);
void mwt_jw_null(struct mwt_jw *w);
void mwt_jw_opt(struct mwt_jw *w, struct mwt_opt o);     /* number or null */
void mwt_jw_opt_hex(struct mwt_jw *w, struct mwt_opt o); /* "0x.." or null */

#endif /* MWT_JSONW_H */
