#!/bin/sh
# scripts/test.sh — quick-start command 2: install what is missing, build, and
# run the whole test suite (meson test) twice: on the release build, and on a
# second build with AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/,
# CK_FORK=no so that LeakSanitizer sees the test process itself).  Tests that
# read ../shared/testdata skip where it is absent, except under CI=true, where
# that is a failure.  Set EMB_SKIP_SANITIZERS=1 to run only the release build.
set -eu
. "$(dirname -- "$0")/setup.sh"
emb_install_packages
emb_build
meson test -C "$EMB_BUILD_DIR" --print-errorlogs "$@"

if [ "${EMB_SKIP_SANITIZERS:-0}" != 1 ]; then
    ASAN_DIR=${EMB_ASAN_BUILD_DIR:-$EMB_ROOT/build-asan}
    if [ ! -f "$ASAN_DIR/build.ninja" ]; then
        meson setup "$ASAN_DIR" "$EMB_ROOT" --buildtype=debugoptimized \
            -Db_sanitize=address,undefined -Db_lundef=false >&2
    fi
    ninja -C "$ASAN_DIR" >&2
    # halt_on_error: any UBSan report fails the test; the timeout multiplier
    # allows for the sanitizers' slowdown.
    CK_FORK=no \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
        meson test -C "$ASAN_DIR" --print-errorlogs --timeout-multiplier 4 "$@"
fi
