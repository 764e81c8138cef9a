#!/bin/sh
# benchmarks/run.sh — the solver benchmark at the sizes of the README table:
# N = 1960 (49 x 40), 4900 (49 x 100), 9800 (49 x 200), each with the
# OpenBLAS kernel as the environment sets it and, when OPENBLAS_CORETYPE is
# set, once more without it (OpenBLAS then picks the kernel for the CPU).
# Writes benchmarks/results/latest.csv and, when gnuplot is installed,
# benchmarks/results/latest.svg (scripts: benchmarks/plot.gp).
#
# Usage: benchmarks/run.sh [BENCH_ACCOUNTS | BUILD_DIR]   (default: build/)
# Environment: OPENBLAS_NUM_THREADS (default: all online CPUs, fixed so that
# runs compare), REPEAT (default 3), SIZES (default "49x40 49x100 49x200"),
# SOLVERS (default "dense,mixed"), BOTH_KERNELS (default 1), SPARSE (default 1:
# GLORIA-like CSR tables, 164 x 120 = 19,680 at ~1.4 % density, spectral radius
# 0.6, 0.8 and 0.95, sparse solver only; SPARSE_VS_DENSE=1 adds dense double
# (about a minute per factorisation here) as the reference for the differences),
# SCALAPACK (default empty; e.g. "1,2": whole CLI runs, `embodied --solver dense`
# alone and `mpirun -np P embodied --solver scalapack` for each P, rows
# dense-cli:* and scalapack-pP:*; needs the -Dmpi build and mpirun).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
arg=${1:-$here/../build}
if [ -d "$arg" ]; then bench=$arg/benchmarks/bench_accounts; else bench=$arg; fi
[ -x "$bench" ] || { echo "run.sh: $bench not found; build first (ninja -C build)" >&2; exit 2; }

: "${OPENBLAS_NUM_THREADS:=$(getconf _NPROCESSORS_ONLN)}"
export OPENBLAS_NUM_THREADS
repeat=${REPEAT:-3}
sizes=${SIZES:-"49x40 49x100 49x200"}
solvers=${SOLVERS:-dense,mixed}

mkdir -p "$here/results"
out=$here/results/latest.csv
tmp=$out.tmp.$$
trap 'rm -f "$tmp"' EXIT
for s in $sizes; do
    "$bench" --regions "${s%x*}" --sectors "${s#*x}" --repeat "$repeat" --solvers "$solvers" --csv "$tmp" \
        ${SCALAPACK:+--scalapack "$SCALAPACK"}
    echo
    if [ -n "${OPENBLAS_CORETYPE:-}" ] && [ "${BOTH_KERNELS:-1}" = 1 ]; then
        echo "# the same without the OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE pin:"
        env -u OPENBLAS_CORETYPE "$bench" --regions "${s%x*}" --sectors "${s#*x}" \
            --repeat "$repeat" --solvers "$solvers" --csv "$tmp"
        echo
    fi
done
if [ "${SPARSE:-1}" = 1 ]; then
    if [ "${SPARSE_VS_DENSE:-0}" = 1 ]; then ssolv=dense,sparse; sflags=""; else ssolv=sparse; sflags=--no-bare; fi
    for rho in 0.6 0.8 0.95; do
        echo "# GLORIA-like sparse table, spectral radius $rho:"
        "$bench" --regions 164 --sectors 120 --csr --density 0.01 --spectral-radius "$rho" \
            --repeat 1 --no-inverse $sflags --solvers "$ssolv" --csv "$tmp"
        echo
    done
fi
mv "$tmp" "$out"
echo "run.sh: wrote $out"
if command -v gnuplot >/dev/null 2>&1; then
    (cd "$here/results" && gnuplot "$here/plot.gp") && echo "run.sh: wrote $here/results/latest.svg"
else
    echo "run.sh: gnuplot not installed (apt-get install gnuplot-nox) - no plot"
fi
