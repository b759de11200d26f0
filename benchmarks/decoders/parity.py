#!/usr/bin/python3
"""Pixel parity of FreqProbe's model inputs with torchvision's PIL path, on an image folder.

    /usr/bin/python3 benchmarks/decoders/parity.py DATA_DIR CACHE_FOLDER

CACHE_FOLDER is one key folder of a FreqProbe decoded cache (inputs.u8 + index.json), built for Resize(256) +
CenterCrop(224) on DATA_DIR with the imagenet dataset order (class folders in synset order, files by name). It
compares every cached image with Image.open(f).convert("RGB") -> Resize(256) -> CenterCrop(224) as bytes: the mean and
the maximum absolute difference, and the share of values within 1 level (1/255)."""
import json, os, sys
import numpy as np
from PIL import Image
from torchvision import transforms

data, folder = sys.argv[1], sys.argv[2]
index = json.load(open(os.path.join(folder, "index.json")))
synsets = [l.split()[0] for l in open(os.path.join(os.path.dirname(data.rstrip("/")), "synsets.txt"))]
present = sorted(d for d in os.listdir(data) if os.path.isdir(os.path.join(data, d)))
files = []
for d in sorted(present, key=synsets.index):
    files += [os.path.join(data, d, f) for f in sorted(os.listdir(os.path.join(data, d)))]
inputs = np.memmap(os.path.join(folder, "inputs.u8"), dtype=np.uint8, mode="r").reshape(-1, 224, 224, 3)
t = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224)])
diffs = []
exact_images = 0
for entry in index["entries"]:
    if "bad" in entry:
        continue
    i = entry["i"]
    ref = np.asarray(t(Image.open(files[i]).convert("RGB")), dtype=np.int16)
    d = np.abs(ref - inputs[i].astype(np.int16))
    exact_images += int(d.max() == 0)
    diffs.append(d.reshape(-1))
d = np.concatenate(diffs)
print(f"{len(diffs)} images: mean |diff| {d.mean() / 255:.6f} ({d.mean():.4f} levels), max {d.max()} levels, "
      f"{100 * (d <= 1).mean():.3f}% within 1/255, {100 * (d == 0).mean():.3f}% equal; {exact_images} images identical")
