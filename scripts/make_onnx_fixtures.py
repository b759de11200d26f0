#!/usr/bin/python3
"""Generates the ONNX parity fixtures in tests/FreqProbe.Core.Tests/Fixtures/onnx.

Run with Debian's PyTorch (apt-get install python3-torch python3-torchvision python3-onnx) and a built FreqProbe
(scripts/export_model.py checks every file in FreqProbe's ONNX Runtime before writing it):
    /usr/bin/python3 scripts/make_onnx_fixtures.py [../shared/data]

Exported with torch.onnx.export (opset 17, symbolic batch) through scripts/export_model.py --format onnx:
  - tiny-vit, tiny-convnext: the CIFAR-sized torchvision models of make_torchscript_fixtures.py (the ViT's zero head
    re-drawn, BatchNorm statistics re-drawn);
  - tiny-bottleneck: a ResNet of torchvision Bottleneck blocks (16 -> 32 -> 64 channels, one strided with a 1x1
    downsample) with a re-drawn, non-trivial head: for CIFAR-10 (32 px, 10 classes) and, as tiny-bottleneck-imagenet,
    for ImageNet (resize 256, crop 224, 1000 classes).
expected.json holds per model the logits on a fixed input (x[i] = frac(0.618034 i), normalised with the card) and the
eager predictions on the first 16 images of the real data: CIFAR-10 test images, or the first 16 files of the ImageNet
sample (PIL: shorter side to 256, bilinear, antialiased; centre crop 224, as scripts/pytorch_peer.py), unfiltered and
after an ideal circular low-pass at r = 4 and 8 (32 px) or r = 8 and 16 (224 px), with the smallest top-2 margin.
Never regenerate these to make a failing test pass.
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torchvision
from torchvision.models.resnet import Bottleneck

sys.path.insert(0, os.path.dirname(__file__))
from export_model import export  # noqa: E402
from make_fixtures import hfc_filter  # noqa: E402
from make_torchscript_fixtures import CIFAR_MEAN, CIFAR_STD, cifar_images, redraw_norm_statistics, tiny_convnext, tiny_vit, write_expected  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "FreqProbe.Core.Tests", "Fixtures", "onnx")
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
IMAGES = 16


class TinyBottleneckNet(nn.Module):
    """A stem, two torchvision Bottleneck blocks (the second strided, with a 1x1 downsample), pooling and a head."""

    def __init__(self, classes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = Bottleneck(16, 8, downsample=nn.Sequential(nn.Conv2d(16, 32, 1, bias=False), nn.BatchNorm2d(32)))
        self.layer2 = Bottleneck(32, 16, stride=2, downsample=nn.Sequential(nn.Conv2d(32, 64, 1, stride=2, bias=False), nn.BatchNorm2d(64)))
        self.fc = nn.Linear(64, classes)
        nn.init.normal_(self.fc.weight, std=0.5)
        nn.init.normal_(self.fc.bias, std=0.1)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = self.layer2(self.layer1(x))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


def imagenet_images(folder):
    from PIL import Image
    import torchvision.transforms.functional as TF

    data = os.path.join(folder, "imagenet-sample", "val")
    if not os.path.isdir(data):
        return None, None
    synsets = os.path.join(folder, "imagenet-sample", "synsets.txt")
    wnids = sorted(d for d in os.listdir(data) if os.path.isdir(os.path.join(data, d)))
    classes = [line.split()[0] for line in open(synsets) if line.strip()] if os.path.exists(synsets) else wnids
    files = [(os.path.join(data, w, f), classes.index(w)) for w in wnids for f in sorted(os.listdir(os.path.join(data, w)))][:IMAGES]
    xs = []
    for path, _ in files:
        with Image.open(path) as image:
            image = TF.resize(image.convert("RGB"), 256, interpolation=TF.InterpolationMode.BILINEAR, antialias=True)
            xs.append(TF.to_tensor(TF.center_crop(image, 224)).double().numpy())
    return np.array([label for _, label in files]), np.stack(xs)


def predictions(model, images01, mean, std):
    x = torch.from_numpy(images01.astype(np.float32))
    x = (x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)
    with torch.no_grad():
        logits = model(x).double()
    top2 = logits.topk(2, 1).values
    return logits.argmax(1).tolist(), float((top2[:, 0] - top2[:, 1]).min())


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
    os.makedirs(OUT, exist_ok=True)
    cifar_labels, cifar = cifar_images(os.path.join(shared, "cifar10"))
    imagenet_labels, imagenet = imagenet_images(shared)
    cifar_card = {"input_size": 32, "interpolation": "bilinear", "mean": CIFAR_MEAN, "std": CIFAR_STD, "num_classes": 10, "label_space": "cifar10"}
    imagenet_card = {"input_size": 224, "resize_shorter": 256, "interpolation": "bilinear", "mean": IMAGENET_MEAN, "std": IMAGENET_STD,
                     "num_classes": 1000, "label_space": "imagenet"}
    expected = {"input": "x[i] = frac(0.618034 i) in float64, then float32, shape [4,3,S,S]; the model sees (x - mean) / std",
                "images": IMAGES, "torch": torch.__version__, "torchvision": torchvision.__version__, "models": {}}
    models = [("tiny-vit", tiny_vit, cifar_card, [4, 8]), ("tiny-convnext", tiny_convnext, cifar_card, [4, 8]),
              ("tiny-bottleneck", lambda: TinyBottleneckNet(10, 1), cifar_card, [4, 8]),
              ("tiny-bottleneck-imagenet", lambda: TinyBottleneckNet(1000, 2), imagenet_card, [8, 16])]
    for index, (name, build, card, radii) in enumerate(models):
        torch.manual_seed(500 + index)
        model = build().eval()
        redraw_norm_statistics(model, torch.Generator().manual_seed(600 + index))
        out = os.path.join(OUT, name + ".onnx")
        difference, _ = export(model, dict(card, source=f"scripts/make_onnx_fixtures.py:{name}"), out, fmt="onnx")
        size = card["input_size"]
        x = torch.from_numpy(((np.arange(4 * 3 * size * size, dtype=np.float64) * 0.618034) % 1.0).reshape(4, 3, size, size).astype(np.float32))
        x = (x - torch.tensor(card["mean"]).view(1, 3, 1, 1)) / torch.tensor(card["std"]).view(1, 3, 1, 1)
        with torch.no_grad():
            logits = model(x)
        entry = {"logits": [[float(v) for v in row] for row in logits.tolist()], "export_max_abs_diff": difference, "bytes": os.path.getsize(out),
                 "dataset": "cifar10" if size == 32 else "imagenet", "radii": radii}
        labels, images = (cifar_labels, cifar) if size == 32 else (imagenet_labels, imagenet)
        if images is not None:
            entry["labels"] = labels.tolist()
            clean, margin = predictions(model, images, card["mean"], card["std"])
            entry["predictions"] = {"none": clean}
            margins = [margin]
            for r in radii:
                entry["predictions"][f"lowpass:{r}"], m = predictions(model, hfc_filter(images, "lowpass", r), card["mean"], card["std"])
                margins.append(m)
            entry["smallest_top2_margin"] = min(margins)
        expected["models"][name] = entry
        print(f"{name}: {os.path.getsize(out)} bytes, export check {difference:.2g}, smallest top-2 margin {entry.get('smallest_top2_margin', float('nan')):.3g}")
    write_expected(OUT, expected)


if __name__ == "__main__":
    main()
