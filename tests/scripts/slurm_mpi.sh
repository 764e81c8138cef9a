#!/bin/sh
# tests/scripts/slurm_mpi.sh SRCDIR — scripts/slurm/mpi.sh as a dry run: the
# job script it prints has the nodes, tasks, threads, the srun (or mpirun)
# line with the scalapack solver, grid and block asked for, and the
# arguments after -- passed on quoted; bad arguments exit 2 with a message;
# without --dry-run and without sbatch it refuses (exit 2), submitting nothing.
set -eu
src=$1
s="$src/scripts/slurm/mpi.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "not ok - $*"; cat "$tmp/out" "$tmp/err" 2>/dev/null; exit 1; }
echo "1..4"
bash "$s" --dry-run --nodes 16 --threads-per-rank 32 --block 256 --grid 4x4 /data/big\ table.h5 \
    -- --sectors --stressor "CO2 air" >"$tmp/out" 2>"$tmp/err" || fail "dry run failed"
for want in '#SBATCH --nodes=16' '#SBATCH --ntasks-per-node=1' '#SBATCH --cpus-per-task=32' \
    'export OPENBLAS_NUM_THREADS=32' 'srun --ntasks=16' '--solver scalapack' '--grid 4x4' \
    '--block 256' '/data/big\ table.h5' 'CO2\ air' '--sectors'; do
    grep -qF -- "$want" "$tmp/out" || fail "dry run: no '$want'"
done
grep -q 'would submit' "$tmp/err" || fail "dry run: no note on stderr"
echo "ok 1 - dry run prints the sbatch script"
bash "$s" --dry-run --launcher mpirun --nodes 2 --ranks-per-node 4 t.h5 >"$tmp/out" 2>"$tmp/err" ||
    fail "mpirun dry run failed"
grep -qF 'mpirun -np 8 --map-by ppr:4:node' "$tmp/out" || fail "no mpirun line"
echo "ok 2 - mpirun launcher"
for bad in "--grid 3x3 --nodes 2 t.h5" "--nodes 0 t.h5" "--launcher ssh t.h5" "" "a.h5 b.h5"; do
    # shellcheck disable=SC2086
    if bash "$s" --dry-run $bad >"$tmp/out" 2>"$tmp/err"; then fail "accepted: $bad"; fi
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "not one line of error for: $bad"
done
echo "ok 3 - bad arguments refused with one line"
if SBATCH=no-such-sbatch-here bash "$s" t.h5 >"$tmp/out" 2>"$tmp/err"; then fail "submitted without sbatch"; fi
grep -q 'not found' "$tmp/err" || fail "no message without sbatch"
echo "ok 4 - without sbatch nothing is submitted"
