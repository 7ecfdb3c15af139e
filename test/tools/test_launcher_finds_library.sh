#!/bin/sh
# Without MEMWATCH_LIB the launcher preloads libmemwatch.so from next to its
# own executable, else from ../lib/ (an installed prefix).
. "$(dirname "$0")/lib.sh"

unset MEMWATCH_LIB LD_PRELOAD
mkdir -p "$TMP/build" "$TMP/prefix/bin" "$TMP/prefix/lib"
cp "$MEMWATCH" "$TMP/build/memwatch"
dummy_lib "$TMP/build/libmemwatch.so"
"$TMP/build/memwatch" -q /usr/bin/env >"$TMP/env" || fail "memwatch in a build tree failed"
grep -qx "LD_PRELOAD=$TMP/build/libmemwatch.so" "$TMP/env" || fail "build tree: $(grep LD_PRELOAD "$TMP/env")"

cp "$MEMWATCH" "$TMP/prefix/bin/memwatch"
dummy_lib "$TMP/prefix/lib/libmemwatch.so"
"$TMP/prefix/bin/memwatch" -q /usr/bin/env >"$TMP/env" || fail "memwatch in a prefix failed"
grep -qx "LD_PRELOAD=$TMP/prefix/lib/libmemwatch.so" "$TMP/env" || fail "prefix: $(grep LD_PRELOAD "$TMP/env")"

# Through a symbolic link, the executable's real directory counts.
ln -s "$TMP/prefix/bin/memwatch" "$TMP/link"
"$TMP/link" -q /usr/bin/env >"$TMP/env" || fail "memwatch through a link failed"
grep -qx "LD_PRELOAD=$TMP/prefix/lib/libmemwatch.so" "$TMP/env" || fail "link: $(grep LD_PRELOAD "$TMP/env")"
echo "ok"
