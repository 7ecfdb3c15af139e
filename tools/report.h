/*
 * tools/report.h - `memwatch report`: the options it takes, what --yara
 * found in one process directory, and the renderers (plain text, JSON, HTML)
 * it hands each process directory to.
 */
#ifndef MWT_REPORT_H
#define MWT_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "tools/dump.h"
#include "tools/yara.h"

struct mwt_ropts {
    bool json;            /* --json: one JSON document on stdout */
    bool diff;            /* --diff: changes between consecutive captures of a region */
    bool full;            /* --full: no limit on the instructions listed per capture */
    const char *html;     /* --html OUT: the self-contained HTML report, or NULL */
    struct mwt_yara *yara; /* --yara RULES, loaded; NULL without */
};

/* What --yara found in one process directory. */
struct mwt_yscan {
    const struct mwt_ymatches **of; /* per capture (index in d->caps); NULL: no bytes */
    struct mwt_yara_stats stats;    /* this directory's share of the scanning */
    size_t matched;                 /* captures with at least one matching rule */
};

int mwt_report_main(int argc, char **argv);

/* Scans every capture of d that has bytes (ys->of is allocated; free it). */
void mwt_yscan_run(struct mwt_yara *y, const struct mwt_dump *d, struct mwt_yscan *ys);
void mwt_yscan_free(struct mwt_yscan *ys);
/* {"rules","captures","scanned","from_cache","matched"}: the counts of ys, for --json and --html. */
json_t *mwt_yscan_json(const struct mwt_yscan *ys, const struct mwt_yara *y);

/* ys is NULL without --yara. */
void mwt_text_dump(const struct mwt_dump *d, const struct mwt_yscan *ys, const struct mwt_ropts *o);
/* The text sections of --yara matches and of yara.jsonl (report_yara.c). */
void mwt_text_yara(const struct mwt_dump *d, const struct mwt_yscan *ys, const struct mwt_ropts *o);
void mwt_text_yara_live(const struct mwt_dump *d);

/* The JSON document: begin, one element per process, end. */
void mwt_json_begin(FILE *f);
void mwt_json_dump(FILE *f, bool first, const struct mwt_dump *d, const struct mwt_yscan *ys,
                   const struct mwt_ropts *o);
void mwt_json_end(FILE *f);
/* A capture's own fields (seq ... problem, no regs or listing), as --json has them. */
json_t *mwt_json_capture_fields(const struct mwt_capture *c);

#endif /* MWT_REPORT_H */
