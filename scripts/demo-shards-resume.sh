#!/usr/bin/env bash
# Demonstrates on real data that (1) four shards merged equal one unsharded run and (2) a run killed with SIGKILL and
# continued with --resume equals an uninterrupted one. Prints the commands, the tables' differences (none expected)
# and the compare verdicts.
#   scripts/demo-shards-resume.sh [DATA_DIR] [LIMIT] [OUT_DIR]
# Defaults: ../shared/data/cifar10, 2000 test images, /tmp/freqprobe-demo. Uses the committed natural CIFAR model.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${1:-$root/../shared/data/cifar10}"
limit="${2:-2000}"
out="${3:-/tmp/freqprobe-demo}"
fp="$root/scripts/freqprobe"
weights="$root/models/cifar-resnet20-natural/cifar-resnet20-natural.safetensors"
common=(lowpass --weights "$weights" --data "$data" --radii 2..16:2 --limit "$limit" --per-class --quiet)
mkdir -p "$out"
rm -f "$out"/*.json "$out"/*.csv

run() { echo "+ freqprobe $*" >&2; "$fp" "$@"; }

run "${common[@]}" --threads 2 --batch-size 64 --out "$out/single.json"
for k in 0 1 2 3; do
  run "${common[@]}" --threads 1 --batch-size 50 --shard "$k/4" --out "$out/shard-$k.json"
done
run merge "$out"/shard-{0,1,2,3}.json --out "$out/merged.json" --quiet
run merge "$out"/shard-{0,1,2,3}.json --out "$out/merged.csv" --quiet
"$fp" lowpass --weights "$weights" --data "$data" --radii 2..16:2 --limit "$limit" --per-class --quiet --threads 2 --out "$out/single.csv" >/dev/null 2>&1
echo "== 4 shards merged vs single run (CSV diff; empty means identical):"
diff "$out/single.csv" "$out/merged.csv" && echo "(identical)"
run compare "$out/single.json" "$out/merged.json" --tolerance 0 || true

echo "== kill mid-run, then --resume (same --threads and --batch-size as the uninterrupted run)"
resume_args=("${common[@]}" --threads 2 --batch-size 64 --checkpoint-every 1)
"$fp" "${resume_args[@]}" --out "$out/resumed.csv" --predictions "$out/resumed-pred.csv" &
pid=$!
sleep "${KILL_AFTER:-20}"
# The launcher execs dotnet, so $pid is the evaluating process itself.
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
if [ -f "$out/resumed.csv.checkpoint.json" ]; then
  echo "killed; checkpoint: $(grep -o '"Done":[0-9]*' "$out/resumed.csv.checkpoint.json")"
else
  echo "no checkpoint (the run finished before the kill; raise LIMIT or lower KILL_AFTER)"
fi
run "${resume_args[@]}" --out "$out/resumed.csv" --predictions "$out/resumed-pred.csv" --resume
"$fp" "${resume_args[@]}" --out "$out/uninterrupted.csv" --predictions "$out/uninterrupted-pred.csv" >/dev/null 2>&1
echo "== resumed vs uninterrupted (results and predictions; empty means identical):"
diff "$out/uninterrupted.csv" "$out/resumed.csv" && diff "$out/uninterrupted-pred.csv" "$out/resumed-pred.csv" && echo "(identical, byte for byte)"

echo "== other batch size and thread count (--threads 1 --batch-size 32) vs the uninterrupted run"
"$fp" "${common[@]}" --threads 1 --batch-size 32 --out "$out/t1b32.csv" --predictions "$out/t1b32-pred.csv" >/dev/null 2>&1
diff "$out/uninterrupted.csv" "$out/t1b32.csv" && echo "results: identical"
python3 - "$out/uninterrupted-pred.csv" "$out/t1b32-pred.csv" <<'PY' || echo "(python3 not found: compare the pred columns by hand)"
import csv, sys
a = list(csv.reader(open(sys.argv[1]))); b = list(csv.reader(open(sys.argv[2])))
assert len(a) == len(b), "row counts differ"
same = sum(x[:5] == y[:5] for x, y in zip(a, b)); dp = max(abs(float(x[5]) - float(y[5])) for x, y in zip(a[1:], b[1:]))
print(f"predictions: {same}/{len(a)} rows with identical index,label,filter,radius,pred; max |prob difference| = {dp:.2e}")
PY
