/*
 * tools/report.h - `memwatch report`: the options it takes and the two
 * renderers (plain text, JSON) it hands each process directory to.
 */
#ifndef MWT_REPORT_H
#define MWT_REPORT_H

#include <stdbool.h>

#include "tools/dump.h"
#include "tools/jsonw.h"

struct mwt_ropts {
    bool json;   /* --json: one JSON document on stdout */
    bool diff;   /* --diff: changes between consecutive captures of a region */
    bool full;   /* --full: no limit on the instructions listed per capture */
};

int mwt_report_main(int argc, char **argv);

void mwt_text_dump(const struct mwt_dump *d, const struct mwt_ropts *o);
void mwt_json_dump(struct mwt_jw *w, const struct mwt_dump *d, const struct mwt_ropts *o);

#endif /* MWT_REPORT_H */
