#!/bin/sh
# memwatch report ends with one clear line and status 1 when DIR is missing,
# is not a directory or holds no dump files; --help describes the options.
. "$(dirname "$0")/lib.sh"

check_error() { # what args...
    what=$1
    shift
    "$MEMWATCH" report "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    [ $rc -eq 1 ] || fail "$what: exit status $rc, not 1"
    [ -s "$TMP/out" ] && fail "$what: printed a report: $(cat "$TMP/out")"
    [ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "$what: not one line: $(cat "$TMP/err")"
    grep -q '^memwatch report: ' "$TMP/err" || fail "$what: message does not say who: $(cat "$TMP/err")"
}

check_error "a missing directory" "$TMP/nothere"
expect_in "$TMP/err" "No such file or directory"
mkdir "$TMP/empty" "$TMP/empty/x.12"
check_error "an empty dump directory" "$TMP/empty"
expect_in "$TMP/err" "no dump files"
: >"$TMP/file"
check_error "a file" "$TMP/file"
check_error "no DIR at all"
check_error "an unknown option" --bogus "$TMP/empty"

"$MEMWATCH" report --help >"$TMP/help" || fail "report --help failed"
for word in --json --diff --full DIR captures.jsonl accesses.jsonl; do
    expect_in "$TMP/help" "$word"
done
echo "ok"
