#!/usr/bin/python3
"""Generates the PyTorch reference fixtures in tests/FreqProbe.Core.Tests/Fixtures.

Run with Debian's PyTorch (apt-get install python3-torch python3-torchvision):
    /usr/bin/python3 scripts/make_fixtures.py

The models are written independently of FreqProbe, from torchvision (resnet18/50) and from a plain PyTorch
definition of He et al.'s CIFAR ResNet-20. Weights come from an integer hash that the C# tests can recompute
(HashedWeights), so no large weight file is committed, except one small cifar-resnet20 checkpoint that tests
the .pth reader. The filter is CONVENTIONS.md written directly in numpy: fft2, fftshift, mask, ifftshift, ifft2,
real part. Never regenerate these files to make a failing test pass.
"""
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

from freqprobe_reference import CifarResNet  # noqa: E402  (beside this script)

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "FreqProbe.Core.Tests", "Fixtures")
CIFAR_MEAN = [0.4914, 0.4822, 0.4465]
CIFAR_STD = [0.2470, 0.2435, 0.2616]


def fnv1a(text):
    h = 0x811C9DC5
    for b in text.encode("utf-8"):
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def hash_uniform(key, count):
    """u in [0,1) per element: fmix32(fnv1a(key) ^ (j * 0x9E3779B1)) / 2^32, all uint32 arithmetic."""
    j = np.arange(count, dtype=np.uint64)
    x = (np.uint64(fnv1a(key)) ^ ((j * np.uint64(0x9E3779B1)) & np.uint64(0xFFFFFFFF))) & np.uint64(0xFFFFFFFF)
    x ^= x >> np.uint64(16)
    x = (x * np.uint64(0x85EBCA6B)) & np.uint64(0xFFFFFFFF)
    x ^= x >> np.uint64(13)
    x = (x * np.uint64(0xC2B2AE35)) & np.uint64(0xFFFFFFFF)
    x ^= x >> np.uint64(16)
    return x.astype(np.float64) / 4294967296.0


def hashed_value(key, shape):
    """The deterministic weight for one state-dict entry (mirrored by HashedWeights.cs)."""
    n = int(np.prod(shape)) if len(shape) > 0 else 1
    u = hash_uniform(key, n)
    s = (u * 2.0 - 1.0)
    name = key.rsplit(".", 1)[-1]
    if key.endswith("num_batches_tracked"):
        return None
    if name == "running_mean":
        v = s * 0.1
    elif name == "running_var":
        v = u * 0.5 + 1.0
    elif name == "bias":
        v = s * 0.1
    elif len(shape) == 1:  # BatchNorm weight
        v = s * 0.1 + 1.0
    else:
        fan_in = int(np.prod(shape[1:]))
        v = s * (np.sqrt(2.0 / fan_in) * np.sqrt(3.0))
    return v.astype(np.float32).reshape(shape)


def fill_hashed(model):
    sd = model.state_dict()
    for key, tensor in sd.items():
        v = hashed_value(key, tuple(tensor.shape))
        if v is not None:
            tensor.copy_(torch.from_numpy(v))
    model.load_state_dict(sd)


def centred_mask(h, w, kind, r):
    u = np.arange(h)[:, None] - h // 2
    v = np.arange(w)[None, :] - w // 2
    d = np.sqrt(u * u + v * v)
    low = (d < r).astype(np.float64)
    return low if kind == "lowpass" else 1.0 - low


def hfc_filter(images, kind, r):
    """CONVENTIONS.md: per channel, centred DFT, mask, inverse DFT, real part. images: [B,3,H,W] float64."""
    h, w = images.shape[-2:]
    spectrum = np.fft.fftshift(np.fft.fft2(images, axes=(-2, -1)), axes=(-2, -1))
    spectrum = spectrum * centred_mask(h, w, kind, r)
    return np.real(np.fft.ifft2(np.fft.ifftshift(spectrum, axes=(-2, -1)), axes=(-2, -1)))


def smooth_images(rng, count, size):
    """Natural-ish test images: blurred noise plus a gradient, quantised to k/255 like decoded pixels."""
    x = rng.random((count, 3, size, size))
    k = np.ones(5) / 5.0
    for axis in (2, 3):
        x = np.apply_along_axis(lambda m: np.convolve(m, k, mode="same"), axis, x)
    grad = np.linspace(0, 0.3, size)[None, None, None, :]
    x = np.clip(0.7 * (x - x.mean()) / (x.std() + 1e-9) * 0.2 + 0.45 + grad, 0, 1)
    return np.round(x * 255) / 255


def run(model, images01, mean, std):
    x = torch.from_numpy(images01.astype(np.float32))
    m = torch.tensor(mean).view(1, 3, 1, 1)
    s = torch.tensor(std).view(1, 3, 1, 1)
    with torch.no_grad():
        logits = model((x - m) / s)
    probs = F.softmax(logits, 1)
    pred = probs.argmax(1)
    return logits.numpy(), pred.numpy(), probs.gather(1, pred[:, None])[:, 0].numpy()


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261124)
    torch.set_num_threads(1)

    # cifar-resnet20 with hashed weights, saved as a wrapped DataParallel-style checkpoint.
    cifar = CifarResNet(20, 10).eval()
    fill_hashed(cifar)
    wrapped = {"state_dict": {"module." + k: v for k, v in cifar.state_dict().items()}, "epoch": 3}
    torch.save(wrapped, os.path.join(OUT, "cifar_resnet20_hashed.pth"))
    images = smooth_images(rng, 6, 32)
    cases = []
    for kind, radius in [("none", None), ("lowpass", 8.0), ("highpass", 8.0), ("lowpass", 3.0)]:
        filtered = images if kind == "none" else hfc_filter(images, kind, radius)
        logits, pred, prob = run(cifar, filtered, CIFAR_MEAN, CIFAR_STD)
        cases.append({"filter": kind, "radius": radius, "logits": logits.tolist(), "pred": pred.tolist(), "prob": prob.tolist()})
    with open(os.path.join(OUT, "cifar_resnet20_parity.json"), "w") as f:
        json.dump({"model": "cifar-resnet20", "num_classes": 10, "mean": CIFAR_MEAN, "std": CIFAR_STD,
                   "images": images.astype(np.float32).tolist(), "cases": cases}, f)

    # torchvision resnet18 layout, hashed weights, 10 classes, 64x64 inputs.
    r18 = torchvision.models.resnet18(num_classes=10).eval()
    fill_hashed(r18)
    images18 = smooth_images(rng, 2, 64)
    logits, pred, prob = run(r18, images18, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    with open(os.path.join(OUT, "resnet18_parity.json"), "w") as f:
        json.dump({"model": "resnet18", "num_classes": 10, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225],
                   "images": images18.astype(np.float32).tolist(),
                   "cases": [{"filter": "none", "radius": None, "logits": logits.tolist(), "pred": pred.tolist(), "prob": prob.tolist()}]}, f)

    # torchvision resnet50 state-dict layout: key, shape (what torchvision's resnet50-*.pth holds).
    with open(os.path.join(OUT, "resnet50_torchvision_keys.txt"), "w") as f:
        for key, tensor in torchvision.models.resnet50().state_dict().items():
            f.write(f"{key} {','.join(str(d) for d in tensor.shape)}\n")

    # Antialiased bilinear resize, as torchvision resizes tensors (antialias=True).
    src = rng.random((3, 37, 53)).astype(np.float32)
    resized = {}
    for (h, w) in [(20, 29), (64, 90), (37, 16)]:
        out = F.interpolate(torch.from_numpy(src)[None], size=(h, w), mode="bilinear", align_corners=False, antialias=True)[0]
        resized[f"{h}x{w}"] = out.numpy().tolist()
    with open(os.path.join(OUT, "resize_antialias.json"), "w") as f:
        json.dump({"source": src.tolist(), "outputs": resized}, f)
    print(f"fixtures written to {os.path.abspath(OUT)} with torch {torch.__version__}, torchvision {torchvision.__version__}")


if __name__ == "__main__":
    main()
