/*
 * tools/table.c - collects and prints the report's plain-text tables.
 */
#include "tools/table.h"
#include "tools/util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void mwt_table_push(struct mwt_table *t, char *cell)
{
    t->cells = mwt_grow(t->cells, &t->cap, t->ncells + 1, sizeof *t->cells);
    t->cells[t->ncells++] = cell;
}

void mwt_table_init(struct mwt_table *t, unsigned right, size_t ncols, const char *const *head)
{
    memset(t, 0, sizeof *t);
    t->ncols = ncols;
    t->right = right;
    for (size_t c = 0; c < ncols; c++)
        mwt_table_push(t, mwt_xstrdup(head[c]));
}

void mwt_table_cell(struct mwt_table *t, const char *fmt, ...)
{
    va_list ap;
    char *s;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = mwt_xstrdup("?");
    va_end(ap);
    mwt_table_push(t, s);
}

void mwt_table_print(FILE *f, const struct mwt_table *t, const char *indent)
{
    size_t *w = mwt_xcalloc(t->ncols, sizeof *w);
    for (size_t i = 0; i < t->ncells; i++) {
        size_t len = strlen(t->cells[i]);
        if (len > w[i % t->ncols])
            w[i % t->ncols] = len;
    }
    for (size_t i = 0; i < t->ncells; i++) {
        size_t c = i % t->ncols;
        bool last = c + 1 == t->ncols || i + 1 == t->ncells;
        if (c == 0)
            fputs(indent, f);
        if (t->right & (1u << c))
            fprintf(f, "%*s", (int)w[c], t->cells[i]);
        else
            fprintf(f, "%-*s", last ? 0 : (int)w[c], t->cells[i]);
        fputs(last ? "\n" : "  ", f);
    }
    free(w);
}

void mwt_table_free(struct mwt_table *t)
{
    for (size_t i = 0; i < t->ncells; i++)
        free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof *t);
}
