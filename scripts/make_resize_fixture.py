#!/usr/bin/python3
"""Generates tests/FreqProbe.Core.Tests/Fixtures/resize_pil.json with PIL and torchvision (Debian python3-pil,
python3-torchvision):

    /usr/bin/python3 scripts/make_resize_fixture.py

A seeded 53x37 RGB picture (noise over a gradient, so that every tap weight shows) resized by PIL's Image.resize with
BILINEAR and BICUBIC to smaller and larger sizes, and a seeded 131x97 picture through torchvision's evaluation
transform Resize(s) + CenterCrop(c) on the PIL image, for (s, c) = (64, 56) and (40, 40). Outputs are H x W x 3 bytes.
Never regenerate this to make a failing test pass.
"""
import json
import os

import numpy as np
from PIL import Image
from torchvision import transforms

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "FreqProbe.Core.Tests", "Fixtures", "resize_pil.json")


def picture(rng, w, h):
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x * 255 // w, y * 255 // h, (x + y) * 255 // (w + h)], -1)
    return (base + rng.integers(-60, 60, size=(h, w, 3))).clip(0, 255).astype(np.uint8)


def main():
    rng = np.random.default_rng(20261202)
    source = picture(rng, 53, 37)
    image = Image.fromarray(source, "RGB")
    resized = {}
    for name, mode in (("bilinear", Image.BILINEAR), ("bicubic", Image.BICUBIC)):
        for w, h in ((20, 29), (31, 11), (53, 16), (90, 64), (7, 5)):
            out = np.asarray(image.resize((w, h), mode))
            resized[f"{name} {w}x{h}"] = out.reshape(-1).tolist()
    crop_source = picture(rng, 131, 97)
    crops = {}
    for s, c in ((64, 56), (40, 40)):
        t = transforms.Compose([transforms.Resize(s), transforms.CenterCrop(c)])
        crops[f"{s} {c}"] = np.asarray(t(Image.fromarray(crop_source, "RGB"))).reshape(-1).tolist()
    with open(OUT, "w") as f:
        json.dump({"source": {"width": 53, "height": 37, "rgb": source.reshape(-1).tolist()}, "resized": resized,
                   "crop_source": {"width": 131, "height": 97, "rgb": crop_source.reshape(-1).tolist()}, "crops": crops}, f)


if __name__ == "__main__":
    main()
