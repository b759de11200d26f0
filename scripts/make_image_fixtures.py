#!/usr/bin/python3
"""Generates the unusual-image fixtures in tests/FreqProbe.Core.Tests/Fixtures/images with PIL (Debian python3-pil).

    /usr/bin/python3 scripts/make_image_fixtures.py

Small (24x16) files of the kinds a decoder meets in ImageNet and in users' folders: a CMYK JPEG, a grayscale JPEG, a
progressive JPEG, a JPEG with EXIF orientation 6, a 16-bit grayscale PNG, an RGBA PNG, a palette PNG, and a plain
RGB PNG (the test copies it under a .JPEG name, as ImageNet's train set has one). The colour JPEGs keep full-
resolution chroma (4:4:4), so that the tests see progressive decoding and orientation rather than decoders'
different chroma upsampling at the sharp edge. expected.json holds what torchvision's evaluation sees of each:
`Image.open(f).convert("RGB")` (no EXIF rotation, PIL's own conversions), as H x W x 3 bytes, and for the 16-bit PNG
also the 8-bit picture it was made from. Never regenerate these to make a failing test pass.
"""
import json
import os

import numpy as np
from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "FreqProbe.Core.Tests", "Fixtures", "images")
W, H = 24, 16


def picture():
    """A smooth colour picture with a sharp diagonal edge, so that colour conversions and orientation both show."""
    y, x = np.mgrid[0:H, 0:W]
    r = 40 + 8 * x
    g = 30 + 12 * y
    b = np.where(x > y + 4, 220, 35)
    return np.stack([r, g, b], -1).clip(0, 255).astype(np.uint8)


def main():
    os.makedirs(OUT, exist_ok=True)
    rgb = Image.fromarray(picture(), "RGB")
    files = {
        "cmyk.jpg": lambda p: rgb.convert("CMYK").save(p, quality=95),
        "gray.jpg": lambda p: rgb.convert("L").save(p, quality=95),
        "progressive.jpg": lambda p: rgb.save(p, quality=95, progressive=True, subsampling=0),
        "palette.png": lambda p: rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=16).save(p),
        "rgb.png": lambda p: rgb.save(p),
    }
    for name, write in files.items():
        write(os.path.join(OUT, name))
    # EXIF orientation 6 (rotate 90 degrees clockwise to display); PIL, and so torchvision, ignores it when decoding.
    exif = Image.Exif()
    exif[0x0112] = 6
    rgb.save(os.path.join(OUT, "exif-orientation-6.jpg"), quality=95, exif=exif, subsampling=0)
    # 16-bit grayscale: PIL opens it as mode I;16 / I and convert("RGB") clips the 16-bit values at 255.
    gray16 = (np.asarray(rgb.convert("L"), dtype=np.uint16) * 257).astype(np.uint16)
    Image.fromarray(gray16, "I;16").save(os.path.join(OUT, "gray16.png"))
    # RGBA: convert("RGB") drops alpha (no compositing onto a background).
    rgba = np.dstack([picture(), np.tile(np.linspace(0, 255, W, dtype=np.uint8), (H, 1))])
    Image.fromarray(rgba, "RGBA").save(os.path.join(OUT, "rgba.png"))

    expected = {}
    for name in sorted(os.listdir(OUT)):
        if name == "expected.json":
            continue
        with Image.open(os.path.join(OUT, name)) as image:
            expected[name] = {"mode": image.mode, "format": image.format, "size": list(image.size),
                              "rgb": np.asarray(image.convert("RGB")).ravel().tolist()}
    # PIL's convert("RGB") clips 16-bit values at 255 (a nearly white picture); FreqProbe scales them to 8 bits (v >> 8),
    # which gives back the 8-bit picture they were made from.
    expected["gray16.png"]["scaled"] = np.repeat(np.asarray(rgb.convert("L"))[..., None], 3, -1).ravel().tolist()
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump({"pil": Image.__version__, "width": W, "height": H, "images": expected}, f)
    for name, e in expected.items():
        print(f"{name}: {e['format']} {e['mode']} {e['size']}, {os.path.getsize(os.path.join(OUT, name))} bytes")


if __name__ == "__main__":
    main()
