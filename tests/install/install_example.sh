#!/bin/sh
# tests/install/install_example.sh — `meson install` into a DESTDIR, then the
# README's "Use it from C" example (tests/install/example.c) compiled with
# `cc $(pkg-config --cflags --libs embodied)` against the installed headers
# and SHARED library, run, and its PBA/CBA for every region of the demo table
# compared with the CLI's accounts.csv (1e-12 relative).
# Usage: install_example.sh BUILD_DIR SOURCE_ROOT CC B_SANITIZE
set -eu
BUILD=$1 SRC=$2 CC=$3 SAN=$4
D=$(mktemp -d "${TMPDIR:-/tmp}/embodied-install-XXXXXX")
trap 'rm -rf "$D"' EXIT
fail() { echo "not ok $*"; exit 1; }
echo "1..4"

meson install -C "$BUILD" --destdir "$D/root" --no-rebuild --quiet >"$D/install.log" 2>&1 ||
    fail "1 - meson install --destdir: $(tail -5 "$D/install.log")"
pc=$(find "$D/root" -name embodied.pc | head -1)
[ -n "$pc" ] || fail "1 - no embodied.pc installed"
so=$(find "$D/root" -name 'libembodied.so.0' | head -1)
[ -n "$so" ] || fail "1 - no libembodied.so.0 installed"
[ -n "$(find "$D/root" -path '*/include/embodied/api.h')" ] || fail "1 - embodied/api.h not installed"
echo "ok 1 - meson install: $(echo "$pc" | sed "s|^$D/root||"), libembodied.so.0, headers"

export PKG_CONFIG_PATH="$(dirname "$pc")" PKG_CONFIG_SYSROOT_DIR="$D/root"
flags=$(pkg-config --cflags --libs embodied) || fail "2 - pkg-config --cflags --libs embodied failed"
# A sanitizer build's library needs the sanitizer runtime in the program too.
sanflags=""
[ "$SAN" = none ] || sanflags="-fsanitize=$SAN"
# shellcheck disable=SC2086
$CC -std=c17 -Wall -Wextra -Werror $sanflags "$SRC/tests/install/example.c" -o "$D/example" $flags \
    2>"$D/cc.log" || fail "2 - cc example.c \$(pkg-config ...) failed: $(cat "$D/cc.log")"
readelf -d "$D/example" | grep -q 'NEEDED.*\[libembodied\.so\.0\]' ||
    fail "2 - the example is not linked against the shared libembodied.so.0"
echo "ok 2 - cc example.c $flags: linked against libembodied.so.0"

"$BUILD/embodied" accounts "$SRC/datasets/demo.h5" -q --csv "$D/csv" 2>"$D/cli.log" ||
    fail "3 - the CLI failed: $(cat "$D/cli.log")"
regions=$(awk -F, 'NR > 1 { print $3 }' "$D/csv/accounts.csv")
[ -n "$regions" ] || fail "3 - no regions in the CLI's accounts.csv"
for r in $regions; do
    LD_LIBRARY_PATH="$(dirname "$so")" "$D/example" "$SRC/datasets/demo.h5" "$r" >>"$D/example.csv" \
        2>"$D/example.err" || fail "3 - example $r: $(cat "$D/example.err")"
done
echo "ok 3 - the example ran (LD_LIBRARY_PATH into the DESTDIR) for $(echo $regions | wc -w) regions"

# example: stressor,region,pba,cba;  CLI: stressor,unit,region,pba,cba,...
awk -F, 'function bad(a, b) { d = a - b; if (d < 0) d = -d; m = a < 0 ? -a : a; if (b > m) m = b; if (-b > m) m = -b;
                               return d > 1e-12 * m + 1e-300 }
         NR == FNR { if (FNR > 1) { pba[$1 "," $3] = $4; cba[$1 "," $3] = $5 } next }
         { key = $1 "," $2; n++
           if (!(key in pba)) { print "not ok 4 - " key ": not in the CLI output"; err = 1; exit }
           if (bad($3, pba[key]) || bad($4, cba[key])) {
               print "not ok 4 - " key ": example PBA " $3 " CBA " $4 ", CLI PBA " pba[key] " CBA " cba[key]; err = 1; exit } }
         END { if (err) exit 1; if (n == 0) { print "not ok 4 - the example printed nothing"; exit 1 }
               print "ok 4 - PBA and CBA of " n " region(s) x stressor(s) match the CLI (1e-12)" }' \
    "$D/csv/accounts.csv" "$D/example.csv"
