/*
 * test/tools/live_scan.c - drives the live YARA step of the memwatch tool
 * (tools/yara.h, mwt_yara_live_capture) the way the launcher's dump follower
 * is meant to: for every line of DIR/captures.jsonl, parse it with its bytes
 * (mwt_capture_parse), scan, and print the capture's event line, with
 * "yara" added when a rule matched.  Matches go to stderr and DIR/yara.jsonl.
 *   live_scan RULES DIR     (exit 2 when RULES cannot be used)
 * Built by test_report_shows_matches_the_live_scan_wrote.sh with the tool's
 * own sources.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/dump.h"
#include "tools/json_fields.h"
#include "tools/yara.h"

int main(int argc, char **argv)
{
    if (argc != 3)
        return 1;
    struct mwt_yara *y = mwt_yara_open(argv[1]);
    if (!y)
        return MWT_YARA_EXIT_BAD_RULES;
    char *path = mwt_path_join(argv[2], MWT_CAPTURES);
    FILE *f = fopen(path, "r");
    if (!f)
        return 1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        struct mwt_capture c;
        const char *why;
        if (!mwt_capture_parse(line, (size_t)n, argv[2], &c, &why))
            continue;
        json_t *event = json_object();
        mwt_json_put(event, "seq", mwt_json_opt(c.seq));
        if (mwt_yara_live_capture(y, argv[2], "jit.4242", &c, event) < 0)
            rc = 1;
        mwt_json_write(stdout, event, 0);
        putchar('\n');
        json_decref(event);
        mwt_capture_free(&c);
    }
    struct mwt_yara_stats st;
    mwt_yara_stats(y, &st);
    fprintf(stderr, "scanned %llu of %llu\n", (unsigned long long)st.scanned,
            (unsigned long long)st.captures);
    free(line);
    free(path);
    fclose(f);
    mwt_yara_close(y);
    return rc;
}
