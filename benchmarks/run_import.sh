#!/bin/sh
# benchmarks/run_import.sh — run bench_import at EXIOBASE size (49 regions x
# 200 sectors, A.txt ~ 1 GB of text) and write benchmarks/results/import.csv.
#
# Usage: benchmarks/run_import.sh [BENCH_IMPORT | BUILD_DIR]   (default: build/)
# Environment: REPEAT (default 3), SIZES (default "49x200"), TMPDIR (where the
# ~1.2 GB of text and the ~0.8 GB HDF5 file go; removed afterwards),
# BENCH_ARGS (extra options, e.g. --no-x).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
arg=${1:-$here/../build}
if [ -d "$arg" ]; then bench=$arg/benchmarks/bench_import; else bench=$arg; fi
[ -x "$bench" ] || { echo "run_import.sh: $bench not found; build first (ninja -C build)" >&2; exit 2; }

repeat=${REPEAT:-3}
sizes=${SIZES:-"49x200"}

mkdir -p "$here/results"
out=$here/results/import.csv
tmp=$out.tmp.$$
trap 'rm -f "$tmp"' EXIT
for s in $sizes; do
    # shellcheck disable=SC2086
    "$bench" --regions "${s%x*}" --sectors "${s#*x}" --repeat "$repeat" --csv "$tmp" ${BENCH_ARGS:-}
    echo
done
mv "$tmp" "$out"
echo "run_import.sh: wrote $out"
