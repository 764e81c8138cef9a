#!/bin/sh
# scripts/test.sh — quick-start command 2: install what is missing, build, and
# run the whole test suite (meson test) twice: on the release build, and on a
# second build with AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/,
# CK_FORK=no so that LeakSanitizer sees the test process itself; any UBSan
# report is fatal), then valgrind memcheck on the CLI running the demo.  Tests
# that read ../shared/testdata skip where it is absent, except under CI=true,
# where that is a failure.  Set EMB_SKIP_SANITIZERS=1 to run only the release
# build.  Under CI=true it then fuzzes every harness for about 20 s
# (scripts/fuzz.sh 20: 9 targets, 3-4 minutes with the clang build) unless
# EMB_SKIP_FUZZ=1.
set -eu
. "$(dirname -- "$0")/setup.sh"
EMB_EXTRA_PACKAGES="${EMB_EXTRA_PACKAGES:-} valgrind"
emb_install_packages
emb_build
meson test -C "$EMB_BUILD_DIR" --print-errorlogs "$@"

if [ "${EMB_SKIP_SANITIZERS:-0}" != 1 ]; then
    ASAN_DIR=${EMB_ASAN_BUILD_DIR:-$EMB_ROOT/build-asan}
    if [ ! -f "$ASAN_DIR/build.ninja" ]; then
        meson setup "$ASAN_DIR" "$EMB_ROOT" --buildtype=debugoptimized \
            -Db_sanitize=address,undefined -Db_lundef=false >&2
    fi
    # Without -fno-sanitize-recover, UBSan prints a report and carries on:
    # make it fail.  GCC leaves float-cast-overflow out of "undefined" (clang,
    # which the fuzzers use, does not): converting an out-of-range double to
    # an integer is undefined behaviour the fuzzers found (a manifest's
    # "year": 2e20), and their regression inputs need it to be caught here.
    meson configure "$ASAN_DIR" \
        "-Dc_args=['-fno-sanitize-recover=all', '-fsanitize=float-cast-overflow']" >&2
    ninja -C "$ASAN_DIR" >&2
    # halt_on_error: any UBSan report fails the test; the timeout multiplier
    # allows for the sanitizers' slowdown.
    CK_FORK=no \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
        meson test -C "$ASAN_DIR" --print-errorlogs --timeout-multiplier 4 "$@"

    # valgrind memcheck on the CLI: the demo's accounts (HDF5 + CSV), flows and
    # info; any error or definite leak fails.  (HDF5's exit handler is off in
    # the CLI, so its caches show as "still reachable", which is not an error.)
    VG="valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect"
    VG_OUT=$(mktemp -d)
    trap 'rm -rf "$VG_OUT"' EXIT
    $VG "$EMB_BUILD_DIR/embodied" accounts -q -o "$VG_OUT/r.h5" --csv "$VG_OUT/csv" --sectors
    $VG "$EMB_BUILD_DIR/embodied" flows --from MN --to CN --from CN --to EU27 >/dev/null
    $VG "$EMB_BUILD_DIR/embodied" info >/dev/null
    echo "test.sh: valgrind memcheck clean on accounts, flows and info (demo)" >&2
fi

# Under CI: a short fuzzing run of every harness (any crash, leak or hang
# fails).  h5's findings are listed without failing for now: all it has
# found are crashes, leaks and hangs inside libhdf5 1.10 on damaged global
# heaps (tests/fuzz/known/README.md), which the HDF5 hostile-input checks
# are to guard against; set EMB_FUZZ_REPORT_ONLY= to make them fail.
if [ "${CI:-}" = true ] && [ "${EMB_SKIP_FUZZ:-0}" != 1 ]; then
    EMB_FUZZ_REPORT_ONLY=${EMB_FUZZ_REPORT_ONLY-h5} "$EMB_ROOT/scripts/fuzz.sh" 20
fi
