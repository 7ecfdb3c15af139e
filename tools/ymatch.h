/*
 * tools/ymatch.h - YARA matches of one capture as the report keeps them,
 * whether `memwatch report --yara` just found them or the launcher recorded
 * them while the program ran (yara.jsonl): each rule that matched, its tags,
 * and each matching string with its offset in the capture.  Also their JSON
 * form, which is the same in yara.jsonl, in --json and in the HTML report.
 */
#ifndef MWT_YMATCH_H
#define MWT_YMATCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/util.h"

/* One match of one string of a rule. */
struct mwt_ystring {
    char *id;         /* "$a" as the rule names it */
    uint64_t offset;  /* first byte of the match, from the start of the capture */
    uint64_t len;     /* bytes matched */
};

/* One rule that matched. */
struct mwt_yrule {
    char *rule;       /* the rule's identifier */
    char *ns;         /* its namespace ("default" unless the rules say) */
    char **tags;
    size_t ntags;
    struct mwt_ystring *strings; /* in match order; none for a condition-only rule */
    size_t nstrings, strings_cap;
    uint64_t not_listed;         /* further string matches, left out (see yara.h) */
};

struct mwt_ymatches {
    struct mwt_yrule *rules;     /* in the order YARA reported them */
    size_t n, cap;
    char *error;                 /* why the scan stopped (a timeout, say), or NULL */
};

/*
 * The JSON array of m: [{"rule","namespace","tags":[...],"strings":[{"id",
 * "offset","len","addr"}],"strings_not_listed"}], addr being base + offset as
 * "0x..." (null when base is absent).
 */
json_t *mwt_ymatches_json(const struct mwt_ymatches *m, struct mwt_opt base);

/* Reads such an array back (unknown keys ignored).  False when it is not one. */
bool mwt_ymatches_from_json(const json_t *arr, struct mwt_ymatches *m);

/* A deep copy, and the release of what the two above allocate. */
void mwt_ymatches_copy(struct mwt_ymatches *dst, const struct mwt_ymatches *src);
void mwt_ymatches_free(struct mwt_ymatches *m);

/* Adds a rule (copies the strings given) and returns it, to add strings to. */
struct mwt_yrule *mwt_ymatches_add_rule(struct mwt_ymatches *m, const char *rule, const char *ns);
void mwt_yrule_add_tag(struct mwt_yrule *r, const char *tag);
void mwt_yrule_add_string(struct mwt_yrule *r, const char *id, uint64_t offset, uint64_t len);

#endif /* MWT_YMATCH_H */
