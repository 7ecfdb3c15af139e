#!/bin/sh
# scripts/install.sh - `make install` and `make uninstall`.
#
#   sh scripts/install.sh install   PREFIX [DESTDIR]
#   sh scripts/install.sh uninstall PREFIX [DESTDIR]
#
# Installs, under DESTDIR/PREFIX:
#   lib/libmemwatch.so             the library (link with -lmemwatch, or preload it)
#   lib/memwatch-agent.so          the capture agent memwatch injects into static
#                                  programs and attached ones (found like the library)
#   include/memwatch.h             its header
#   bin/memwatch                   the launcher and `memwatch report`; it finds the
#                                  library in ../lib relative to itself
#   lib/pkgconfig/memwatch.pc      for pkg-config (from scripts/memwatch.pc.in)
#   share/man/man1/memwatch.1      the launcher's manual
#   share/man/man3/memwatch.3      the library's manual
#   share/memwatch/memwatch.gdb    gdb set-up (README: debugging with gdb)
#   share/memwatch/install-manifest  what this install made, for uninstall
# Uninstall removes those files, then the directories the install created
# (as its manifest recorded them) when they are empty; directories that were
# there before are left alone.  Run from the repository root after `make`.
set -eu

action=${1:-}
prefix=${2:-/usr/local}
destdir=${3:-}
case "$action" in install|uninstall) ;; *)
    echo "usage: sh scripts/install.sh install|uninstall PREFIX [DESTDIR]" >&2; exit 2 ;;
esac
case "$prefix" in /*) ;; *)
    echo "install.sh: PREFIX must be an absolute path, not '$prefix'" >&2; exit 2 ;;
esac
prefix=${prefix%/}
[ -n "$prefix" ] || prefix=/
root=$destdir$prefix
root=${root%/}

cd "$(dirname "$0")/.."
version=$(sed -n 's/^#define MWT_VERSION "\(.*\)"/\1/p' tools/util.h)
[ -n "$version" ] || version=0.0.0

# file (destination relative to PREFIX) <- source, mode
files="lib/libmemwatch.so:build/libmemwatch.so:0755
lib/memwatch-agent.so:build/memwatch-agent.so:0644
include/memwatch.h:include/memwatch.h:0644
bin/memwatch:build/memwatch:0755
lib/pkgconfig/memwatch.pc:-:0644
share/man/man1/memwatch.1:docs/man/memwatch.1:0644
share/man/man3/memwatch.3:docs/man/memwatch.3:0644
share/memwatch/memwatch.gdb:scripts/memwatch.gdb:0644"
manifest_rel=share/memwatch/install-manifest
manifest=$root/$manifest_rel

# Directories made by this install, deepest last (recorded in the manifest).
made_dirs=""
make_dir() { # absolute dir
    [ -d "$1" ] && return 0
    make_dir "$(dirname "$1")"
    mkdir "$1"
    chmod 0755 "$1"
    made_dirs="$made_dirs $1"
}

# The pkg-config file: the prefix without DESTDIR (where it will live).
# Outside the system's library directories, programs built with it carry an
# rpath to it, so they run without LD_LIBRARY_PATH.
write_pc() { # out
    libdir=$prefix/lib
    case "$libdir" in
        /usr/lib|/lib|//lib) rpath= ;;
        *) rpath=" -Wl,-rpath,\${libdir}" ;;
    esac
    sed -e "s|@PREFIX@|$prefix|g" -e "s|@VERSION@|$version|g" -e "s|@RPATH@|$rpath|g" \
        scripts/memwatch.pc.in >"$1"
}

do_install() {
    for f in build/libmemwatch.so build/memwatch; do
        [ -f "$f" ] || { echo "install.sh: $f is missing: run make first" >&2; exit 1; }
    done
    # Directories an earlier install made stay recorded on a reinstall.
    old_dirs=""
    [ -f "$manifest" ] && old_dirs=$(sed -n 's/^dir //p' "$manifest")
    # Not in a pipeline: make_dir must run in this shell to record what it made.
    for dest in $(echo "$files" | cut -d: -f1); do
        make_dir "$(dirname "$root/$dest")"
    done
    echo "$files" | while IFS=: read -r dest src mode; do
        target=$root/$dest
        tmp=$target.tmp.$$
        if [ "$src" = - ]; then write_pc "$tmp"; else cp "$src" "$tmp"; fi
        chmod "$mode" "$tmp"
        mv -f "$tmp" "$target"
        echo "  INSTALL $target"
    done
    {
        echo "# memwatch $version installed in $prefix; read by scripts/install.sh uninstall"
        echo "$files" | cut -d: -f1 | sed 's/^/file /'
        echo "file $manifest_rel"
        for d in $old_dirs; do echo "dir $d"; done
        for d in $made_dirs; do
            if [ "$d" = "$root" ]; then echo "dir ."; else echo "dir ${d#"$root"/}"; fi
        done
    } >"$manifest.tmp.$$"
    mv -f "$manifest.tmp.$$" "$manifest"
    chmod 0644 "$manifest"
    # /usr/local/lib is known to the loader only through its cache.
    case "$prefix" in /usr|/usr/local)
        if [ -z "$destdir" ] && [ "$(id -u)" = 0 ] && command -v ldconfig >/dev/null 2>&1; then
            ldconfig 2>/dev/null || true
        fi ;;
    esac
}

do_uninstall() {
    dirs=""
    if [ -f "$manifest" ]; then
        dirs=$(sed -n 's/^dir //p' "$manifest")
    fi
    for dest in $(echo "$files" | cut -d: -f1) "$manifest_rel"; do
        if [ -e "$root/$dest" ] || [ -L "$root/$dest" ]; then
            rm -f "$root/$dest"
            echo "  REMOVE  $root/$dest"
        fi
    done
    # Deepest first: the manifest lists parents before children.
    for d in $(echo "$dirs" | awk 'NF { l[n++] = $0 } END { while (n > 0) print l[--n] }'); do
        if [ "$d" = . ]; then rmdir "$root" 2>/dev/null || true; else rmdir "$root/$d" 2>/dev/null || true; fi
    done
    # Our own share directory goes even without a manifest, once empty.
    rmdir "$root/share/memwatch" 2>/dev/null || true
}

"do_$action"
