#!/bin/sh
# scripts/test.sh — quick-start command 2: install what is missing, build, and
# run the whole test suite (meson test).  Tests that read ../shared/testdata
# skip where it is absent, except under CI=true, where that is a failure.
set -eu
. "$(dirname -- "$0")/setup.sh"
emb_install_packages
emb_build
meson test -C "$EMB_BUILD_DIR" --print-errorlogs "$@"
