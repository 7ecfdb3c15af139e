#!/bin/sh
# Proves a program that makes no code leaves no captures: an ordinary
# program (stdio, malloc, a thread, mappings made read-only, mremap, munmap,
# a fork) run with the library leaves no <exe>.<pid> directory, for itself
# or its child, and no captures.jsonl anywhere under the dump directory;
# its output, exit status and stderr are as without the library.
# shellcheck source=test/capture/lib.sh
. "$ROOT/test/capture/lib.sh"

run_both prog_no_code

check '
import os, sys
from dumpcheck import *
dump = sys.argv[1]
found = [os.path.join(r, n) for r, ds, fs in os.walk(dump) for n in ds + fs]
expect(not found, "a program that makes no code left %r" % found)
' "$TMP/dump"
echo "ok"
