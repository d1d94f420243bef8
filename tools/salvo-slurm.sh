#!/bin/bash
# salvo-slurm.sh — a Slurm batch script for `salvo batch --mpi`: the job's
# tasks are the MPI ranks, each running --threads = its CPUs per task.
#
#   sbatch [--nodes=K] [--cpus-per-task=C] salvo-slurm.sh SCENARIO RUNS [salvo batch options...]
#
# Outputs, in the directory sbatch was run from: salvo-JOBID.json (the
# summary), salvo-JOBID.csv (one row per replication) and
# salvo-JOBID.checkpoint. Set SALVO_OUT=PREFIX for other names. A job that
# is stopped (time limit, scancel, preemption: Slurm sends SIGTERM) writes
# its partial outputs and checkpoint; resubmitting the same command with
# the same SALVO_OUT resumes it (see docs/batch.md, Slurm).
#
# Environment: SALVO (the binary; default: salvo on PATH), MPIRUN (default
# mpirun; `srun` works where Slurm was built with PMIx: MPIRUN="srun
# --mpi=pmix"), MPIRUN_ARGS (extra launcher options), SALVO_OUT.
# Tested by tests/test_cli.c (slurm_script), with a fake Slurm environment.
#SBATCH --job-name=salvo
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=1
#SBATCH --cpus-per-task=8
#SBATCH --time=02:00:00
#SBATCH --signal=B:TERM@120
#SBATCH --output=salvo-%j.log
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: sbatch salvo-slurm.sh SCENARIO RUNS [salvo batch options...]" >&2
    exit 2
fi
scenario=$1
runs=$2
shift 2

SALVO=${SALVO:-salvo}
MPIRUN=${MPIRUN:-mpirun}
ranks=${SLURM_NTASKS:-1}
threads=${SLURM_CPUS_PER_TASK:-1}
out=${SALVO_OUT:-salvo-${SLURM_JOB_ID:-local}}
ckpt=$out.checkpoint

resume=()
if [ -f "$ckpt" ]; then
    echo "salvo-slurm: resuming from $ckpt" >&2
    resume=(--resume)
fi

echo "salvo-slurm: job ${SLURM_JOB_ID:-?}: $ranks rank(s) x $threads thread(s) on ${SLURM_JOB_NODELIST:-this node}" >&2
# SIGTERM from Slurm reaches the launcher, which passes it to every rank:
# they finish the blocks in flight and write partial outputs (exit 130).
# shellcheck disable=SC2086  # MPIRUN and MPIRUN_ARGS are word lists
exec $MPIRUN ${MPIRUN_ARGS:-} -np "$ranks" "$SALVO" batch "$scenario" --runs "$runs" --mpi \
    --threads "$threads" --quiet --json "$out.json" --csv "$out.csv" --checkpoint "$ckpt" \
    "${resume[@]}" "$@"
