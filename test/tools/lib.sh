# test/tools/lib.sh - sourced by the tests of the memwatch tool (test_*.sh
# here): the paths run.sh exports, a scratch directory removed at exit,
# fail/skip helpers, and builders for the fixtures the tests share (a dump
# directory written by hand, holding real x86 code; a dummy library).
: "${ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILD:=$ROOT/build}"
MEMWATCH=$BUILD/memwatch
CC=${CC:-gcc}

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "$*"; exit 77; }

[ -x "$MEMWATCH" ] || fail "$MEMWATCH is missing (run make build/memwatch)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/memwatch-tools.XXXXXX") || fail "mktemp"
trap 'rm -rf "$TMP"' EXIT

need_python() {
    command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
}

# bytes HEX... : writes the bytes given as hex pairs ("b8 01 00") to stdout.
bytes() {
    for h in "$@"; do
        # shellcheck disable=SC2059
        printf "\\$(printf %o "0x$h")"
    done
}

# zeros N : writes N zero bytes.
zeros() { head -c "$1" /dev/zero; }

# capture_line SEQ ADDR LEN CSEQ REGION HASH FILE : one captures.jsonl line.
capture_line() {
    printf '{"seq":%s,"addr":"%s","len":%s,"capture_sequence":%s,"region":"%s",' "$1" "$2" "$3" "$4" "$5"
    printf '"fault_addr":"%s","tid":4242,"timestamp_ns":1700000000000000%03d,' "$2" "$1"
    printf '"hash":"%s","file":"%s","future_key":[1,{"x":null}],' "$6" "$7"
    printf '"regs":{"rax":"0x0","rbx":"0x0","rcx":"0x0","rdx":"0x0","rsi":"0x0","rdi":"0x5",'
    printf '"rbp":"0x0","rsp":"0x7ffc00000000","r8":"0x0","r9":"0x0","r10":"0x0","r11":"0x0",'
    printf '"r12":"0x0","r13":"0x0","r14":"0x0","r15":"0x0","rip":"%s","rflags":"0x246"}}\n' "$2"
}

# make_fixture DIR : a process directory with four captures:
#   1 region A #1  mov eax, 1; ret
#   2 region A #2  mov eax, 1; add eax, 5; ret
#   3 region A #3  the same bytes as 2 (same hash)
#   4 region B #1  a 4 KiB page: mov rax, rcx; two bad bytes; ret; zeros
make_fixture() {
    d=$1
    mkdir -p "$d/code"
    bytes b8 01 00 00 00 c3 >"$d/code/1.bin"
    bytes b8 01 00 00 00 83 c0 05 c3 >"$d/code/2.bin"
    cp "$d/code/2.bin" "$d/code/3.bin"
    { bytes 48 89 c8 06 06 c3; zeros 4090; } >"$d/code/4.bin"
    {
        capture_line 1 0x7f0000001000 6 1 0x7f0000001000 0x1111111111111111 code/1.bin
        capture_line 2 0x7f0000001000 9 2 0x7f0000001000 0x2222222222222222 code/2.bin
        capture_line 3 0x7f0000001000 9 3 0x7f0000001000 0x2222222222222222 code/3.bin
        capture_line 4 0x7f0000002000 4096 1 0x7f0000002000 0x4444444444444444 code/4.bin
    } >"$d/captures.jsonl"
}

# make_pack_fixture DIR : the captures of make_fixture, their bytes in one
# pack file as the library writes them (DESIGN.md, "Dump layout"): each line
# names code.pack and the offset of its len bytes; captures 2 and 3 (the same
# content) share one offset.  Capture 4 sits after the others, at 64.
make_pack_fixture() {
    d=$1
    mkdir -p "$d"
    {
        bytes b8 01 00 00 00 c3                 # offset 0, 6 bytes
        bytes b8 01 00 00 00 83 c0 05 c3        # offset 6, 9 bytes
        zeros 49                                # padding up to 64
        bytes 48 89 c8 06 06 c3; zeros 4090     # offset 64, 4096 bytes
    } >"$d/code.pack"
    {
        capture_line 1 0x7f0000001000 6 1 0x7f0000001000 0x1111111111111111 code.pack | pack_at 0
        capture_line 2 0x7f0000001000 9 2 0x7f0000001000 0x2222222222222222 code.pack | pack_at 6
        capture_line 3 0x7f0000001000 9 3 0x7f0000001000 0x2222222222222222 code.pack | pack_at 6
        capture_line 4 0x7f0000002000 4096 1 0x7f0000002000 0x4444444444444444 code.pack | pack_at 64
    } >"$d/captures.jsonl"
}

# pack_at OFFSET : a capture line on stdin with "offset":OFFSET after its "file".
pack_at() { sed "s/\"file\":\"\([^\"]*\)\",/\"file\":\"\1\",\"offset\":$1,/"; }

# rules_fixture FILE : YARA rules for the byte strings of make_fixture:
#   mov_eax_1 (tags jit, demo)  b8 01 00 00 00 at 0   seq 1, 2, 3 at +0x0
#   add_eax_5                   83 c0 05               seq 2, 3 at +0x5
#   bad_bytes_ret               06 06 c3               seq 4 at +0x3
#   never_here                  0f 0b (ud2)            nowhere
rules_fixture() {
    cat >"$1" <<'YAR'
rule mov_eax_1 : jit demo
{
    strings:
        $mov = { b8 01 00 00 00 }
    condition:
        $mov at 0
}

rule add_eax_5
{
    strings:
        $add = { 83 c0 05 }
    condition:
        $add
}

rule bad_bytes_ret
{
    strings:
        $bad = { 06 06 c3 }
    condition:
        $bad
}

rule never_here
{
    strings:
        $ud2 = { 0f 0b }
    condition:
        $ud2
}
YAR
}

# need_browser : sets BROWSER to Debian's headless Chromium, or skips.
need_browser() {
    BROWSER=""
    for b in chromium-headless-shell chromium chromium-browser; do
        if command -v "$b" >/dev/null 2>&1; then BROWSER=$(command -v "$b"); break; fi
    done
    [ -n "$BROWSER" ] || skip "no headless Chromium installed (apt-get install chromium-headless-shell)"
}

# browse OUT.dom OUT.log URL [extra flags] : loads URL in a fresh headless
# Chromium profile (bounded by a timeout) and dumps the DOM it built; the
# browser's log, with the page's console messages, goes to OUT.log.
browse() {
    dom=$1 log=$2 url=$3
    shift 3
    prof=$(mktemp -d "$TMP/profile.XXXXXX")
    # shellcheck disable=SC2046
    timeout -k 5 90 "$BROWSER" --headless --no-sandbox --disable-gpu --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-extensions --user-data-dir="$prof" --enable-logging=stderr --v=0 \
        "$@" "$url" >"$dom" 2>"$log"
}

# access_line ADDR SIZE OP IP SYM VAR BEFORE AFTER : one accesses.jsonl line
# (SYM or VAR "-" leaves the key out).
access_line() {
    printf '{"addr":"%s","size":%s,"op":"%s","ip":"%s",' "$1" "$2" "$3" "$4"
    [ "$5" = - ] || printf '"sym":"%s",' "$5"
    [ "$6" = - ] || printf '"var":"%s",' "$6"
    printf '"tid":4242,"timestamp_ns":1700000000000000000,"before":"%s","after":"%s"}\n' "$7" "$8"
}

# make_accesses DIR : accesses to "counter" (4 bytes) from two functions,
# and one to an unnamed 8-byte range from an unknown function.
make_accesses() {
    {
        access_line 0x601040 4 w 0x401126 main+0x16 counter 00000000 01000000
        access_line 0x601040 4 r 0x401200 reader+0x4 counter 01000000 01000000
        access_line 0x601040 4 rw 0x401126 main+0x16 counter 01000000 2a000000
        access_line 0x601040 4 w 0x401126 main+0x16 counter 2a000000 07000000
        access_line 0x601080 8 w 0x401300 - - 0000000000000000 efbeadde00000000
    } >"$1/accesses.jsonl"
}

# dummy_lib OUT : an empty shared object for MEMWATCH_LIB.
dummy_lib() {
    echo 'int mwt_test_dummy;' >"$TMP/dummy.c"
    $CC -shared -fPIC -o "$1" "$TMP/dummy.c" || fail "cannot build a dummy .so"
}

# expect_in FILE TEXT : FILE contains TEXT (a fixed string).
expect_in() {
    grep -qF -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "'$2' not found in $1"; }
}

# live_jit_setup: the live-JIT helper program built as $TMP/jit, the library
# memwatch preloads, and $TMP as the working directory (the launcher tests).
live_jit_setup() {
    need_python
    [ -f "$BUILD/libmemwatch.so" ] || fail "$BUILD/libmemwatch.so is not built"
    $CC -O2 -o "$TMP/jit" "$ROOT/test/tools/prog_live_jit.c" || fail "cannot build the JIT"
    export MEMWATCH_LIB="$BUILD/libmemwatch.so"
    cd "$TMP" || fail "cd"
}
