/*
 * tools/report.c - the `memwatch report` command: reads its options, finds
 * the process directories under DIR and hands each, loaded, to the text or
 * the JSON renderer.  Exit status 0 when something was reported, 1 when DIR
 * is missing or holds no dump files (or the options are wrong).
 */
#include "tools/report.h"
#include "tools/usage.h"

#include <stdlib.h>
#include <string.h>

static int mwt_report_args(int argc, char **argv, struct mwt_ropts *o, const char **dir)
{
    bool opts = true;
    *dir = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (opts && strcmp(a, "--") == 0)
            opts = false;
        else if (opts && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            mwt_usage_report(stdout);
            return 0;
        } else if (opts && strcmp(a, "--json") == 0)
            o->json = true;
        else if (opts && strcmp(a, "--diff") == 0)
            o->diff = true;
        else if (opts && strcmp(a, "--full") == 0)
            o->full = true;
        else if (opts && a[0] == '-' && a[1] != '\0') {
            mwt_error("unknown option '%s' (see memwatch report --help)", a);
            return 1;
        } else if (*dir) {
            mwt_error("one DIR only, got '%s' and '%s'", *dir, a);
            return 1;
        } else
            *dir = a;
    }
    if (!*dir) {
        mwt_error("missing DIR (usage: memwatch report [--json] [--diff] [--full] DIR)");
        return 1;
    }
    return -1; /* go on */
}

static void mwt_report_all(char **dirs, long n, const struct mwt_ropts *o)
{
    struct mwt_jw w;
    if (o->json) {
        mwt_jw_init(&w, stdout);
        mwt_jw_obj(&w);
        mwt_jw_key(&w, "processes");
        mwt_jw_arr(&w);
    }
    for (long i = 0; i < n; i++) {
        struct mwt_dump d;
        mwt_dump_load(dirs[i], &d);
        if (o->json)
            mwt_json_dump(&w, &d, o);
        else {
            if (i > 0)
                fputc('\n', stdout);
            mwt_text_dump(&d, o);
        }
        mwt_dump_free(&d);
    }
    if (o->json) {
        mwt_jw_end_arr(&w);
        mwt_jw_end_obj(&w);
    }
}

int mwt_report_main(int argc, char **argv)
{
    struct mwt_ropts o = { false, false, false };
    const char *dir;
    char **dirs;
    mwt_prog = "memwatch report";
    int rc = mwt_report_args(argc, argv, &o, &dir);
    if (rc >= 0)
        return rc;
    long n = mwt_find_dumps(dir, &dirs);
    if (n < 0)
        return 1;
    mwt_report_all(dirs, n, &o);
    for (long i = 0; i < n; i++)
        free(dirs[i]);
    free(dirs);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        mwt_error("write error on standard output");
        return 1;
    }
    return 0;
}
