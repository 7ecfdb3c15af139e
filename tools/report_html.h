/*
 * tools/report_html.h - `memwatch report --html OUT`: one self-contained HTML
 * file (inline CSS, script and SVG; no network) with, per process, the
 * timeline of captures per region and, per watched variable, its accesses
 * over time by reads and writes and by accessing function.
 */
#ifndef MWT_REPORT_HTML_H
#define MWT_REPORT_HTML_H

#include <stdio.h>

#include "tools/report.h"

/* Listed instructions per distinct content (and address) in the page. */
#define MWT_HTML_INSNS 64
/* Diff lines per pair of consecutive versions in the page. */
#define MWT_HTML_DIFF_LINES 64
/* Time bins of the access charts. */
#define MWT_HTML_BINS 120
/* Accessing functions charted one by one per variable; the rest are "other". */
#define MWT_HTML_WHO 12

struct mwt_html;

/* Starts the page on f; then one mwt_html_dump per process, then mwt_html_end. */
struct mwt_html *mwt_html_begin(FILE *f, const struct mwt_ropts *o);
void mwt_html_dump(struct mwt_html *h, const struct mwt_dump *d, const struct mwt_yscan *ys);
/* Finishes the page and frees h (the caller closes f). */
void mwt_html_end(struct mwt_html *h);

#endif /* MWT_REPORT_HTML_H */
