#!/usr/bin/python3
"""Generates scripted TorchScript models that misbehave (issue 32 #16 and #19), for the tests that they are named right.

Run with Debian's PyTorch (apt-get install python3-torch):
    /usr/bin/python3 scripts/make_misbehaving_fixtures.py

  - loops-always: a `while True` loop in forward, so the pre-check's first forward never returns;
  - loops-on-images: loops on normalised images (all values above -2.5, as every CIFAR-normalised pixel is) unless
    they are all zeros, so the known-answer check in the verification worker (standard normal inputs, whose 3,072
    values go below -2.5) and the pre-check (blank images) return, and the first real batch never does.
  - batch-one: flattens its input to one row (x.reshape(1, -1)), so it runs on one image and fails on two;
  - returns-dict: returns {"logits": ...} instead of the logits tensor.
All are CIFAR-sized (3x32x32 in, 10 logits out) and get a card beside them.
"""
import json
import os
from typing import Dict

import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "FreqProbe.Core.Tests", "Fixtures", "torchscript")


class LoopsAlways(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 10)

    def forward(self, x):
        y = x.mean(dim=(2, 3))
        while True:
            y = y * 1.0
        return self.fc(y)


class LoopsOnImages(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 10)

    def forward(self, x):
        y = x.mean(dim=(2, 3))
        while bool(x.abs().sum() > 0) and bool(x.min() > -2.5):
            y = y * 1.0
        return self.fc(y)


class BatchOne(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3 * 32 * 32, 10)

    def forward(self, x):
        return self.fc(x.reshape(1, -1))


class ReturnsDict(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 10)

    def forward(self, x) -> Dict[str, torch.Tensor]:
        return {"logits": self.fc(x.mean(dim=(2, 3)))}


def main():
    torch.manual_seed(0)
    for name, module in (("loops-always", LoopsAlways()), ("loops-on-images", LoopsOnImages()), ("batch-one", BatchOne()),
                         ("returns-dict", ReturnsDict())):
        path = os.path.join(OUT, f"{name}.pt")
        torch.jit.script(module.eval()).save(path)
        card = {"input_size": 32, "mean": [0.4914, 0.4822, 0.4465], "std": [0.247, 0.2435, 0.2616], "num_classes": 10,
                "label_space": "cifar10", "model": "torchscript", "name": name}
        with open(os.path.join(OUT, f"{name}.card.json"), "w") as f:
            json.dump(card, f, indent=2)
            f.write("\n")
        print(path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
