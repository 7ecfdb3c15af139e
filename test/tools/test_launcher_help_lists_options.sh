#!/bin/sh
# memwatch --help names every launcher option and the environment variables
# they set; --version prints a version; an unknown option fails with 125.
. "$(dirname "$0")/lib.sh"

"$MEMWATCH" --help >"$TMP/help" 2>&1 || fail "--help exited $?"
for word in --dump-dir --no-capture --watch --log --jitdump "--syscalls trap" -q --quiet \
            --help --version report MEMWATCH_LIB MEMWATCH_DUMP_DIR MEMWATCH_CAPTURE \
            MEMWATCH_WATCH MEMWATCH_LOG MEMWATCH_JITDUMP MEMWATCH_SYSCALLS LD_PRELOAD; do
    expect_in "$TMP/help" "$word"
done
"$MEMWATCH" -h | cmp -s - "$TMP/help" || fail "-h differs from --help"
"$MEMWATCH" --version >"$TMP/version" || fail "--version exited $?"
grep -Eq '^memwatch [0-9]+\.[0-9]+' "$TMP/version" || fail "odd version: $(cat "$TMP/version")"

"$MEMWATCH" --bogus true >/dev/null 2>"$TMP/err"
[ $? -eq 125 ] || fail "an unknown option did not exit 125"
expect_in "$TMP/err" "--bogus"
"$MEMWATCH" --syscalls maybe true >/dev/null 2>&1
[ $? -eq 125 ] || fail "--syscalls maybe was accepted"
echo "ok"
