#!/bin/sh
# scripts/setup.sh — shared set-up of demo.sh and test.sh: install the Debian 12
# packages the build needs (only those missing; needs root or sudo), then
# configure and build with meson into build/ (or $EMB_BUILD_DIR).
# Two uses:
#   ./scripts/setup.sh    run as a command: installs the missing packages,
#                         builds, and says what it did;
#   . scripts/setup.sh    sourced by demo.sh, test.sh, fuzz.sh, soak.sh: only
#                         defines EMB_ROOT, EMB_BUILD_DIR and the emb_*
#                         functions, which the caller runs.
# Run or sourced is told apart by $0: a sourced script sees its caller's name.
set -eu

EMB_ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
EMB_BUILD_DIR=${EMB_BUILD_DIR:-$EMB_ROOT/build}

# Packages: compiler and build system, BLAS/LAPACK (OpenBLAS + LAPACKE), HDF5,
# libzip (zipped EXIOBASE/pymrio downloads), Check (tests).
EMB_PACKAGES="gcc libc6-dev pkg-config meson ninja-build libopenblas-dev liblapacke-dev libhdf5-dev libzip-dev check python3-cffi python3-numpy python3-pandas python3-xarray python3-pytest python3-h5py"
EMB_PACKAGES="$EMB_PACKAGES chromium" # headless browser of the report test (tests/report_browser.py)
EMB_PACKAGES="$EMB_PACKAGES python3-netcdf4 python3-h5netcdf netcdf-bin r-cran-ncdf4" # results.h5 read as netCDF-4 (tests/python/test_results_netcdf.py, results_ncdf4.R)
EMB_PACKAGES="$EMB_PACKAGES libopenmpi-dev openmpi-bin libscalapack-openmpi-dev" # MPI + ScaLAPACK backend

emb_missing_packages() {
    missing=""
    for p in $EMB_PACKAGES ${EMB_EXTRA_PACKAGES:-}; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
    done
    echo "$missing"
}

emb_install_packages() {
    missing=$(emb_missing_packages)
    EMB_INSTALLED=$missing
    [ -z "$missing" ] && return 0
    echo "setup: installing Debian packages:$missing" >&2
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "setup: need root (or sudo) to install:$missing" >&2; exit 1; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq --no-install-recommends $missing >&2
}

emb_build() {
    if [ ! -f "$EMB_BUILD_DIR/build.ninja" ]; then
        meson setup "$EMB_BUILD_DIR" "$EMB_ROOT" --buildtype=release >&2
    fi
    ninja -C "$EMB_BUILD_DIR" >&2
}

if [ "$(basename -- "$0")" = setup.sh ]; then
    emb_install_packages
    emb_build
    if [ -n "$EMB_INSTALLED" ]; then
        echo "setup: installed Debian packages:$EMB_INSTALLED" >&2
    else
        echo "setup: all Debian packages needed were already installed" >&2
    fi
    echo "setup: built embodied in $EMB_BUILD_DIR (binary: $EMB_BUILD_DIR/embodied)" >&2
fi
