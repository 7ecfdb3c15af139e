# Shared by the real-client tests: run a client plainly and under the
# launcher, compare output byte for byte, check its captures, report times.
set -eu
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
CHECK="$TESTBIN/check_code"
[ "$CHECK" -nt "$ROOT/test/clients/check_code.c" ] || gcc -O2 -Wall -Werror -o "$CHECK" "$ROOT/test/clients/check_code.c" -lZydis

# need_package CMD PACKAGE: installs PACKAGE when CMD is missing and we are
# root; otherwise skips the test.
need_package() {
    command -v "$1" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1 ||
            { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1; } || true
    fi
    command -v "$1" >/dev/null 2>&1 || { echo "SKIP: $1 is not installed and cannot be installed here"; exit 77; }
}

now_ms() { date +%s%3N; }

# run_client NAME MIN_CAPTURES cmd args...: same output with and without the
# library; at least MIN_CAPTURES captures, every file whole, decoding from
# each fault address almost all valid (under 2% invalid).
run_client() {
    name=$1 min=$2
    shift 2
    t0=$(now_ms)
    "$@" >"$TMP/plain.out" 2>"$TMP/plain.err"; rc_plain=$?
    t1=$(now_ms)
    "$BUILD/memwatch" -q --dump-dir "$TMP/dump" -- "$@" >"$TMP/lib.out" 2>"$TMP/lib.err"; rc_lib=$?
    t2=$(now_ms)
    [ $rc_plain -eq $rc_lib ] || { echo "$name: exit $rc_lib under the library, $rc_plain without"; cat "$TMP/lib.err"; exit 1; }
    cmp -s "$TMP/plain.out" "$TMP/lib.out" || { echo "$name: output differs"; diff "$TMP/plain.out" "$TMP/lib.out" | head; exit 1; }
    total=0 insns=0 bad=0
    for d in "$TMP"/dump/*/; do
        [ -d "$d" ] || continue
        set -- $("$CHECK" "$d") || { echo "$name: broken capture in $d"; exit 1; }
        total=$((total + $2)); insns=$((insns + $4)); bad=$((bad + $6))
    done
    echo "$name: plain $((t1 - t0)) ms, under the library $((t2 - t1)) ms, $total captures, $insns instructions decoded from fault addresses, $bad invalid"
    [ "$total" -ge "$min" ] || { echo "$name: $total captures, expected at least $min"; exit 1; }
    [ $((bad * 50)) -le $((insns + 1)) ] || { echo "$name: too many invalid bytes at captured addresses"; exit 1; }
}
