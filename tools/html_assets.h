/*
 * tools/html_assets.h - the static parts of the HTML report, built into the
 * tool from tools/html/ by tools/html_assets.S (.incbin), each ending in NUL:
 * the page (report.html, with the places @@CSS@@, @@DATA@@ and @@SCRIPT@@),
 * its style sheet (report.css) and its script (report.js).
 */
#ifndef MWT_HTML_ASSETS_H
#define MWT_HTML_ASSETS_H

extern const char mwt_html_page[];
extern const char mwt_html_css[];
extern const char mwt_html_js[];

#endif /* MWT_HTML_ASSETS_H */
