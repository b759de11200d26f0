#!/usr/bin/python3
"""Generates the TorchScript parity fixtures in tests/FreqProbe.Core.Tests/Fixtures/torchscript.

Run with Debian's PyTorch (apt-get install python3-torch python3-torchvision):
    /usr/bin/python3 scripts/make_torchscript_fixtures.py [../shared/data/cifar10]

Three non-ResNet architectures in small CIFAR-sized configurations, each traced and scripted through
scripts/export_model.py (which writes the card and checks the archive against eager PyTorch):
  - tiny-vit: torchvision's VisionTransformer, 2 layers, patch 8, width 32 (its zero-initialised head re-drawn);
  - tiny-convnext: torchvision's ConvNeXt with two stages of 16/32 channels, layer scale 1;
  - tiny-mobilenetv3: torchvision's MobileNetV3 with three inverted-residual blocks (SE, hardswish).
BatchNorm statistics are re-drawn so that folding or ignoring them would show. A fourth archive,
tiny-convnext-selfnorm, is the same ConvNeXt with the CIFAR normalisation inside forward (card mean/std "none").

expected.json holds, per model, the names of its 4-D weights (kernel spectra read them), the logits on a fixed input (x[i] = frac(0.618034 i), float64 then float32,
shape [4, 3, 32, 32], normalised with the card's mean/std) and the eager predictions on the first 16 real
CIFAR-10 test images (when the data folder is present): unfiltered and after an ideal circular low-pass at
r = 4 and 8 (CONVENTIONS.md, via make_fixtures.hfc_filter); and torch's antialiased bicubic resize of a
smooth 3x23x31 image to three sizes. Never regenerate these to make a failing test pass.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torchvision
from torchvision.models.convnext import CNBlockConfig, ConvNeXt
from torchvision.models.mobilenetv3 import InvertedResidualConfig, MobileNetV3
from torchvision.models.vision_transformer import VisionTransformer

sys.path.insert(0, os.path.dirname(__file__))
from export_model import export  # noqa: E402
from make_fixtures import hfc_filter  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "FreqProbe.Core.Tests", "Fixtures", "torchscript")
CIFAR_MEAN = [0.4914, 0.4822, 0.4465]
CIFAR_STD = [0.2470, 0.2435, 0.2616]
RADII = [4, 8]
IMAGES = 16


def redraw_norm_statistics(model, generator):
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.copy_(torch.randn(module.running_mean.shape, generator=generator) * 0.2)
            module.running_var.copy_(torch.rand(module.running_var.shape, generator=generator) + 0.5)
            module.weight.data.copy_(torch.rand(module.weight.shape, generator=generator) + 0.5)
            module.bias.data.copy_(torch.randn(module.bias.shape, generator=generator) * 0.1)


def tiny_vit():
    model = VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=32, mlp_dim=64, num_classes=10)
    nn.init.normal_(model.heads.head.weight, std=0.5)
    nn.init.normal_(model.heads.head.bias, std=0.1)
    return model


def tiny_convnext():
    blocks = [CNBlockConfig(16, 32, 1), CNBlockConfig(32, None, 1)]
    return ConvNeXt(blocks, stochastic_depth_prob=0.0, layer_scale=1.0, num_classes=10)


def tiny_mobilenetv3():
    settings = [
        InvertedResidualConfig(16, 3, 16, 16, True, "RE", 2, 1, 1.0),
        InvertedResidualConfig(16, 3, 48, 24, False, "HS", 2, 1, 1.0),
        InvertedResidualConfig(24, 5, 64, 24, True, "HS", 1, 1, 1.0),
    ]
    model = MobileNetV3(settings, last_channel=64, num_classes=10)
    return model


class SelfNormalised(nn.Module):
    """The network with the CIFAR normalisation inside: it takes [0,1] images, as RobustBench models do."""

    def __init__(self, net):
        super().__init__()
        self.net = net
        self.register_buffer("mean", torch.tensor(CIFAR_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(CIFAR_STD).view(1, 3, 1, 1))

    def forward(self, x):
        return self.net((x - self.mean) / self.std)


def fixed_input():
    x = (np.arange(4 * 3 * 32 * 32, dtype=np.float64) * 0.618034) % 1.0
    return x.reshape(4, 3, 32, 32).astype(np.float32)


def cifar_images(folder):
    path = os.path.join(folder, "test_batch.bin")
    if not os.path.exists(path):
        return None, None
    raw = np.fromfile(path, dtype=np.uint8, count=IMAGES * 3073).reshape(IMAGES, 3073)
    return raw[:, 0].astype(np.int64), raw[:, 1:].reshape(IMAGES, 3, 32, 32).astype(np.float64) / 255.0


def predictions(model, images01, normalise):
    x = torch.from_numpy(images01.astype(np.float32))
    if normalise:
        x = (x - torch.tensor(CIFAR_MEAN).view(1, 3, 1, 1)) / torch.tensor(CIFAR_STD).view(1, 3, 1, 1)
    with torch.no_grad():
        logits = model(x).double()
    top2 = logits.topk(2, 1).values
    return logits.argmax(1).tolist(), float((top2[:, 0] - top2[:, 1]).min())


def write_expected(folder, expected):
    """Writes expected.json in `folder` and prints the fixtures' total size."""
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(folder, n)) for n in os.listdir(folder))
    print(f"fixtures in {os.path.abspath(folder)}: {total} bytes in all")


def main():
    cifar = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "cifar10")
    os.makedirs(OUT, exist_ok=True)
    labels, images = cifar_images(cifar)
    card = {"input_size": 32, "interpolation": "bilinear", "mean": CIFAR_MEAN, "std": CIFAR_STD, "num_classes": 10, "label_space": "cifar10"}
    expected = {"input": "x[i] = frac(0.618034 i) in float64, then float32, shape [4,3,32,32]; the model sees (x - mean) / std unless mean is none",
                "radii": RADII, "images": IMAGES, "torch": torch.__version__, "torchvision": torchvision.__version__, "models": {}}
    for index, (name, build) in enumerate([("tiny-vit", tiny_vit), ("tiny-convnext", tiny_convnext), ("tiny-mobilenetv3", tiny_mobilenetv3)]):
        torch.manual_seed(100 + index)
        net = build().eval()
        redraw_norm_statistics(net, torch.Generator().manual_seed(200 + index))
        variants = [(f"{name}-traced", net, False, card), (f"{name}-scripted", net, True, card)]
        if name == "tiny-convnext":
            variants.append((f"{name}-selfnorm", SelfNormalised(net).eval(), False, dict(card, mean="none", std="none")))
        for file_stem, model, script, model_card in variants:
            out = os.path.join(OUT, file_stem + ".pt")
            difference, _ = export(model, dict(model_card, source=f"scripts/make_torchscript_fixtures.py:{name}"), out, script=script)
            normalise = model_card["mean"] != "none"
            x = torch.from_numpy(fixed_input())
            if normalise:
                x = (x - torch.tensor(CIFAR_MEAN).view(1, 3, 1, 1)) / torch.tensor(CIFAR_STD).view(1, 3, 1, 1)
            with torch.no_grad():
                logits = model(x)
            entry = {"logits": [[float(v) for v in row] for row in logits.tolist()], "export_max_abs_diff": difference, "bytes": os.path.getsize(out),
                     "conv_weights": [n[:-len(".weight")] for n, p in model.named_parameters() if p.dim() == 4 and n.endswith(".weight")]}
            if images is not None:
                entry["labels"] = labels.tolist()
                clean, margin = predictions(model, images, normalise)
                entry["predictions"] = {"none": clean}
                margins = [margin]
                for r in RADII:
                    entry["predictions"][f"lowpass:{r}"], m = predictions(model, hfc_filter(images, "lowpass", r), normalise)
                    margins.append(m)
                entry["smallest_top2_margin"] = min(margins)
            expected["models"][file_stem] = entry
            print(f"{file_stem}: {os.path.getsize(out)} bytes, export check {difference:.2g}, "
                  f"smallest top-2 margin {entry.get('smallest_top2_margin', float('nan')):.3g}")
    # Frozen archives: torch.jit.freeze alone (loads; fp32 only, no parameters) and after optimize_for_inference (MKLDNN
    # constants, which libtorch 2.10 cannot load: FreqProbe refuses it before libtorch sees it).
    torch.manual_seed(300)
    small = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10)).eval()
    redraw_norm_statistics(small, torch.Generator().manual_seed(301))
    export(small, dict(card, source="scripts/make_torchscript_fixtures.py:tiny-cnn"), os.path.join(OUT, "tiny-cnn-frozen.pt"), freeze=True)
    with torch.no_grad():
        optimized = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(small, torch.rand(1, 3, 32, 32))))
    assert "ConstantMKLDNNTensor" in optimized.code, "this PyTorch made no MKLDNN constants"
    torch.jit.save(optimized, os.path.join(OUT, "tiny-cnn-optimized.pt"))
    with open(os.path.join(OUT, "tiny-cnn-optimized.card.json"), "w") as f:
        json.dump(dict(card, model="torchscript", name="tiny-cnn-optimized"), f, indent=2)
        f.write("\n")
    expected["frozen_logits"] = [[float(v) for v in row] for row in small((torch.from_numpy(fixed_input()) - torch.tensor(CIFAR_MEAN).view(1, 3, 1, 1))
                                                                            / torch.tensor(CIFAR_STD).view(1, 3, 1, 1)).tolist()]

    # Antialiased bicubic resize, as torch resizes tensors (antialias=True, a = -0.5), on a smooth image that does
    # not overshoot [0, 1], so that PIL's clamping (which FreqProbe also applies) does not enter.
    rng = np.random.default_rng(20261202)
    yy, xx = np.meshgrid(np.linspace(0, 1, 23), np.linspace(0, 1, 31), indexing="ij")
    src = np.stack([0.5 + 0.2 * np.sin(3 * xx + c) * np.cos(2 * yy - c) for c in range(3)]) + 0.02 * rng.random((3, 23, 31))
    src = src.astype(np.float32)
    resized = {}
    for (h, w) in [(12, 17), (40, 57), (23, 9)]:
        out = torch.nn.functional.interpolate(torch.from_numpy(src)[None], size=(h, w), mode="bicubic", align_corners=False, antialias=True)[0]
        resized[f"{h}x{w}"] = [round(float(v), 7) for v in out.numpy().ravel()]
    expected["bicubic"] = {"source": [round(float(v), 7) for v in src.ravel()], "shape": [3, 23, 31], "outputs": resized}
    write_expected(OUT, expected)


if __name__ == "__main__":
    main()
