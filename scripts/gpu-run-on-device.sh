#!/usr/bin/env bash
# Runs on the CUDA machine, from the repository root, after scripts/gpu-bundle made .device/freqprobe-gpu.tar.xz here:
# unpacks the app and the .NET runtime, points TorchSharp at the machine's own libtorch (PyTorch's torch/lib, found
# through python3), then runs `freqprobe doctor` and whatever command is given (default: the GPU benchmark set).
# Everything written under $OUT (or ./gpu-out) comes back. TORCH_LIB, PYTHON, DEVICE and IMAGES override the defaults
# (a dry run here: TORCH_LIB=<libtorch-cpu 2.10 dir> PYTHON=/usr/bin/python3 DEVICE=cpu IMAGES=8).
#   bash .device/run.sh                       # doctor, ResNet-50 bench at fp32/bf16/fp16, then as TorchScript at fp32/bf16
#   bash .device/run.sh lowpass --help        # any freqprobe command
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${OUT:-$PWD/gpu-out}"; mkdir -p "$out"
base="${TMPDIR:-/tmp}/freqprobe-gpu"; rm -rf "$base"; mkdir -p "$base"
tar -C "$base" -xJf "$here/freqprobe-gpu.tar.xz"
python="${PYTHON:-python3}"
torch_lib="${TORCH_LIB:-$("$python" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')}"
"$python" -c 'import torch; print("machine PyTorch", torch.__version__, "CUDA", torch.version.cuda, "GPU", torch.cuda.get_device_name(0) if torch.cuda.is_available() else None)' | tee "$out/machine.txt"
export LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" DOTNET_ROOT="$base/dotnet"
fp() { "$base/dotnet/dotnet" "$base/app/freqprobe.dll" "$@"; }
fp doctor 2>&1 | tee "$out/doctor.txt"
if [ $# -gt 0 ]; then fp "$@"; exit $?; fi
weights="$out/resnet50-random.pth"
"$python" -c "import torch, torchvision; torch.manual_seed(0); torch.save(torchvision.models.resnet50().state_dict(), '$weights')" 2>/dev/null \
  || weights=""
for precision in fp32 bf16 fp16; do
  fp bench --model resnet50 --weights "${weights:-random}" --dataset synthetic --input-size 224 --num-classes 1000 --images "${IMAGES:-512}" \
     --batch-size 64 --device "${DEVICE:-cuda}" --precision "$precision" --out "$out/bench-resnet50-$precision.json" 2>&1 | tee -a "$out/bench.txt"
done
rm -f "$weights"
# The same ResNet-50 as a traced TorchScript archive (exported with the machine's PyTorch), to compare with the native model.
archive="$out/resnet50-traced.pt"
if [ -f scripts/export_torchscript.py ] && "$python" scripts/export_torchscript.py torchvision:resnet50 --weights none --out "$archive" >"$out/export.txt" 2>&1; then
  for precision in fp32 bf16; do
    fp bench --weights "$archive" --dataset synthetic --images "${IMAGES:-512}" --batch-size 64 --device "${DEVICE:-cuda}" --precision "$precision" \
       --out "$out/bench-torchscript-resnet50-$precision.json" 2>&1 | tee -a "$out/bench.txt"
  done
  rm -f "$archive"
fi
