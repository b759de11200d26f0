#!/usr/bin/env bash
# Worked example: spread one FreqProbe sweep over a cluster as a Slurm job array, then merge the shards exactly.
#
#   sbatch --array=0-15 scripts/slurm-shards.sh          # 16 shards, one per array task
#   # when all tasks are done (or chain it: sbatch --dependency=afterok:<array job id> ...):
#   scripts/freqprobe merge results/shard-*.json --out results/lowpass.csv
#
# Each task evaluates the images whose index i satisfies i = K (mod N) and writes its own JSON; `freqprobe merge`
# adds the counts, so the merged table is exactly that of a single run, and it refuses missing or repeated shards.
#SBATCH --job-name=freqprobe-lowpass
#SBATCH --cpus-per-task=8
#SBATCH --gres=gpu:1
#SBATCH --time=02:00:00
#SBATCH --output=results/slurm-%A_%a.log
set -euo pipefail
shards="${SLURM_ARRAY_TASK_COUNT:?run this with sbatch --array=0-(N-1)}"
shard="${SLURM_ARRAY_TASK_ID:?run this with sbatch --array=0-(N-1)}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$root/results"
"$root/scripts/freqprobe" lowpass --model resnet50 --weights torchvision \
  --dataset imagenet --data "${IMAGENET_VAL:-$HOME/data/imagenet/val}" \
  --radii 4..32:4 --threads "${SLURM_CPUS_PER_TASK:-8}" --quiet \
  --shard "$shard/$shards" --out "$root/results/shard-$shard.json"
