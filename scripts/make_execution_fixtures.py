#!/usr/bin/python3
"""Reference fixtures for the execution-path parity tests (issue: numbers you can trust on the machine in front of you).

Run with Debian's PyTorch 1.13 (apt-get install python3-torch python3-torchvision), beside ../shared/data:
    /usr/bin/python3 scripts/make_execution_fixtures.py

Writes, in tests/FreqProbe.Core.Tests/Fixtures:
  resnet50_parity.json             torchvision resnet50 (hashed weights, 10 classes) on two smooth 64x64 images
  cifar_resnet18_cifar10.json      cifar-resnet18 (hashed weights) on the first 64 CIFAR-10 test images: prediction and
                                   its probability per image, unfiltered and low/high-passed at 4, 8 and 16 (the images
                                   themselves are not committed; the test reads them from ../shared/data)
  torchscript/tiny-bottleneck-traced.pt (+ .card.json, .expected.json)
                                   a traced network with ResNet-50's 1x1 shapes 256->1024 and 512->2048 at strides 1
                                   and 2 (the shapes on which oneDNN 3.7.1 crashes on AMD Zen 5), its card and logits
Weights come from the same integer hash as scripts/make_fixtures.py (HashedWeights.cs recomputes them). Never
regenerate these files to make a failing test pass.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

sys.path.insert(0, os.path.dirname(__file__))
from make_fixtures import CIFAR_MEAN, CIFAR_STD, fill_hashed, hfc_filter, run, smooth_images  # noqa: E402
from export_model import export  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "FreqProbe.Core.Tests", "Fixtures")
CIFAR = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "cifar10", "test_batch.bin")
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def cifar_resnet18():
    """torchvision's resnet18 with the CIFAR stem (CONVENTIONS.md): 3x3 stride-1 conv1, no max-pool."""
    model = torchvision.models.resnet18(num_classes=10)
    model.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
    model.maxpool = nn.Identity()
    return model.eval()


class TinyBottleneck(nn.Module):
    """Two stems and ResNet-50's 1x1 expansions, each applied at stride 1 and 2, pooled into one linear head.

    The expansions' 1.3 M weights are stored in fp16 and cast to fp32 in forward, which keeps the archive under
    3 MB; the convolutions themselves run in fp32 (channels-last when the input is, as the weights keep their layout).
    """

    def __init__(self):
        super().__init__()
        self.stem1 = nn.Conv2d(3, 256, 3, padding=1, bias=False)
        self.stem2 = nn.Conv2d(3, 512, 3, padding=1, bias=False)
        expand1, expand2 = nn.Conv2d(256, 1024, 1), nn.Conv2d(512, 2048, 1)
        self.expand1_weight = nn.Parameter(expand1.weight.detach().half())
        self.expand1_bias = nn.Parameter(expand1.bias.detach())
        self.expand2_weight = nn.Parameter(expand2.weight.detach().half())
        self.expand2_bias = nn.Parameter(expand2.bias.detach())
        self.fc = nn.Linear(2 * 1024 + 2 * 2048, 10)

    def forward(self, x):
        a = F.relu(self.stem1(x))
        b = F.relu(self.stem2(x))
        w1, w2 = self.expand1_weight.float(), self.expand2_weight.float()
        parts = [F.conv2d(a, w1, self.expand1_bias, stride=1), F.conv2d(a, w1, self.expand1_bias, stride=2),
                 F.conv2d(b, w2, self.expand2_bias, stride=1), F.conv2d(b, w2, self.expand2_bias, stride=2)]
        return self.fc(torch.cat([F.adaptive_avg_pool2d(F.relu(p), 1).flatten(1) for p in parts], 1))


def main():
    torch.set_num_threads(1)
    rng = np.random.default_rng(20261204)

    r50 = torchvision.models.resnet50(num_classes=10).eval()
    fill_hashed(r50)
    images = smooth_images(rng, 2, 64)
    logits, pred, prob = run(r50, images, IMAGENET_MEAN, IMAGENET_STD)
    with open(os.path.join(OUT, "resnet50_parity.json"), "w") as f:
        json.dump({"model": "resnet50", "num_classes": 10, "mean": IMAGENET_MEAN, "std": IMAGENET_STD,
                   "images": images.astype(np.float32).tolist(),
                   "cases": [{"filter": "none", "radius": None, "logits": logits.tolist(), "pred": pred.tolist(), "prob": prob.tolist()}]}, f)

    r18 = cifar_resnet18()
    fill_hashed(r18)
    raw = np.fromfile(CIFAR, dtype=np.uint8)[: 64 * 3073].reshape(64, 3073)
    labels = raw[:, 0].astype(int).tolist()
    cifar = raw[:, 1:].reshape(64, 3, 32, 32).astype(np.float64) / 255.0
    cases = []
    for kind, radius in [("none", None), ("lowpass", 4.0), ("lowpass", 8.0), ("lowpass", 16.0), ("highpass", 4.0), ("highpass", 8.0), ("highpass", 16.0)]:
        filtered = cifar if kind == "none" else hfc_filter(cifar, kind, radius)
        _, pred, prob = run(r18, filtered, CIFAR_MEAN, CIFAR_STD)
        cases.append({"filter": kind, "radius": radius, "pred": pred.tolist(), "prob": prob.tolist()})
    with open(os.path.join(OUT, "cifar_resnet18_cifar10.json"), "w") as f:
        json.dump({"model": "cifar-resnet18", "num_classes": 10, "images": "the first 64 of CIFAR-10 test_batch.bin", "labels": labels,
                   "cases": cases}, f)

    torch.manual_seed(0)
    tiny = TinyBottleneck().eval()
    card = {"input_size": 32, "interpolation": "bilinear", "mean": CIFAR_MEAN, "std": CIFAR_STD, "num_classes": 10, "label_space": "cifar10",
            "source": "scripts/make_execution_fixtures.py:tiny-bottleneck"}
    out = os.path.join(OUT, "torchscript", "tiny-bottleneck-traced.pt")
    export(tiny, card, out)
    x = ((np.arange(4 * 3 * 32 * 32, dtype=np.float64) * 0.618034) % 1.0).astype(np.float32).reshape(4, 3, 32, 32)
    xn = (torch.from_numpy(x) - torch.tensor(CIFAR_MEAN).view(1, 3, 1, 1)) / torch.tensor(CIFAR_STD).view(1, 3, 1, 1)
    with torch.no_grad():
        logits = tiny(xn)
    with open(os.path.join(OUT, "torchscript", "tiny-bottleneck-traced.expected.json"), "w") as f:
        json.dump({"input": "x[i] = frac(0.618034 i) in float64, then float32, shape [4,3,32,32], normalised with the card's mean/std",
                   "logits": logits.numpy().tolist()}, f)
    print(f"fixtures written to {os.path.abspath(OUT)} with torch {torch.__version__}, torchvision {torchvision.__version__}")


if __name__ == "__main__":
    main()
