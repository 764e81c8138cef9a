#!/bin/sh
# tests/install/installed_tree.sh — the installed tree stands on its own:
# `meson install --destdir`, then the INSTALLED binary, run with no FILE, must
# find the INSTALLED demo (<prefix>/share/embodied/demo.h5, not the source
# tree's) and compute its accounts; the datasets are installed under
# share/embodied; the installed Python package imports from the DESTDIR's
# site-packages (skipped while src/python/embodied is a placeholder); the C
# example builds with pkg-config (tests/install/install_example.sh, reused);
# man pages exist for embodied and every subcommand `embodied --help` lists,
# carry every long option of that subcommand's --help and render with man -l;
# the bash completion is installed and completes subcommands and options.
# Usage: installed_tree.sh BUILD_DIR SOURCE_ROOT CC B_SANITIZE
set -eu
BUILD=$1 SRC=$2 CC=$3 SAN=$4
D=$(mktemp -d "${TMPDIR:-/tmp}/embodied-tree-XXXXXX")
trap 'rm -rf "$D"' EXIT
fail() { echo "not ok $*"; exit 1; }
echo "1..7"

meson install -C "$BUILD" --destdir "$D/root" --no-rebuild --quiet >"$D/install.log" 2>&1 ||
    fail "1 - meson install --destdir: $(tail -5 "$D/install.log")"
exe=$(find "$D/root" -path '*/bin/embodied' -type f | head -1)
[ -n "$exe" ] || fail "1 - no bin/embodied installed"
prefix=$(dirname "$(dirname "$exe")")
share=$(find "$prefix" -type d -path '*/embodied' -name embodied ! -path '*/include/*' \
            -exec test -f '{}/demo.h5' ';' -print | head -1)
[ -n "$share" ] || fail "1 - no <datadir>/embodied/demo.h5 installed under $prefix"
for f in demo.h5 characterization/ipcc_ar6_gwp100.csv cbam/wiod2013.csv csv-example/manifest.json; do
    [ -f "$share/$f" ] || fail "1 - dataset $f not installed in $share"
done
echo "ok 1 - installed: ${exe#"$D/root"}, datasets in ${share#"$D/root"}"

# The installed binary with no FILE: the installed demo, named on stderr.  The
# source tree's copy is hidden (env cleared of EMBODIED_DEMO) and the
# installed one must be the one used.
lib=$(dirname "$(find "$prefix" -name 'libembodied.so.0' | head -1)")
env -u EMBODIED_DEMO LD_LIBRARY_PATH="$lib" "$exe" accounts -q --csv "$D/csv" 2>"$D/run.err" ||
    fail "2 - installed embodied accounts (no FILE) failed: $(cat "$D/run.err")"
grep -q "using the illustrative demo table $share/demo.h5" "$D/run.err" ||
    fail "2 - the installed binary did not use the installed demo: $(cat "$D/run.err")"
echo "ok 2 - installed embodied accounts with no FILE used ${share#"$D/root"}/demo.h5"

# Its accounts equal the build tree's on the source demo (same bytes in).
"$BUILD/embodied" accounts "$SRC/datasets/demo.h5" -q --csv "$D/ref" 2>"$D/ref.err" ||
    fail "3 - build-tree embodied accounts failed: $(cat "$D/ref.err")"
cmp -s "$D/csv/accounts.csv" "$D/ref/accounts.csv" ||
    fail "3 - installed accounts.csv differs from the build tree's on the source demo"
cmp -s "$share/demo.h5" "$SRC/datasets/demo.h5" || fail "3 - the installed demo.h5 differs from the source"
echo "ok 3 - installed accounts.csv equals the build tree's ($(($(wc -l <"$D/ref/accounts.csv") - 1)) rows)"

# The Python package, imported from the DESTDIR's site-packages.
if [ -f "$SRC/src/python/embodied/PLACEHOLDER" ] || [ ! -f "$SRC/src/python/embodied/__init__.py" ]; then
    echo "ok 4 # SKIP the Python package src/python/embodied is still a placeholder"
elif [ -n "$SAN" ] && [ "$SAN" != none ]; then
    # python3 cannot dlopen a library built with sanitizers (their runtime must
    # be loaded first): the release build's run of this test imports it.
    echo "ok 4 # SKIP sanitizer build ($SAN): python3 cannot load an instrumented libembodied"
elif ! py=$(for p in python3 /usr/bin/python3; do
               "$p" -c 'import cffi, numpy, pandas' 2>/dev/null && { echo "$p"; break; }
           done) || [ -z "$py" ]; then
    echo "ok 4 # SKIP no python3 with cffi, numpy and pandas (scripts/setup.sh installs them)"
else
    init=$(find "$prefix" -path '*/embodied/__init__.py' | head -1)
    [ -n "$init" ] || fail "4 - embodied/__init__.py not installed"
    site=$(dirname "$(dirname "$init")")
    (cd "$D" && PYTHONPATH="$site" EMBODIED_LIBRARY="$lib/libembodied.so.0" \
        "$py" -c 'import embodied, sys; sys.exit(0 if embodied.__file__.startswith(sys.argv[1]) else 1)' "$site") \
        >"$D/py.log" 2>&1 || fail "4 - import embodied from $site failed: $(tail -5 "$D/py.log")"
    echo "ok 4 - import embodied from ${site#"$D/root"}"
fi

# Man pages: one per subcommand listed by --help, each carrying that
# subcommand's long options (generated from --help, so they cannot drift).
man1=$(find "$prefix" -type d -path '*/man/man1' | head -1)
[ -n "$man1" ] && [ -f "$man1/embodied.1" ] || fail "5 - no man1/embodied.1 installed"
subs=$("$BUILD/embodied" --help | awk '/^Commands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^[^ ]/ {on=0}')
[ -n "$subs" ] || fail "5 - no subcommands parsed from embodied --help"
n=0
for s in $subs; do
    page="$man1/embodied-$s.1"
    [ -f "$page" ] || fail "5 - no man page embodied-$s.1 for the subcommand $s (meson.build embodied_subcommands)"
    for o in $("$BUILD/embodied" "$s" --help 2>&1 | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
        grep -qF -- "$o" "$page" || fail "5 - embodied-$s.1 lacks $o from embodied $s --help"
    done
    if command -v man >/dev/null 2>&1; then
        MANWIDTH=100 man -l "$page" >"$D/man.txt" 2>"$D/man.err" && grep -q "embodied" "$D/man.txt" ||
            fail "5 - man -l embodied-$s.1 did not render: $(head -3 "$D/man.err")"
    fi
    n=$((n + 1))
done
command -v man >/dev/null 2>&1 && r="rendered by man -l" || r="man not installed: not rendered"
echo "ok 5 - man pages: embodied.1 and $n subcommand pages with their --help options ($r)"

# Bash completion: installed, parses, completes a subcommand and an option.
comp=$(find "$prefix" -path '*/bash-completion/completions/embodied' | head -1)
[ -n "$comp" ] || fail "6 - no bash-completion/completions/embodied installed"
if command -v bash >/dev/null 2>&1; then
    out=$(bash -c '. "$1"; exe=$2
        COMP_WORDS=("$exe" acc); COMP_CWORD=1; _embodied; echo "${COMPREPLY[*]}"
        COMP_WORDS=("$exe" accounts --cs); COMP_CWORD=2; _embodied; echo "${COMPREPLY[*]}"' \
        sh "$comp" "$BUILD/embodied" 2>&1) || fail "6 - the completion script failed: $out"
    [ "$(echo "$out" | sed -n 1p)" = accounts ] && [ "$(echo "$out" | sed -n 2p)" = --csv ] ||
        fail "6 - completion: expected 'accounts' and '--csv', got: $out"
    echo "ok 6 - bash completion installed; completes 'acc' -> accounts, 'accounts --cs' -> --csv"
else
    echo "ok 6 # SKIP bash not installed (completion installed at ${comp#"$D/root"})"
fi

# The C example with pkg-config against the installed tree (its own DESTDIR).
sh "$SRC/tests/install/install_example.sh" "$BUILD" "$SRC" "$CC" "$SAN" >"$D/example.log" 2>&1 ||
    fail "7 - install_example.sh: $(grep 'not ok' "$D/example.log" | head -3)"
echo "ok 7 - the C example builds with pkg-config and matches the CLI (install_example.sh)"


