#!/bin/sh
# tests/scripts/setup_script.sh — scripts/setup.sh run as a command installs
# the missing Debian packages and builds; sourced, it only defines its
# functions.  Nothing is installed or built: dpkg-query, apt-get, id, sudo,
# meson and ninja are fakes on PATH that record their calls.
# Usage: setup_script.sh SOURCE_ROOT (meson test passes it).
set -eu
SRC=${1:?usage: setup_script.sh SOURCE_ROOT}
T=$(mktemp -d "${TMPDIR:-/tmp}/embodied-setup-test-XXXXXX")
trap 'rm -rf "$T"' EXIT
mkdir "$T/bin" "$T/cwd"
LOG="$T/calls.log"
: >"$LOG"

# dpkg-query -W -f='${Status}' PKG: "check" is missing, everything else installed.
cat >"$T/bin/dpkg-query" <<'FAKE'
#!/bin/sh
for last; do :; done
echo "dpkg-query $last" >>"$FAKE_LOG"
if [ "$last" = check ]; then echo "unknown ok not-installed"; exit 1; fi
printf 'install ok installed'
FAKE
for tool in apt-get sudo meson ninja; do
    cat >"$T/bin/$tool" <<FAKE
#!/bin/sh
echo "$tool \$*" >>"\$FAKE_LOG"
FAKE
done
# meson setup DIR ...: leave the build.ninja that setup.sh looks for.
cat >>"$T/bin/meson" <<'FAKE'
if [ "$1" = setup ]; then mkdir -p "$2" && : >"$2/build.ninja"; fi
FAKE
# Root, so that setup.sh calls apt-get directly (no sudo).
printf '#!/bin/sh\necho 0\n' >"$T/bin/id"
chmod +x "$T/bin/"*

fail() { echo "not ok - $*"; echo "# calls:"; sed 's/^/#   /' "$LOG"; exit 1; }
echo "1..2"

# 1. Run as a command.
PATH="$T/bin:$PATH" FAKE_LOG="$LOG" EMB_BUILD_DIR="$T/build" \
    "$SRC/scripts/setup.sh" 2>"$T/stderr" || fail "setup.sh exited $?: $(cat "$T/stderr")"
grep -q '^apt-get install .* check$' "$LOG" || fail "run as a command: apt-get install check not called"
if grep -q '^apt-get install .*gcc' "$LOG"; then fail "an installed package was installed again"; fi
grep -q "^meson setup $T/build $SRC" "$LOG" || fail "run as a command: meson setup not called"
grep -q "^ninja -C $T/build" "$LOG" || fail "run as a command: ninja not called"
grep -q 'setup: installed Debian packages: check' "$T/stderr" || fail "does not say what it installed: $(cat "$T/stderr")"
grep -q "setup: built embodied in $T/build" "$T/stderr" || fail "does not say what it built: $(cat "$T/stderr")"
echo "ok 1 - run as a command: installs the missing package (check) and builds"

# 2. Sourced (as demo.sh and test.sh do): defines, installs nothing.
: >"$LOG"
out=$(cd "$T/cwd" && PATH="$T/bin:$PATH" FAKE_LOG="$LOG" EMB_BUILD_DIR="$T/build2" \
    sh -c '. "$1"; command -v emb_install_packages >/dev/null && command -v emb_build >/dev/null && echo "dir=$EMB_BUILD_DIR"' \
    sh "$SRC/scripts/setup.sh") || fail "sourcing setup.sh failed"
[ "$out" = "dir=$T/build2" ] || fail "sourced: got '$out'"
if grep -q '^apt-get\|^meson\|^ninja' "$LOG"; then fail "sourced: installed or built something"; fi
echo "ok 2 - sourced: defines the functions, installs and builds nothing"
