#!/usr/bin/env bash
# Runs each command with two builds on CIFAR-10 and compares the outputs (JSON with run times and command lines removed).
set -uo pipefail
old="$1" new="$2" out="$3"
data=/work/shared/data/cifar10
W=/work/main/models/cifar-resnet20-natural/cifar-resnet20-natural.safetensors
rm -rf "$out"; mkdir -p "$out"
for side in old new; do
  B="${!side}"; d="$out/$side"; mkdir -p "$d"
  $B lowpass --weights $W --data $data --limit 64 --radii 4,8 --threads 1 --quiet --out $d/low.csv
  $B lowpass --weights $W --data $data --limit 64 --radii 4,8 --threads 1 --quiet --out $d/low.json --predictions $d/pred.csv
  $B lowpass --weights $W --data $data --limit 64 --radii 4,8 --threads 1 --quiet --shard 0/2 --out $d/s0.json
  $B lowpass --weights $W --data $data --limit 64 --radii 4,8 --threads 1 --quiet --shard 1/2 --out $d/s1.json
  $B merge $d/s0.json $d/s1.json --out $d/merged.csv --quiet
  $B compare $d/low.csv $d/merged.csv --report $d/compare.md > $d/compare.txt 2>&1; echo "compare rc $?" >> $d/compare.txt
  $B heatmap --weights $W --data $data --limit 8 --max-freq 3 --threads 1 --quiet --out $d/heat.json
  $B interactions --weights $W --data $data --images 2 --contexts 4 --pairs 4 --threads 1 --quiet --out $d/inter.json
  $B kernels --weights $W --out $d/kernels.json --quiet
  printf '{"runs":[{"name":"a","weights":"%s","data":"%s","filter":"lowpass","limit":32,"radii":"4,8"}]}' $W $data > $d/cfg.json
  $B sweep $d/cfg.json --out-dir $d/sweep -q
done
norm() { python3 - "$1" <<'PY'
import json,sys,re
t=open(sys.argv[1]).read()
try:
    j=json.loads(t)
except Exception:
    print(t); sys.exit()
def walk(o):
    if isinstance(o,dict):
        return {k:walk(v) for k,v in o.items() if not re.search(r'(utc|seconds|command|started|finished|elapsed|_at$|host|machine|images_per_second|path|out)',k,re.I)}
    if isinstance(o,list): return [walk(x) for x in o]
    return o
print(json.dumps(walk(j),indent=1,sort_keys=True))
PY
}
cd "$out/old"
for f in $(find . -type f | sort); do
  if [ ! -f "../new/$f" ]; then echo "MISSING new $f"; continue; fi
  if cmp -s "$f" "../new/$f"; then echo "same   $f"; else
    case "$f" in *.json) if diff <(norm "$f") <(norm "../new/$f") >/dev/null; then echo "same*  $f (times/commands aside)"; else echo "DIFF   $f"; diff <(norm "$f") <(norm "../new/$f") | head -10; fi ;;
    *) echo "DIFF   $f"; diff "$f" "../new/$f" | head -5 ;; esac
  fi
done
