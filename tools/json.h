/*
 * tools/json.h - the tool's own small JSON reader: one value tree per line of
 * a dump file (objects, arrays, strings with escapes, numbers, true, false,
 * null), plus the lookups the dump loader needs.
 */
#ifndef MWT_JSON_H
#define MWT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mwt_jtype { MWT_J_NULL, MWT_J_BOOL, MWT_J_NUM, MWT_J_STR, MWT_J_ARR, MWT_J_OBJ };

struct mwt_json {
    enum mwt_jtype type;
    bool b;              /* MWT_J_BOOL */
    double num;          /* MWT_J_NUM, always set */
    bool is_uint;        /* MWT_J_NUM written as a non-negative integer that fits... */
    uint64_t u;          /* ...in 64 bits, exactly (timestamps exceed a double) */
    char *str;           /* MWT_J_STR: decoded, NUL-terminated (may hold NULs) */
    size_t len;          /* MWT_J_STR: bytes in str */
    struct mwt_json *items; /* MWT_J_ARR elements, MWT_J_OBJ values */
    char **keys;         /* MWT_J_OBJ keys, one per item */
    size_t n;            /* elements or members */
};

/* Parses text[0..len).  NULL on error with *err (static text) saying why. */
struct mwt_json *mwt_json_parse(const char *text, size_t len, const char **err);
void mwt_json_free(struct mwt_json *v);

/* The member `key` of an object (the last one when repeated), or NULL. */
const struct mwt_json *mwt_json_get(const struct mwt_json *obj, const char *key);

#endif /* MWT_JSON_H */
