#!/bin/sh
# scripts/soak.sh — the load test: 500 accounts computations on random
# generated tables in one process, under the ASan+UBSan build, checking every
# result's identities and that heap in use stays flat (tests/soak.c).
# Not part of ./scripts/test.sh (it takes minutes).
#
# Usage: scripts/soak.sh [ITERATIONS] [SEED]     (default 500, fixed seed)
set -eu
. "$(dirname -- "$0")/setup.sh"
emb_install_packages
cd "$EMB_ROOT"
if [ ! -d build-asan ]; then
    meson setup build-asan -Db_sanitize=address,undefined -Dbuildtype=debug
fi
ninja -C build-asan tests/soak
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
exec build-asan/tests/soak "${1:-500}" ${2:+"$2"}
