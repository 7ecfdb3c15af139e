#!/bin/sh
# The HTML report of the bundled demo (examples/exprjit.c under the launcher,
# npool watched, examples/demo.yar) opened in Debian's headless Chromium:
# the page's script runs without an error or console message, marks itself
# ready and builds the capture timeline (one mark per capture), the selected
# capture's disassembly, its diff from the previous version (the capture the
# address names), the YARA matches and the access chart.  A screenshot is
# saved as build/test/report-html-demo.png.
. "$(dirname "$0")/lib.sh"
need_python
need_browser

$CC -std=gnu11 -O2 -g -o "$TMP/exprjit" "$ROOT/examples/exprjit.c" || fail "cannot build examples/exprjit.c"
"$MEMWATCH" -q --dump-dir "$TMP/out" --watch npool -- "$TMP/exprjit" >/dev/null || fail "the demo failed under memwatch"
"$MEMWATCH" report --yara "$ROOT/examples/demo.yar" --html "$TMP/report.html" "$TMP/out" >/dev/null ||
    fail "report --html exited $?"
url="file://$TMP/report.html#p=0&seq=2"

browse "$TMP/dom.html" "$TMP/browser.log" "$url" --dump-dom ||
    fail "the browser did not finish ($?): $(tail -3 "$TMP/browser.log")"
grep -F ':CONSOLE' "$TMP/browser.log" && fail "the page wrote to the console (an error?)"
grep -F 'Uncaught' "$TMP/browser.log" && fail "the page's script threw"

python3 - "$TMP/dom.html" <<'PY' || fail "the page did not build what it should"
import re, sys
dom = open(sys.argv[1]).read()
body = re.sub(r"<script\b.*?</script>", "", dom, flags=re.S)   # what the script built, not its text
status = re.search(r'<div id="mw-status" data-state="(\w+)"[^>]*>([^<]*)<', body)
assert status, "no status element"
assert status.group(1) == "ready", status.groups()
assert '<svg id="mw-tl"' in body, "no timeline"
marks = re.findall(r'<rect class="mw-mark[^"]*" data-cap="(\d+)"', body)
assert len(marks) == 5, ("one mark per capture", marks)
assert re.search(r'class="mw-mark[^"]* mw-sel" data-cap="1"', body), "the capture #seq=2 names is not selected"
assert re.search(r'<section id="mw-detail" data-cap="1"><h2>Capture seq 2</h2>', body), "no detail of seq 2"
listing = re.search(r'<pre class="mw-code" id="mw-listing">(.*?)</pre>', body, re.S)
assert listing and "mov rax, rdi" in listing.group(1), "no disassembly"
diff = re.search(r'<pre class="mw-code" id="mw-diff">(.*?)</pre>', body, re.S)
assert diff and 'class="mw-add"' in diff.group(1) and 'class="mw-del"' in diff.group(1), "no diff"
assert "exprjit_prologue" in body and "exprjit_negation" in body, "no YARA matches"
assert "syscall_in_jit_code" not in body.split('id="mw-yara"')[1], "a rule that cannot match is shown"
assert re.search(r'<h3>npool', body) and 'class="mw-svg mw-chart"' in body, "no access chart for npool"
PY

shot=$BUILD/test/report-html-demo.png
rm -f "$shot"
browse "$TMP/shot.out" "$TMP/shot.log" "$url" --window-size=1280,2000 --screenshot="$shot" ||
    fail "the screenshot run failed ($?)"
[ "$(head -c 4 "$shot" | od -An -c | tr -d ' ')" = "211PNG" ] || fail "no PNG screenshot at $shot"
echo "ok (screenshot: $shot)"
