/*
 * tools/table.h - plain-text tables for the report: cells are collected row
 * by row, then printed with each column as wide as its widest cell.
 */
#ifndef MWT_TABLE_H
#define MWT_TABLE_H

#include <stddef.h>
#include <stdio.h>

struct mwt_table {
    size_t ncols;
    unsigned right;   /* bit c set: column c is right-aligned (numbers) */
    char **cells;     /* row-major, the header is row 0 */
    size_t ncells, cap;
};

/* A table whose header row is the ncols names given. */
void mwt_table_init(struct mwt_table *t, unsigned right, size_t ncols, const char *const *head);
/* Appends the next cell (rows fill left to right, then wrap). */
void mwt_table_cell(struct mwt_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mwt_table_print(FILE *f, const struct mwt_table *t, const char *indent);
void mwt_table_free(struct mwt_table *t);

#endif /* MWT_TABLE_H */
