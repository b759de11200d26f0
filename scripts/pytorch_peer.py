#!/usr/bin/python3
"""The PyTorch peer of a FreqProbe low-pass sweep: a plain evaluation loop with Debian's python3-torch.

It does what `freqprobe lowpass` does on CIFAR-10 binary batches, the way the HFC reference code does it: for every
radius, each batch is filtered on its own (centred fft2, ideal circular mask d < r per CONVENTIONS.md, inverse, real
part), normalised and classified; the unfiltered batch is the baseline. It prints JSON with the throughput in
image-settings per second and top-1 per setting, so the comparison can check that both tools agree.

    /usr/bin/python3 scripts/pytorch_peer.py --data ../shared/data/cifar10 --weights W.safetensors --images 1000 --threads 2
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from freqprobe_reference import CifarResNet, load_safetensors  # noqa: E402

CIFAR_MEAN = [0.4914, 0.4822, 0.4465]
CIFAR_STD = [0.2470, 0.2435, 0.2616]


def radii_list(text):
    out = []
    for part in text.split(","):
        if ".." in part:
            rng, _, step = part.partition(":")
            lo, hi = rng.split("..")
            out += list(np.arange(float(lo), float(hi) + 1e-9, float(step or 1)))
        else:
            out.append(float(part))
    return out


def lowpass_mask(size, r):
    u = torch.arange(size)[:, None] - size // 2
    v = torch.arange(size)[None, :] - size // 2
    return ((u * u + v * v).double().sqrt() < r).to(torch.complex64)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--weights")
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--radii", default="2..16:2")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--batch-size", type=int, default=64)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    raw = np.fromfile(os.path.join(args.data, "test_batch.bin"), dtype=np.uint8).reshape(-1, 3073)[: args.images]
    labels = torch.from_numpy(raw[:, 0].astype(np.int64))
    model = CifarResNet()
    if args.weights:
        model.load_state_dict(load_safetensors(args.weights), strict=True)
    model.eval()
    mean = torch.tensor(CIFAR_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(CIFAR_STD).view(1, 3, 1, 1)
    radii = radii_list(args.radii)
    masks = [lowpass_mask(32, r) for r in radii]
    correct = np.zeros(len(radii) + 1, dtype=np.int64)

    start = time.perf_counter()
    with torch.no_grad():
        for first in range(0, len(raw), args.batch_size):
            chunk = raw[first : first + args.batch_size]
            x = torch.from_numpy(chunk[:, 1:].reshape(-1, 3, 32, 32).astype(np.float32) / 255.0)
            y = labels[first : first + len(chunk)]
            correct[0] += (model((x - mean) / std).argmax(1) == y).sum().item()
            for k, mask in enumerate(masks):
                spectrum = torch.fft.fftshift(torch.fft.fft2(x), dim=(-2, -1)) * mask
                filtered = torch.fft.ifft2(torch.fft.ifftshift(spectrum, dim=(-2, -1))).real
                correct[k + 1] += (model((filtered - mean) / std).argmax(1) == y).sum().item()
    seconds = time.perf_counter() - start
    n = len(raw)
    print(json.dumps({
        "tool": "pytorch-peer", "torch": torch.__version__, "threads": args.threads, "images": n, "radii": radii,
        "seconds": seconds, "image_settings_per_second": n * (len(radii) + 1) / seconds,
        "top1": [c / n for c in correct],
    }))


if __name__ == "__main__":
    main()
