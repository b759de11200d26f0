#!/usr/bin/env bash
# Runs on the CUDA machine, from the repository root, after scripts/gpu-bundle made .device/freqprobe-gpu.tar.xz here:
# unpacks the app, the Core tests and the .NET runtime, points TorchSharp at the machine's own libtorch (PyTorch's
# torch/lib, found through python3), then runs the GPU check set, or whatever freqprobe command is given.
#   bash .device/run.sh                  # the set below, within $BUDGET seconds (default 420), each step time-boxed
#   bash .device/run.sh lowpass --help   # any freqprobe command
# The set, most important first: doctor; the Core tests' CUDA facts (PyTorch parity through the session on the GPU,
# the pinned copy) with the CPU tests of the same classes; ResNet-50 low-pass sweeps over the ImageNet sample on CUDA
# at fp32 and bf16 and on that machine's CPU at fp32, their per-image predictions compared; `bench` at fp32, bf16
# (and fp16); the same ResNet-50 as a traced TorchScript archive. Output: $OUT/log.txt (everything printed) and
# $OUT/results.tar.gz (result files), since the device tool brings back few files.
# STAGES picks stages (default "doctor tests sweeps bench torchscript fp16").
# TORCH_LIB, PYTHON, DEVICE, IMAGES and LIMIT override the defaults (a dry run here: TORCH_LIB=<libtorch-cpu 2.10 dir>
# PYTHON=/usr/bin/python3 DEVICE=cpu IMAGES=8 LIMIT=8 BUDGET=900 bash .device/run.sh).
set -uo pipefail
start=$SECONDS
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${OUT:-$PWD/gpu-out}"; mkdir -p "$out"
work="$out/results"; mkdir -p "$work"
exec > >(tee -a "$out/log.txt") 2>&1
base="${TMPDIR:-/tmp}/freqprobe-gpu"; rm -rf "$base"; mkdir -p "$base"
tar -C "$base" -xJf "$here/freqprobe-gpu.tar.xz"
python="${PYTHON:-python3}"
device="${DEVICE:-cuda}"
torch_lib="${TORCH_LIB:-$("$python" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')}"
"$python" -c 'import torch; print("machine PyTorch", torch.__version__, "CUDA", torch.version.cuda, "GPU", torch.cuda.get_device_name(0) if torch.cuda.is_available() else None)'
nvidia-smi -L 2>/dev/null; grep -m1 'model name' /proc/cpuinfo; nproc
export LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" DOTNET_ROOT="$base/dotnet" FREQPROBE_HOME="$base/home"
printf '#!/bin/sh\nexec "%s/dotnet/dotnet" "%s/app/freqprobe.dll" "$@"\n' "$base" "$base" >"$base/fp" && chmod +x "$base/fp"
fp() { "$base/fp" "$@"; }
# Whether TorchSharp's glue (built for libtorch 2.10) links against this machine's libtorch: dlopen names the first
# missing symbol or library, if any.
"$python" -c 'import ctypes, os, sys
for lib in ("libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so"):
    try: ctypes.CDLL(os.path.join(sys.argv[1], lib), mode=os.RTLD_NOW | os.RTLD_GLOBAL)
    except OSError as e: print("dlopen", lib, e)
try: ctypes.CDLL(sys.argv[2], mode=os.RTLD_NOW); print("glue links:", sys.argv[2])
except OSError as e: print("glue does not link:", e)' "$torch_lib" "$base/app/runtimes/linux-x64/native/libLibTorchSharp.so"
if [ $# -gt 0 ]; then fp "$@"; exit $?; fi

# step NAME SECONDS COMMAND...: runs COMMAND for at most SECONDS, and never past the budget.
budget="${BUDGET:-420}"
step() {
  local name="$1" cap="$2"; shift 2
  local left=$(( budget - (SECONDS - start) - 15 ))
  if [ "$left" -lt 10 ]; then echo "== $name: skipped, out of time"; return 1; fi
  [ "$cap" -gt "$left" ] && cap="$left"
  echo "== $name (at most ${cap}s, at $((SECONDS - start))s)"
  local t0=$SECONDS
  timeout -k 5 "$cap" "$@"; local rc=$?
  echo "== $name: exit $rc after $((SECONDS - t0))s"
  return $rc
}

stages=" ${STAGES:-doctor tests sweeps bench onnxruntime torchscript fp16} "
want() { [[ "$stages" == *" $1 "* ]]; }
want doctor && step doctor 60 "$base/fp" doctor

tests="$base/tests"
cp -r --update=none "$base/app/." "$tests/" && ln -sfn "$PWD/tests/FreqProbe.Core.Tests/Fixtures" "$tests/Fixtures"
want tests && step tests 240 env DOTNET_ROLL_FORWARD=Major "$base/dotnet/dotnet" exec --depsfile "$tests/FreqProbe.Core.Tests.deps.json" \
  --runtimeconfig "$tests/FreqProbe.Core.Tests.runtimeconfig.json" "$base/xunit/xunit.console.dll" "$tests/FreqProbe.Core.Tests.dll" \
  -class FreqProbe.Core.Tests.Execution.ProductionParityTests -class FreqProbe.Core.Tests.Native.HostToDeviceTests \
  -class FreqProbe.Core.Tests.Evaluation.ForwardBatchingTests -parallel none -nocolor -verbose -xml "$work/tests.xml"

weights="$work/resnet50-random.pth"
"$python" -c "import torch, torchvision; torch.manual_seed(0); torch.save(torchvision.models.resnet50().state_dict(), '$weights')" || weights=""
if want sweeps && [ -n "$weights" ] && [ -d "$base/data/imagenet-sample/val" ]; then
  sweep() { # DEVICE PRECISION
    step "sweep resnet50 $1 $2" 120 "$base/fp" lowpass --model resnet50 --weights "$weights" --dataset imagenet --data "$base/data/imagenet-sample/val" \
      --radii 4..32:4 ${LIMIT:+--limit $LIMIT} --device "$1" --precision "$2" --quiet \
      --out "$work/sweep-$1-$2.json" --predictions "$work/pred-$1-$2.csv"
  }
  sweep "$device" fp32; sweep "$device" bf16; [ "$device" != cpu ] && sweep cpu fp32
  "$python" - "$work" "$device" <<'PY'
import csv, json, os, sys
work, device = sys.argv[1], sys.argv[2]
def load(name):
    path = os.path.join(work, name)
    if not os.path.exists(path): return None
    with open(path) as f: return {(r["index"], r["filter"], r["radius"]): (r["pred"], float(r["prob"])) for r in csv.DictReader(f)}
def top1(name):
    path = os.path.join(work, name)
    if not os.path.exists(path): return ""
    with open(path) as f: doc = json.load(f)
    rows = doc.get("rows") or []
    return f'{doc["run"].get("execution_path")}; ' + "; ".join(f'{r["filter"]} {r["radius"]}: top-1 {r["top1"]:.4f}' for r in rows)
pairs = [(f"pred-{device}-fp32.csv", "pred-cpu-fp32.csv"), (f"pred-{device}-fp32.csv", f"pred-{device}-bf16.csv")]
for a, b in pairs:
    pa, pb = load(a), load(b)
    if pa is None or pb is None or a == b: print(f"compare {a} vs {b}: missing"); continue
    keys = sorted(set(pa) & set(pb))
    same = sum(pa[k][0] == pb[k][0] for k in keys)
    dp = max((abs(pa[k][1] - pb[k][1]) for k in keys if pa[k][0] == pb[k][0]), default=float("nan"))
    distinct = len({pa[k][0] for k in keys})
    print(f"compare {a} vs {b}: {len(keys)} image-settings ({len(pa)} and {len(pb)}), {distinct} distinct classes predicted, same prediction {same} ({100.0 * same / max(1, len(keys)):.2f}%), max |d prob| where equal {dp:.2e}")
for name in sorted(os.listdir(work)):
    if name.startswith("sweep-") and name.endswith(".json"): print(name, top1(name))
PY
fi

want bench && for precision in fp32 bf16; do
  step "bench resnet50 $precision" 75 "$base/fp" bench --model resnet50 --weights "${weights:-random}" --dataset synthetic --input-size 224 --num-classes 1000 \
    --images "${IMAGES:-512}" --batch-size 64 --device "$device" --precision "$precision" --out "$work/bench-resnet50-$precision.json"
done
# The same ResNet-50 as a traced TorchScript archive (exported with the machine's PyTorch), to compare with the native model.
archive="$work/resnet50-traced.pt"
if want torchscript && [ -f scripts/export_model.py ] && step "export torchscript" 60 "$python" scripts/export_model.py torchvision:resnet50 --weights none --out "$archive"; then
  for precision in fp32 bf16; do
    step "bench torchscript resnet50 $precision" 75 "$base/fp" bench --weights "$archive" --dataset synthetic --images "${IMAGES:-512}" --batch-size 64 \
      --device "$device" --precision "$precision" --out "$work/bench-torchscript-resnet50-$precision.json"
  done
fi
# ONNX Runtime's CPU engine on that machine's cores (the bundle carries the CPU libonnxruntime.so; its CUDA provider,
# 289 MB, does not fit the carry limit), beside the GPU numbers above; and an ONNX export of the same ResNet-50.
want onnxruntime && step "bench resnet50 onnxruntime cpu" 90 "$base/fp" bench --model resnet50 --weights "${weights:-random}" --dataset synthetic --input-size 224 \
  --num-classes 1000 --images 64 --device cpu --engine onnxruntime --out "$work/bench-resnet50-onnxruntime-cpu.json"
want onnxruntime && step "bench resnet50 torch cpu" 90 "$base/fp" bench --model resnet50 --weights "${weights:-random}" --dataset synthetic --input-size 224 \
  --num-classes 1000 --images 64 --device cpu --engine torch --out "$work/bench-resnet50-torch-cpu.json"
want fp16 && step "bench resnet50 fp16" 75 "$base/fp" bench --model resnet50 --weights "${weights:-random}" --dataset synthetic --input-size 224 --num-classes 1000 \
  --images "${IMAGES:-512}" --batch-size 64 --device "$device" --precision fp16 --out "$work/bench-resnet50-fp16.json"
nvidia-smi --query-gpu=name,memory.used,memory.total,clocks.sm --format=csv 2>/dev/null
rm -f "$weights" "$archive" "$archive".card.json "${archive%.pt}.card.json"
cp -r "$FREQPROBE_HOME/verified" "$work/verified" 2>/dev/null
tar -C "$out" -czf "$out/results.tar.gz" results && rm -rf "$work"
echo "== done in $((SECONDS - start))s"
