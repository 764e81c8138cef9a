#!/bin/sh
# benchmarks/run.sh — run bench_accounts at the acceptance sizes, N = 1960
# (49 x 40) and N = 4900 (49 x 100), and write benchmarks/results/latest.csv.
#
# Usage: benchmarks/run.sh [BENCH_ACCOUNTS | BUILD_DIR]   (default: build/)
# Environment: OPENBLAS_NUM_THREADS (default: all online CPUs, fixed so that
# runs compare), REPEAT (default 3), SIZES (default "49x40 49x100").
set -eu
here=$(cd "$(dirname "$0")" && pwd)
arg=${1:-$here/../build}
if [ -d "$arg" ]; then bench=$arg/benchmarks/bench_accounts; else bench=$arg; fi
[ -x "$bench" ] || { echo "run.sh: $bench not found; build first (ninja -C build)" >&2; exit 2; }

: "${OPENBLAS_NUM_THREADS:=$(getconf _NPROCESSORS_ONLN)}"
export OPENBLAS_NUM_THREADS
repeat=${REPEAT:-3}
sizes=${SIZES:-"49x40 49x100"}

mkdir -p "$here/results"
out=$here/results/latest.csv
tmp=$out.tmp.$$
trap 'rm -f "$tmp"' EXIT
for s in $sizes; do
    "$bench" --regions "${s%x*}" --sectors "${s#*x}" --repeat "$repeat" --csv "$tmp"
    echo
done
mv "$tmp" "$out"
echo "run.sh: wrote $out"
