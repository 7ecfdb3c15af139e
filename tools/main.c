/*
 * tools/main.c - the entry of the memwatch tool: `memwatch report ...` goes
 * to the report command, everything else to the launcher.
 */
#include "tools/launch.h"
#include "tools/report.h"

#include <string.h>

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "report") == 0)
        return mwt_report_main(argc - 1, argv + 1);
    return mwt_launch_main(argc, argv);
}
