/*
 * tools/report_yara.c - the YARA sections of the text report: what --yara
 * found in each capture, with the scan counts (identical content is scanned
 * once), and what the launcher recorded in yara.jsonl while the program ran;
 * and the scan counts as JSON for the other renderers.
 * One line per matching rule and capture, naming seq, region, rule, tags and
 * each string's offset in the capture and runtime address.
 */
#include "tools/json_fields.h"
#include "tools/report.h"

#include <stdlib.h>

void mwt_text_yara(const struct mwt_dump *d, const struct mwt_yscan *ys, const struct mwt_ropts *o)
{
    size_t without = 0;
    printf("yara (rules %s): %llu capture%s, %llu distinct content%s scanned, %llu from cache; "
           "%zu capture%s matched\n",
           mwt_yara_path(o->yara), (unsigned long long)ys->stats.captures,
           ys->stats.captures == 1 ? "" : "s", (unsigned long long)ys->stats.scanned,
           ys->stats.scanned == 1 ? "" : "s", (unsigned long long)ys->stats.cached, ys->matched,
           ys->matched == 1 ? "" : "s");
    for (size_t i = 0; i < d->ncaps; i++) {
        if (ys->of[i])
            mwt_yara_print(stdout, "  ", NULL, &d->caps[i], ys->of[i]);
        else
            without++;
    }
    if (ys->matched == 0)
        printf("  no rule matched\n");
    if (without)
        printf("  (%zu capture%s without bytes not scanned)\n", without, without == 1 ? "" : "s");
}

void mwt_text_yara_live(const struct mwt_dump *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->ncaps; i++)
        n += d->caps[i].live != NULL;
    printf("\nyara matches recorded while it ran (%s): %zu capture%s\n", MWT_YARA_LIVE, n,
           n == 1 ? "" : "s");
    for (size_t i = 0; i < d->ncaps; i++)
        if (d->caps[i].live)
            mwt_yara_print(stdout, "  ", NULL, &d->caps[i], d->caps[i].live);
}

json_t *mwt_yscan_json(const struct mwt_yscan *ys, const struct mwt_yara *y)
{
    json_t *o = json_object();
    mwt_json_put(o, "rules", mwt_json_str(mwt_yara_path(y)));
    mwt_json_put(o, "captures", mwt_json_uint(ys->stats.captures));
    mwt_json_put(o, "scanned", mwt_json_uint(ys->stats.scanned));
    mwt_json_put(o, "from_cache", mwt_json_uint(ys->stats.cached));
    mwt_json_put(o, "matched", mwt_json_uint(ys->matched));
    return o;
}
