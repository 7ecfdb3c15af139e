/*
 * tools/yara_live.c - scanning each capture as the follower sees it (see
 * yara_live.h).
 */
#include "tools/yara_live.h"

#include <stdlib.h>
#include <string.h>

#include "tools/dump.h"
#include "tools/util.h"

static void mwt_yara_live_one(void *arg, struct mwt_line *l)
{
    struct mwt_yara *y = arg;
    struct mwt_capture c;
    const char *why = NULL;
    if (!mwt_capture_parse(l->text, l->len, l->proc->path, &c, &why))
        return; /* not a capture line the library wrote: the report says so later */
    json_t *event = json_object();
    if (event && mwt_yara_live_capture(y, l->proc->path, l->proc->name, &c, event) > 0) {
        json_t *matches = json_object_get(event, "yara");
        char *text = matches ? json_dumps(matches, JSON_COMPACT) : NULL;
        if (text) {
            char *extra = mwt_xasprintf(",\"yara\":%s", text);
            free(l->extra);
            l->extra = extra;
        }
        free(text);
    }
    json_decref(event);
    mwt_capture_free(&c);
}

void mwt_yara_live_attach(struct mwt_yara *y, struct mwt_follow *f)
{
    struct mwt_consumer c = {NULL, mwt_yara_live_one, NULL, y};
    mwt_follow_add(f, &c);
}
