#!/bin/sh
# scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...] — run the libFuzzer
# harnesses of tests/fuzz (README "Fuzzing"): installs clang if missing,
# configures and builds build-fuzz/ (clang, -Dfuzz=true: the library
# instrumented for coverage, ASan and UBSan), then runs each target (default:
# all) for SECONDS_PER_TARGET (default 300) from its seed corpus, one process
# at a time, restarting libFuzzer within the budget after each finding.
# Prints per target the executions and the new crash, leak, timeout and
# out-of-memory inputs, with their paths; exits 1 if any was produced.
#
# The corpus grows in build-fuzz/fuzz-work/<target>/corpus across runs
# (seeds copied in), artifacts stay in build-fuzz/fuzz-work/<target>/artifacts/,
# and each run appends "date target seconds executions findings" to
# build-fuzz/fuzz-work/history.tsv.  EMB_FUZZ_REPORT_ONLY="TARGET..." lists
# those targets' findings without failing: CI sets it to h5 while libhdf5's
# own crashes, leaks and blow-ups on hostile files (tests/fuzz/known/) are not
# guarded against, which is all the h5 fuzzer has found.
#
# A crash found: minimise it (build-fuzz/tests/fuzz/fuzz_<target>
# -minimize_crash=1 -runs=20000 -exact_artifact_path=OUT INPUT), fix the bug,
# and commit OUT to tests/fuzz/regressions/<target>/ (meson test replays it).
set -eu
. "$(dirname -- "$0")/setup.sh"
EMB_EXTRA_PACKAGES="${EMB_EXTRA_PACKAGES:-} clang"
emb_install_packages

ALL_TARGETS="pymrio eora26 gloria icio csv h5 json numparse tsv"
BUDGET=300
if [ $# -gt 0 ]; then
    BUDGET=$1
    shift
fi
case $BUDGET in
    ''|*[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...] (targets: $ALL_TARGETS)" >&2
                 exit 2 ;;
esac
TARGETS=${*:-$ALL_TARGETS}
for t in $TARGETS; do
    case " $ALL_TARGETS " in
        *" $t "*) ;;
        *) echo "fuzz.sh: unknown target '$t' (targets: $ALL_TARGETS)" >&2; exit 2 ;;
    esac
done

FUZZ_BUILD=${EMB_FUZZ_BUILD_DIR:-$EMB_ROOT/build-fuzz}
if [ ! -f "$FUZZ_BUILD/build.ninja" ]; then
    CC=clang meson setup "$FUZZ_BUILD" "$EMB_ROOT" -Dfuzz=true --buildtype=debugoptimized \
        -Db_lundef=false >&2
fi
# Only the harnesses: the rest of the tree is not needed here.
# shellcheck disable=SC2046
ninja -C "$FUZZ_BUILD" $(for t in $TARGETS; do echo "tests/fuzz/fuzz_$t"; done) >&2

# Inputs larger than the seeds need no more than a few KB of headroom; a
# longer input mostly costs time.  The container targets' seeds are 1-12 KB.
max_len() {
    case $1 in
        numparse) echo 128 ;;
        json|tsv|csv) echo 4096 ;;
        icio) echo 8192 ;;
        pymrio|eora26) echo 16384 ;;
        gloria|h5) echo 32768 ;;
    esac
}

WORK=$FUZZ_BUILD/fuzz-work
mkdir -p "$WORK"
# One BLAS thread: the harnesses' tables are tiny, and 2 cores are shared.
export OPENBLAS_NUM_THREADS=1
# UBSan reports are crashes.  A smaller ASan quarantine than the default
# 256 MiB (still thousands of inputs' worth of freed blocks) makes the
# importers' many small files about 20 % faster.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}abort_on_error=1:detect_leaks=1:quarantine_size_mb=64
# The harnesses write each input's files into a scratch folder: tmpfs is
# faster than the disk.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
    export TMPDIR=/dev/shm
fi

status=0
total_new=0
for t in $TARGETS; do
    dir=$WORK/$t
    mkdir -p "$dir/corpus" "$dir/artifacts"
    cp -f "$EMB_ROOT/tests/fuzz/seeds/$t/"* "$dir/corpus/"
    before=$(ls "$dir/artifacts" | sort)
    # The container targets' seeds are whole tables of several KB: start
    # mutating at full length (libFuzzer's default grows the length limit
    # slowly from small inputs) and give the markers and names a dictionary.
    extra=""
    case $t in
        pymrio|eora26|gloria|icio|csv)
            extra="-len_control=0 -dict=$EMB_ROOT/tests/fuzz/container.dict" ;;
        h5) extra="-len_control=0" ;;
    esac
    # libFuzzer stops at the first crash, leak, timeout or out-of-memory
    # input: restart it for what is left of the budget (one process at a
    # time), so that one finding does not end the run, summing executions.
    start=$(date +%s)
    execs=0
    runs=0
    rcs=""
    : >"$dir/last.log"
    while :; do
        left=$((BUDGET - ($(date +%s) - start)))
        [ "$left" -gt 0 ] && [ "$runs" -lt 25 ] || break
        runs=$((runs + 1))
        rc=0
        # shellcheck disable=SC2086
        "$FUZZ_BUILD/tests/fuzz/fuzz_$t" -max_total_time="$left" -max_len="$(max_len "$t")" \
            -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=25 -print_final_stats=1 $extra \
            -artifact_prefix="$dir/artifacts/" "$dir/corpus" >"$dir/run.log" 2>&1 || rc=$?
        cat "$dir/run.log" >>"$dir/last.log"
        n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/run.log" | tail -n 1)
        [ -n "$n" ] || n=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$dir/run.log" | tail -n 1)
        execs=$((execs + ${n:-0}))
        [ "$rc" = 0 ] && break
        rcs="$rcs $rc"
    done
    rm -f "$dir/run.log"
    secs=$(($(date +%s) - start))
    # Artifacts that were not there before this run.
    new=$(ls "$dir/artifacts" | sort | while read -r f; do
        printf '%s\n' "$before" | grep -qxF "$f" || echo "$f"; done)
    n_new=$(printf '%s' "$new" | grep -c . || true)
    printf 'fuzz.sh: %-9s %10s executions in %4ss, %s new crash/leak/timeout/oom input%s%s\n' \
        "$t" "$execs" "$secs" "$n_new" "$( [ "$n_new" = 1 ] || echo s)" \
        "$( [ -z "$rcs" ] || echo " (libFuzzer exits:$rcs; log: $dir/last.log)")"
    printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$t" "$secs" "$execs" \
        "$n_new" >>"$WORK/history.tsv"
    fatal=0
    for f in $new; do
        case " ${EMB_FUZZ_REPORT_ONLY:-} " in
            *" $t "*) echo "fuzz.sh:   $dir/artifacts/$f (reported only: EMB_FUZZ_REPORT_ONLY)" >&2 ;;
            *)        echo "fuzz.sh:   $dir/artifacts/$f" >&2
                      fatal=$((fatal + 1)) ;;
        esac
    done
    if [ "$fatal" -gt 0 ]; then
        status=1
        total_new=$((total_new + fatal))
    elif [ -n "$rcs" ] && [ "$n_new" = 0 ]; then
        echo "fuzz.sh:   libFuzzer failed without writing an input (see the log)" >&2
        case " ${EMB_FUZZ_REPORT_ONLY:-} " in
            *" $t "*) ;;
            *) status=1 ;;
        esac
    fi
done
if [ "$status" != 0 ]; then
    echo "fuzz.sh: FAILED: $total_new new input(s) that crash, leak, hang or exhaust memory" \
         "(see above)" >&2
fi
exit "$status"
