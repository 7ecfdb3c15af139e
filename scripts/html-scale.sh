#!/bin/sh
# scripts/html-scale.sh - the size and the time of `memwatch report --html`
# on a synthetic dump of 10,000 captures (500 regions, one pack file) and a
# million accesses (test/tools/make_big_dump.py), beside the plain text
# report of the same dump as the baseline measured in the same run, and the
# time headless Chromium takes to load the page when it is installed.  Each
# time is the fastest of three runs (the machine is shared; the minimum is
# the figure least disturbed by others).
#   sh scripts/html-scale.sh [CAPTURES [ACCESSES]]     (after make)
set -eu
cd "$(dirname "$0")/.."
caps=${1:-10000}
accs=${2:-1000000}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/memwatch-scale.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

seconds() { # command... : the fastest of three runs, in wall-clock seconds, on stdout
    best=""
    for run in 1 2 3; do
        t0=$(date +%s.%N)
        "$@" >/dev/null 2>&1
        t1=$(date +%s.%N)
        best=$(awk -v a="$t0" -v b="$t1" -v m="$best" 'BEGIN { t = b - a; print (m == "" || t < m) ? t : m }')
    done
    echo "$best"
}
div() { awk -v a="$1" -v b="$2" 'BEGIN { print a / b }'; }

python3 test/tools/make_big_dump.py "$tmp/dump/jit.4242" "$caps" "$accs"
dump_bytes=$(du -sb "$tmp/dump" | cut -f1)
text_s=$(seconds build/memwatch report "$tmp/dump")
html_s=$(seconds build/memwatch report --html "$tmp/r.html" "$tmp/dump")
html_bytes=$(stat -c %s "$tmp/r.html")
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs"
echo "dump: $caps captures, $accs accesses, $dump_bytes bytes on disk"
printf 'report (text, baseline): %.2f s\n' "$text_s"
printf 'report --html:           %.2f s (%.2fx the text report), %d bytes (%.1f MB, %.3f of the dump)\n' \
    "$html_s" "$(div "$html_s" "$text_s")" "$html_bytes" "$(div "$html_bytes" 1000000)" \
    "$(div "$html_bytes" "$dump_bytes")"
for b in chromium-headless-shell chromium; do
    command -v "$b" >/dev/null 2>&1 || continue
    rm -rf "$tmp/profile"
    load_s=$(seconds timeout 120 "$b" --headless --no-sandbox --disable-gpu --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$tmp/profile" --dump-dom "file://$tmp/r.html")
    printf '%s --dump-dom (load, parse, draw): %.2f s\n' "$b" "$load_s"
    break
done
