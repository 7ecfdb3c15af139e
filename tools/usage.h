/*
 * tools/usage.h - the help and version texts of the memwatch tool.
 */
#ifndef MWT_USAGE_H
#define MWT_USAGE_H

#include <stdio.h>

void mwt_usage_launcher(FILE *f);
void mwt_usage_report(FILE *f);
void mwt_version(FILE *f);

#endif /* MWT_USAGE_H */
