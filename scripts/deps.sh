#!/bin/sh
# Checks the build dependencies (Debian's libzydis-dev, libzycore-dev, uthash-dev,
# libxxhash-dev (header-only use: the capture hash), libjansson-dev (the tool)).
# Installs the missing ones when run as root; otherwise stops with the exact line to run.
set -u
missing=""
[ -f /usr/include/Zydis/Zydis.h ] || missing="$missing libzydis-dev"
[ -f /usr/include/Zycore/Zycore.h ] || missing="$missing libzycore-dev"
[ -f /usr/include/uthash.h ] || missing="$missing uthash-dev"
[ -f /usr/include/xxhash.h ] || missing="$missing libxxhash-dev"
[ -f /usr/include/jansson.h ] || missing="$missing libjansson-dev"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "deps: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y $missing >/dev/null 2>&1 ||
        { apt-get update >/dev/null 2>&1 && apt-get install -y $missing >/dev/null; } ||
        { echo "deps: apt-get install failed; run: apt-get install -y$missing" >&2; exit 1; }
    exit 0
fi
echo "libmemwatch needs$missing; run as root:" >&2
echo "  apt-get install -y$missing" >&2
exit 1
