/*
 * tools/usage.c - what `memwatch --help`, `memwatch report --help` and
 * `memwatch --version` print: every option, the environment variables the
 * library reads at load, and the exit statuses.
 */
#include "tools/usage.h"
#include "tools/disasm.h"
#include "tools/util.h"

void mwt_usage_launcher(FILE *f)
{
    fputs(
"usage: memwatch [options] [--] program [args...]\n"
"       memwatch report [--json] [--diff] [--full] DIR\n"
"       memwatch --help | --version\n"
"\n"
"Runs program with libmemwatch.so preloaded (LD_PRELOAD, given as an absolute\n"
"path in front of any existing entries).  The library captures code the\n"
"program writes and then runs (JIT compilers, unpackers, self-modifying code)\n"
"and logs accesses to watched variables, into <dump-dir>/<exe>.<pid>/ for the\n"
"program and each process it starts.  When the program ends, memwatch prints\n"
"one summary line on stderr and exits with the program's status.  Read the\n"
"results with `memwatch report DIR` (see memwatch report --help).\n"
"\n"
"options (they set the environment the library reads when it loads):\n"
"  --dump-dir DIR     where captures and access logs go\n"
"                     (MEMWATCH_DUMP_DIR, made absolute; default ./memwatch-out)\n"
"  --no-capture       turn code capture off (MEMWATCH_CAPTURE=0)\n"
"  --watch SPEC       watch SPEC from start-up and log its accesses; repeatable,\n"
"                     the specs are joined with commas (MEMWATCH_WATCH).\n"
"                     SPEC is SYMBOL[+OFF] or 0xADDR, with optional :SIZE and\n"
"                     :r, :w or :rw, e.g. --watch counter:w, --watch table+16:8.\n"
"                     SYMBOL: a global or static variable of the program or\n"
"                     its libraries (one loaded later by dlopen too); SIZE\n"
"                     defaults to the symbol's size (8 for an address)\n"
"  --events PATH      every capture and logged access, one JSON line each, as\n"
"                     it happens: the dump's line with \"event\", \"pid\", \"exe\"\n"
"                     and \"dir\" in front.  PATH may be a FIFO; the program\n"
"                     never waits for its reader (what a slow reader misses\n"
"                     is counted in a {\"event\":\"skipped\",...} line)\n"
"  --log FILE|stderr  where the library writes diagnostics (MEMWATCH_LOG;\n"
"                     default: quiet)\n"
"  --jitdump          also write a perf jitdump of captured code,\n"
"                     jit-<pid>.dump beside the captures (MEMWATCH_JITDUMP=1):\n"
"                     perf record -k 1 ..., then perf inject --jit names\n"
"                     samples in captured code memwatch:<seq>@0x<addr>\n"
"  --syscalls trap    also catch memory-mapping system calls that bypass libc\n"
"                     (MEMWATCH_SYSCALLS=trap)\n"
"  -q, --quiet        no summary line (and no status line)\n"
"  -h, --help         this text\n"
"  -V, --version      the version\n"
"\n"
"Options end at the first argument that is not one, or at `--`; use\n"
"`memwatch -- report` to run a program named report.\n"
"\n"
"environment:\n"
"  MEMWATCH_LIB       the libmemwatch.so to preload; default: next to the\n"
"                     memwatch executable, then ../lib/ from it, then the\n"
"                     build directory memwatch was built in\n"
"  MEMWATCH_DUMP_DIR  MEMWATCH_CAPTURE  MEMWATCH_WATCH  MEMWATCH_LOG\n"
"  MEMWATCH_JITDUMP   MEMWATCH_SYSCALLS\n"
"                     read by the library at load; the options above set them,\n"
"                     values already in the environment are kept otherwise\n"
"  LD_PRELOAD         kept, after the library\n"
"\n"
"While the program runs, stdin and stdout are its own; SIGINT, SIGTERM, SIGHUP\n"
"and SIGQUIT sent to memwatch are passed on to it (a key press at the terminal\n"
"already reaches both).  When stderr is a terminal, a status line shows the\n"
"captures, bytes of distinct code, accesses, processes and time so far, at\n"
"most ten times a second.\n"
"\n"
"exit status: the program's; when the program is killed by a signal, memwatch\n"
"kills itself with the same signal (without a core dump of its own).\n"
"125 when memwatch itself fails (bad option, library not found), 126 when the\n"
"program cannot be executed, 127 when it is not found.\n",
        f);
}

void mwt_usage_report(FILE *f)
{
    fprintf(f,
"usage: memwatch report [--json] [--diff] [--full] DIR\n"
"\n"
"Reports what libmemwatch wrote.  DIR is one process directory\n"
"(<dump-dir>/<exe>.<pid>/, holding captures.jsonl and/or accesses.jsonl) or a\n"
"dump directory holding several; each process is reported in pid order.\n"
"\n"
"The text report shows, per process: the table of captures (seq, address,\n"
"length, region, capture_sequence, tid, hash); each capture disassembled at\n"
"the address it ran at (Intel syntax), runs of %d or more zero bytes\n"
"collapsed, bytes that do not decode shown as (bad); and, when accesses.jsonl\n"
"exists, per watched variable who touched it: one row per function+offset\n"
"(or instruction address) with counts and the first and last value written\n"
"(read, when it only read).\n"
"\n"
"options:\n"
"  --diff      per region, the changes between consecutive captures (ordered\n"
"              by capture_sequence) as -/+ instruction lines with context, or\n"
"              `identical` when the hashes match; - lines are at the old\n"
"              capture's addresses, context and + lines at the new one's\n"
"  --json      the same as one JSON document on stdout, for scripts\n"
"  --full      list every instruction (default: the first %d per capture)\n"
"  -h, --help  this text\n"
"\n"
"Unknown keys are ignored, missing ones shown as -, and a torn or invalid line\n"
"is skipped with one warning on stderr.  Exit status 0, or 1 when DIR does\n"
"not exist or holds no dump files.\n",
        MWT_ZERO_RUN, MWT_DEFAULT_LIMIT);
}

void mwt_version(FILE *f)
{
    fprintf(f, "memwatch %s\n", MWT_VERSION);
}
