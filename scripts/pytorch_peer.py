#!/usr/bin/python3
"""The PyTorch peer of a FreqProbe low-pass sweep: a plain evaluation loop with Debian's python3-torch.

It does what `freqprobe lowpass` does, the way the HFC reference code does it: for every radius, each batch is
filtered on its own (centred fft2, ideal circular mask d < r per CONVENTIONS.md, inverse, real part) in [0, 1] pixel
space, normalised and classified; the unfiltered batch is the baseline. Two workloads:

- cifar10:  cifar-resnet20 on CIFAR-10 binary batches (weights: FreqProbe's .safetensors);
- imagenet: torchvision's resnet50 on an ImageNet-style folder (wnid sub-folders), decoded with PIL in the loop,
            shorter side to 256 (antialiased bilinear), centre crop 224 (weights: a torchvision .pth, or random).

It prints JSON with the throughput in image-settings per second (timed from model building to the last batch, like
FreqProbe's run), top-1 and the predicted classes per setting, so that the comparison script can check that both
tools agree.

    /usr/bin/python3 scripts/pytorch_peer.py --data ../shared/data/cifar10 --weights W.safetensors --images 1000 --threads 2
    /usr/bin/python3 scripts/pytorch_peer.py --dataset imagenet --data ../shared/data/imagenet-sample/val --radii 4..32:4 \
        --weights resnet50.pth --batch-size 16
    /usr/bin/python3 scripts/pytorch_peer.py --save-random-resnet50 /tmp/resnet50-random.pth   # weights both tools load
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from freqprobe_reference import CifarResNet, load_safetensors  # noqa: E402

NORMALISATION = {
    "cifar10": ([0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616]),
    "imagenet": ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
}


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


def cifar_batches(data, images, batch_size):
    raw = np.fromfile(os.path.join(data, "test_batch.bin"), dtype=np.uint8).reshape(-1, 3073)[:images]
    for first in range(0, len(raw), batch_size):
        chunk = raw[first : first + batch_size]
        x = torch.from_numpy(chunk[:, 1:].reshape(-1, 3, 32, 32).astype(np.float32) / 255.0)
        yield x, torch.from_numpy(chunk[:, 0].astype(np.int64))


def imagenet_batches(data, images, batch_size):
    from PIL import Image
    import torchvision.transforms.functional as TF

    wnids = sorted(d for d in os.listdir(data) if os.path.isdir(os.path.join(data, d)))
    classes = wnids
    synsets = os.path.join(os.path.dirname(os.path.abspath(data)), "synsets.txt")
    if os.path.exists(synsets):
        classes = [line.split()[0] for line in open(synsets) if line.strip()]
    files = [(os.path.join(data, w, f), classes.index(w)) for w in wnids for f in sorted(os.listdir(os.path.join(data, w)))][:images]
    for first in range(0, len(files), batch_size):
        xs, ys = [], []
        for path, label in files[first : first + batch_size]:
            with Image.open(path) as image:
                image = TF.resize(image.convert("RGB"), 256, interpolation=TF.InterpolationMode.BILINEAR, antialias=True)
                xs.append(TF.to_tensor(TF.center_crop(image, 224)))
            ys.append(label)
        yield torch.stack(xs), torch.tensor(ys)


def build_model(name, weights):
    if name == "cifar-resnet20":
        model = CifarResNet()
        if weights:
            model.load_state_dict(load_safetensors(weights), strict=True)
    elif name == "cifar-resnet18":
        import torch.nn as nn
        import torchvision

        # torchvision's resnet18 with the CIFAR stem (CONVENTIONS.md): 3x3 stride-1 conv1, no max-pool.
        model = torchvision.models.resnet18(num_classes=10)
        model.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
        model.maxpool = nn.Identity()
        if weights:
            state = torch.load(weights, map_location="cpu")
            model.load_state_dict(state.get("state_dict", state), strict=True)
    else:
        import torchvision

        model = torchvision.models.resnet50()
        if weights:
            state = torch.load(weights, map_location="cpu")
            model.load_state_dict(state.get("state_dict", state), strict=True)
    return model.eval()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", choices=["cifar10", "imagenet"], default="cifar10")
    ap.add_argument("--data")
    ap.add_argument("--model", help="cifar-resnet20 or cifar-resnet18 (cifar10), resnet50 (imagenet); default by dataset")
    ap.add_argument("--weights")
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--radii", default="2..16:2")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--batch-size", type=int)
    ap.add_argument("--save-random-resnet50", metavar="PTH", help="write seed-0 random torchvision resnet50 weights and exit")
    ap.add_argument("--save-random-cifar-resnet18", metavar="PTH", help="write seed-0 random cifar-resnet18 weights and exit")
    args = ap.parse_args()
    if args.save_random_resnet50:
        import torchvision

        torch.manual_seed(0)
        torch.save(torchvision.models.resnet50().state_dict(), args.save_random_resnet50)
        return
    if args.save_random_cifar_resnet18:
        torch.manual_seed(0)
        torch.save(build_model("cifar-resnet18", None).state_dict(), args.save_random_cifar_resnet18)
        return
    if not args.data:
        ap.error("--data is required")
    torch.set_num_threads(args.threads)
    # Timed like FreqProbe's run (its result file's start and finish stamps): model building and loading included.
    start = time.perf_counter()
    model_name = args.model or ("cifar-resnet20" if args.dataset == "cifar10" else "resnet50")
    batch_size = args.batch_size or (64 if args.dataset == "cifar10" else 16)
    model = build_model(model_name, args.weights)
    mean_values, std_values = NORMALISATION[args.dataset]
    mean = torch.tensor(mean_values).view(1, 3, 1, 1)
    std = torch.tensor(std_values).view(1, 3, 1, 1)
    size = 32 if args.dataset == "cifar10" else 224
    radii = radii_list(args.radii)
    masks = [lowpass_mask(size, r) for r in radii]
    correct = np.zeros(len(radii) + 1, dtype=np.int64)
    batches = cifar_batches if args.dataset == "cifar10" else imagenet_batches

    predictions = [[] for _ in range(len(radii) + 1)]

    def classify(k, x, y):
        predicted = model((x - mean) / std).argmax(1)
        correct[k] += (predicted == y).sum().item()
        predictions[k] += predicted.tolist()

    n = 0
    with torch.no_grad():
        for x, y in batches(args.data, args.images, batch_size):
            n += len(y)
            classify(0, x, y)
            for k, mask in enumerate(masks):
                spectrum = torch.fft.fftshift(torch.fft.fft2(x), dim=(-2, -1)) * mask
                filtered = torch.fft.ifft2(torch.fft.ifftshift(spectrum, dim=(-2, -1))).real
                classify(k + 1, filtered, y)
    seconds = time.perf_counter() - start
    print(json.dumps({
        "tool": "pytorch-peer", "torch": torch.__version__, "model": model_name, "dataset": args.dataset,
        "threads": args.threads, "batch_size": batch_size, "images": n, "radii": radii,
        "seconds": seconds, "image_settings_per_second": n * (len(radii) + 1) / seconds,
        "top1": [c / n for c in correct], "predictions": predictions,
    }))


if __name__ == "__main__":
    main()
