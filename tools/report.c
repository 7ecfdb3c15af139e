/*
 * tools/report.c - the `memwatch report` command: reads its options, loads
 * the --yara rules, finds the process directories under DIR and hands each,
 * loaded (and scanned), to the text, JSON or HTML renderer.  Exit status 0
 * when something was reported, 1 when DIR is missing or holds no dump files
 * (or the options are wrong, or the output cannot be written), 2 when the
 * --yara rules cannot be used.
 */
#include "tools/report.h"
#include "tools/report_html.h"
#include "tools/usage.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct mwt_rargs {
    const char *dir;
    const char *yara_path;
};

/* The value of an option that takes one: argv[++*i], or NULL after an error. */
static const char *mwt_opt_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        mwt_error("%s needs a value (see memwatch report --help)", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

static int mwt_report_args(int argc, char **argv, struct mwt_ropts *o, struct mwt_rargs *a)
{
    bool opts = true;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (opts && strcmp(arg, "--") == 0)
            opts = false;
        else if (opts && (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)) {
            mwt_usage_report(stdout);
            return 0;
        } else if (opts && strcmp(arg, "--json") == 0)
            o->json = true;
        else if (opts && strcmp(arg, "--diff") == 0)
            o->diff = true;
        else if (opts && strcmp(arg, "--full") == 0)
            o->full = true;
        else if (opts && strcmp(arg, "--yara") == 0) {
            if (!(a->yara_path = mwt_opt_value(argc, argv, &i)))
                return 1;
        } else if (opts && strcmp(arg, "--html") == 0) {
            if (!(o->html = mwt_opt_value(argc, argv, &i)))
                return 1;
        } else if (opts && arg[0] == '-' && arg[1] != '\0') {
            mwt_error("unknown option '%s' (see memwatch report --help)", arg);
            return 1;
        } else if (a->dir) {
            mwt_error("one DIR only, got '%s' and '%s'", a->dir, arg);
            return 1;
        } else
            a->dir = arg;
    }
    if (!a->dir) {
        mwt_error("missing DIR (usage: memwatch report [--json | --html OUT] [--yara RULES] "
                  "[--diff] [--full] DIR)");
        return 1;
    }
    if (o->json && o->html) {
        mwt_error("--json and --html each write the whole report: choose one");
        return 1;
    }
    return -1; /* go on */
}

void mwt_yscan_run(struct mwt_yara *y, const struct mwt_dump *d, struct mwt_yscan *ys)
{
    struct mwt_yara_stats before, after;
    memset(ys, 0, sizeof *ys);
    ys->of = mwt_xcalloc(d->ncaps, sizeof *ys->of);
    mwt_yara_stats(y, &before);
    for (size_t i = 0; i < d->ncaps; i++) {
        const struct mwt_capture *c = &d->caps[i];
        if (!c->bytes)
            continue;
        ys->of[i] = mwt_yara_scan(y, c->bytes, c->nbytes);
        ys->matched += ys->of[i]->n > 0;
    }
    mwt_yara_stats(y, &after);
    ys->stats.captures = after.captures - before.captures;
    ys->stats.scanned = after.scanned - before.scanned;
    ys->stats.cached = after.cached - before.cached;
}

void mwt_yscan_free(struct mwt_yscan *ys)
{
    free(ys->of);
    memset(ys, 0, sizeof *ys);
}

/* Renders every directory into f (stdout, or the HTML file). */
static void mwt_report_all(FILE *f, char **dirs, long n, const struct mwt_ropts *o)
{
    struct mwt_html *html = NULL;
    if (o->json)
        mwt_json_begin(f);
    if (o->html)
        html = mwt_html_begin(f, o);
    for (long i = 0; i < n; i++) {
        struct mwt_dump d;
        struct mwt_yscan ys;
        mwt_dump_load(dirs[i], &d);
        if (o->yara)
            mwt_yscan_run(o->yara, &d, &ys);
        const struct mwt_yscan *ysp = o->yara ? &ys : NULL;
        if (o->json) {
            mwt_json_dump(f, i == 0, &d, ysp, o);
        } else if (html) {
            mwt_html_dump(html, &d, ysp);
        } else {
            if (i > 0)
                fputc('\n', f);
            mwt_text_dump(&d, ysp, o);
        }
        if (o->yara)
            mwt_yscan_free(&ys);
        mwt_dump_free(&d);
    }
    if (o->json)
        mwt_json_end(f);
    if (html)
        mwt_html_end(html);
}

static int mwt_report_html(char **dirs, long n, const struct mwt_ropts *o)
{
    FILE *f = fopen(o->html, "we");
    if (!f) {
        mwt_error("%s: %s", o->html, strerror(errno));
        return 1;
    }
    mwt_report_all(f, dirs, n, o);
    long size = ftell(f);
    if (ferror(f) | (fclose(f) != 0)) {
        mwt_error("%s: write error", o->html);
        return 1;
    }
    printf("wrote %s (%ld bytes)\n", o->html, size);
    return 0;
}

int mwt_report_main(int argc, char **argv)
{
    struct mwt_ropts o = { false, false, false, NULL, NULL };
    struct mwt_rargs a = { NULL, NULL };
    char **dirs = NULL;
    long n = 0;
    int rc;
    mwt_prog = "memwatch report";
    if ((rc = mwt_report_args(argc, argv, &o, &a)) >= 0)
        return rc;
    if (a.yara_path && !(o.yara = mwt_yara_open(a.yara_path)))
        return MWT_YARA_EXIT_BAD_RULES;
    rc = 1;
    if ((n = mwt_find_dumps(a.dir, &dirs)) < 0)
        goto done;
    if (o.html) {
        rc = mwt_report_html(dirs, n, &o);
    } else {
        mwt_report_all(stdout, dirs, n, &o);
        rc = 0;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        mwt_error("write error on standard output");
        rc = 1;
    }
done:
    for (long i = 0; i < n; i++)
        free(dirs[i]);
    free(dirs);
    mwt_yara_close(o.yara);
    return rc;
}
