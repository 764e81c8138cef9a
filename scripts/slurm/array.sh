#!/usr/bin/env bash
# scripts/slurm/array.sh — `embodied batch` as a Slurm job array: one table
# (or every P-th table) per array task, resumable through the manifest, and a
# dependent final job that completes what is missing and writes the series.
#
#   scripts/slurm/array.sh [--dry-run] [--tasks P] [--cpus C] [--mem M] [--time T]
#                          -o DIR TABLE... [-- BATCH OPTIONS]
#       submits (or, with --dry-run, prints) the two sbatch commands:
#         sbatch --array=0-(P-1) ... array.sh --task -o DIR TABLE... -- OPTIONS
#         sbatch --dependency=afterany:<array job> ... array.sh --final -o DIR TABLE... -- OPTIONS
#   array.sh --task  ...   what array task $SLURM_ARRAY_TASK_ID runs:
#         embodied batch TABLE... -o DIR --rank $SLURM_ARRAY_TASK_ID --ranks P OPTIONS
#       (tables i with i mod P = task id; manifest DIR/manifest.rank<R>-of-<P>.csv)
#   array.sh --final ...   the final pass: embodied batch TABLE... -o DIR OPTIONS, which skips
#       every table the tasks completed (same checksum and options), computes any that a task
#       did not (a failed or timed-out task), and writes DIR/manifest.csv and DIR/series.csv.
#
# Resubmitting the same command after a failure redoes only what is missing.
# EMBODIED names the binary (default: embodied on PATH).  Runs here with
# `bash scripts/slurm/array.sh --dry-run ...` (tests/test_batch.c).
set -euo pipefail

mode=submit dry=0 tasks= cpus=8 mem=32G wall=04:00:00 dir=
tables=() opts=()
while [ $# -gt 0 ]; do
    case "$1" in
    --dry-run) dry=1 ;;
    --task) mode=task ;;
    --final) mode=final ;;
    --tasks) tasks=$2; shift ;;
    --cpus) cpus=$2; shift ;;
    --mem) mem=$2; shift ;;
    --time) wall=$2; shift ;;
    -o) dir=$2; shift ;;
    --) shift; opts=("$@"); break ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "array.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    *) tables+=("$1") ;;
    esac
    shift
done
if [ -z "$dir" ] || [ ${#tables[@]} -eq 0 ]; then
    echo "array.sh: usage: array.sh [--dry-run] [--tasks P] -o DIR TABLE... [-- BATCH OPTIONS]" >&2
    exit 2
fi
n=${#tables[@]}
tasks=${tasks:-$n}
if ! [[ "$tasks" =~ ^[1-9][0-9]*$ ]] || [ "$tasks" -gt "$n" ]; then
    echo "array.sh: --tasks $tasks: expected 1 to $n (the number of tables)" >&2
    exit 2
fi
exe=${EMBODIED:-embodied}

# The arguments as one shell-quoted line (for printing).
quoted() { local a out=; for a in "$@"; do out+="$(printf '%q' "$a") "; done; echo "${out% }"; }

case "$mode" in
task)
    : "${SLURM_ARRAY_TASK_ID:?array.sh --task runs inside a Slurm array task}"
    exec "$exe" batch "${tables[@]}" -o "$dir" --rank "$SLURM_ARRAY_TASK_ID" --ranks "$tasks" \
        ${opts[@]+"${opts[@]}"}
    ;;
final)
    exec "$exe" batch "${tables[@]}" -o "$dir" ${opts[@]+"${opts[@]}"}
    ;;
esac

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
args=(-o "$dir" --tasks "$tasks" "${tables[@]}" -- ${opts[@]+"${opts[@]}"})
array_cmd=(sbatch --parsable --job-name=embodied-batch --array=0-$((tasks - 1))
           --cpus-per-task="$cpus" --mem="$mem" --time="$wall" "$self" --task "${args[@]}")
final_cmd=(sbatch --parsable --job-name=embodied-series --cpus-per-task="$cpus" --mem="$mem"
           --time="$wall" "$self" --final "${args[@]}")
if [ "$dry" = 1 ]; then
    echo "# dry run: nothing submitted.  $n table(s) over $tasks array task(s); each task runs"
    echo "#   $(quoted "$exe" batch "${tables[@]}" -o "$dir") --rank \$SLURM_ARRAY_TASK_ID --ranks $tasks $(quoted ${opts[@]+"${opts[@]}"})"
    echo "$(quoted "${array_cmd[@]}")"
    echo "$(quoted "${final_cmd[@]:0:2}") --dependency=afterany:<array job id> $(quoted "${final_cmd[@]:2}")"
    exit 0
fi
jobid=$("${array_cmd[@]}")
jobid=${jobid%%;*}
echo "array.sh: submitted array job $jobid ($tasks tasks)"
final=$("${final_cmd[@]:0:2}" --dependency=afterany:"$jobid" "${final_cmd[@]:2}")
echo "array.sh: submitted final job ${final%%;*} (after $jobid): $dir/series.csv"
