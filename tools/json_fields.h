/*
 * tools/json_fields.h - the dump's kinds of field as jansson values: optional
 * numbers (a JSON integer or a "0x.."/decimal string), "0x..." addresses,
 * strings that may be absent; reading one line of a .jsonl file; and writing
 * a value out (also into an HTML <script> block).
 */
#ifndef MWT_JSON_FIELDS_H
#define MWT_JSON_FIELDS_H

#include <jansson.h>
#include <stdio.h>

#include "tools/util.h"

/* Integer or "0x.."/decimal string to an optional value. */
struct mwt_opt mwt_opt_parse(const char *s);

/*
 * One line of a .jsonl file (without its newline) as a JSON object, or NULL
 * with *why (static text, or err->text) saying what is wrong with it.
 */
json_t *mwt_json_line(const char *text, size_t len, json_error_t *err, const char **why);

/* The member key of obj as an optional value: a non-negative integer, or a string. */
struct mwt_opt mwt_json_get_opt(const json_t *obj, const char *key);
/* A copy of the string member key, NULL when absent, not a string, or empty. */
char *mwt_json_get_str(const json_t *obj, const char *key);

/* New references: the number or null; "0x..." or null; the string or null. */
json_t *mwt_json_opt(struct mwt_opt o);
json_t *mwt_json_opt_hex(struct mwt_opt o);
json_t *mwt_json_str(const char *s);
json_t *mwt_json_uint(uint64_t v);

/* obj[key] = value, taking the reference (the obj-and-value "new" convention). */
void mwt_json_put(json_t *obj, const char *key, json_t *value);
/* arr += value, taking the reference. */
void mwt_json_push(json_t *arr, json_t *value);

/* A flag of ours beside jansson's JSON_* flags: every '<' is written as
 * \u003c, so that the text can sit in an HTML <script> element whatever the
 * strings hold. */
#define MWT_JSON_FOR_HTML ((size_t)1 << 24)

/* Writes v compactly to f (flags: JSON_EMBED, MWT_JSON_FOR_HTML); -1 on a write error. */
int mwt_json_write(FILE *f, const json_t *v, size_t flags);

/*
 * For documents written piece by piece: writes `before` (",", or
 * ",\"key\":[", say), then v, and drops the reference to v.
 */
void mwt_json_emit(FILE *f, const char *before, json_t *v, size_t flags);

#endif /* MWT_JSON_FIELDS_H */
