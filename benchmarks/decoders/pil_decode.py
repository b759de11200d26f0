#!/usr/bin/python3
"""PIL's side of benchmarks/decoders: decode to RGB, and torchvision's eval transform (Resize(256) antialiased bilinear,
CenterCrop(224), ToTensor), one thread, every file once as warm-up, then the median of 3 passes.
    /usr/bin/python3 benchmarks/decoders/pil_decode.py [DIR]"""
import io, os, statistics, sys, time
import torch
from PIL import Image
from torchvision import transforms

torch.set_num_threads(1)
folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "imagenet-sample", "val")
files = sorted(os.path.join(r, f) for r, _, fs in os.walk(folder) for f in fs)
data = [open(f, "rb").read() for f in files]
eval_transform = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor()])
for name, work in [("PIL decode to RGB", lambda b: Image.open(io.BytesIO(b)).convert("RGB").load()),
                   ("PIL + torchvision Resize(256) CenterCrop(224) ToTensor", lambda b: eval_transform(Image.open(io.BytesIO(b)).convert("RGB")))]:
    for b in data:
        work(b)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        for b in data:
            work(b)
        times.append(time.perf_counter() - start)
    print(f"{name:56} {len(data) / statistics.median(times):8.1f} images/s per thread")
