#!/bin/sh
# java runs a class with a hot loop that C1/C2 compile (default and
# -Xshare:off), and a NullPointerException HotSpot takes through SIGSEGV:
# same output with and without the library, compiled code captured.
. "$ROOT/test/clients/lib.sh"
command -v javac >/dev/null 2>&1 && command -v java >/dev/null 2>&1 || { echo "SKIP: java/javac are not installed"; exit 77; }
cat >"$TMP/Hot.java" <<'J'
public class Hot {
    static int f(int x) { return x * x + 1; }
    public static void main(String[] a) {
        long s = 0;
        for (int i = 0; i < 20_000_000; i++) s += f(i % 1000);
        System.out.println(s);
        Object o = null;
        try { o.hashCode(); } catch (NullPointerException e) { System.out.println("npe caught"); }
    }
}
J
javac -d "$TMP" "$TMP/Hot.java"
run_client java 10 java -cp "$TMP" Hot
rm -rf "$TMP/dump"
run_client java-Xshare:off 10 java -Xshare:off -cp "$TMP" Hot
