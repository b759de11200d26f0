#!/usr/bin/python3
"""Exports a PyTorch classifier as an ONNX model or a TorchScript archive, with the FreqProbe model card beside it.

FreqProbe evaluates any classifier exported to ONNX (run by ONNX Runtime) or saved with torch.jit (traced or scripted;
deprecated upstream from PyTorch 2.11). The card (NAME.card.json, beside NAME.onnx or NAME.pt) is the model's data config, as timm's pretrained_cfg: input size, resize (crop_pct or resize_shorter),
interpolation, mean/std or "none" (the model normalises inside forward), number of classes and label space.

Needs PyTorch (Debian: apt-get install python3-torch python3-torchvision; timm optional). Not run in CI.

    # a torchvision classifier by name, with its weights enum (or none for random weights), as ONNX
    export_model.py torchvision:resnet50 --weights IMAGENET1K_V2 --format onnx --out resnet50-v2.onnx
    # the same as a TorchScript archive (the default format, for the archives made before ONNX)
    export_model.py torchvision:resnet50 --weights IMAGENET1K_V2 --out resnet50-v2.pt
    # a timm model by name (timm installed); the card comes from its pretrained_cfg
    export_model.py timm:convnext_tiny --pretrained --out convnext_tiny.pt
    # your own nn.Module: FILE.py:CLASS, its state dict, and the card fields it cannot know
    export_model.py my_net.py:Net --state-dict net.pth --input-size 32 --mean 0.4914,0.4822,0.4465 \
        --std 0.2470,0.2435,0.2616 --num-classes 10 --label-space cifar10 --out net.pt
    # RobustBench: models take [0,1] images and normalise themselves
    export_model.py robustbench:Carmon2019Unlabeled --dataset cifar10 --threat-model Linf --out carmon.pt

TorchScript: it traces by default (--script scripts; --freeze freezes, for a faster fp32-only archive). ONNX: torch.onnx.export
at opset 17 with a symbolic batch (input "images" [N, 3, H, W], output "logits" [N, classes]), constants folded
(BatchNorm into convolutions). Either way it checks the exported file against eager PyTorch on a random batch before
writing: TorchScript in PyTorch itself, ONNX in the ONNX Runtime that FreqProbe runs it with (scripts/freqprobe
check-export; Debian has no onnxruntime for Python). It writes both files atomically. Exit status 2 on bad arguments or
a failed check.
"""
import argparse
import datetime
import hashlib
import importlib.util
import json
import os
import sys
import subprocess
import tempfile

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
INTERPOLATIONS = ("bilinear", "bicubic")


class ExportError(Exception):
    """A bad argument or a failed check: printed as one line, exit status 2."""


def parse_triple(text, name):
    if text is None:
        return None
    if text == "none":
        return "none"
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) != 3:
        raise ExportError(f"--{name}: '{text}' is not three numbers 'r,g,b' in [0,1] units, or none")
    return values


def torchvision_model(name, weights):
    import torchvision

    try:
        builder = torchvision.models.get_model_builder(name) if hasattr(torchvision.models, "get_model_builder") else getattr(torchvision.models, name)
    except (AttributeError, ValueError) as e:
        raise ExportError(f"torchvision has no model '{name}'") from e
    if weights in (None, "none"):
        model = builder(weights=None)
        return model, {"input_size": 224, "resize_shorter": 256, "interpolation": "bilinear", "mean": IMAGENET_MEAN, "std": IMAGENET_STD,
                       "num_classes": 1000, "label_space": "imagenet", "source": f"torchvision:{name} (random weights)"}
    enum = torchvision.models.get_model_weights(name) if hasattr(torchvision.models, "get_model_weights") else None
    try:
        chosen = enum[weights] if enum is not None else weights
    except KeyError as e:
        raise ExportError(f"--weights: torchvision has no weights '{weights}' for {name}; expected one of {', '.join(w.name for w in enum)}") from e
    try:
        model = builder(weights=chosen)
    except OSError as e:  # urllib's URLError too: no network, or no cached file
        raise ExportError(f"cannot get the {chosen} weights ({e}); put the file in torch's hub cache "
                          f"({torch.hub.get_dir()}/checkpoints) or run where there is network") from e
    t = chosen.transforms()
    crop = t.crop_size[0] if isinstance(t.crop_size, (list, tuple)) else t.crop_size
    resize = t.resize_size[0] if isinstance(t.resize_size, (list, tuple)) else t.resize_size
    interpolation = str(t.interpolation).split(".")[-1].lower()
    return model, {"input_size": crop, "resize_shorter": resize, "interpolation": interpolation, "mean": list(t.mean), "std": list(t.std),
                   "num_classes": len(chosen.meta["categories"]), "label_space": "imagenet", "source": f"torchvision:{name} {chosen}"}


def timm_model(name, pretrained):
    try:
        import timm
    except ImportError as e:
        raise ExportError("timm is not installed (pip install timm)") from e
    model = timm.create_model(name, pretrained=pretrained)
    cfg = getattr(model, "pretrained_cfg", None) or getattr(model, "default_cfg", {})
    size = cfg.get("input_size", (3, 224, 224))[-1]
    return model, {"input_size": size, "crop_pct": cfg.get("crop_pct", 0.875), "interpolation": cfg.get("interpolation", "bicubic"),
                   "mean": list(cfg.get("mean", IMAGENET_MEAN)), "std": list(cfg.get("std", IMAGENET_STD)),
                   "num_classes": cfg.get("num_classes", model.num_classes), "label_space": "imagenet",
                   "source": f"timm:{name}{' pretrained' if pretrained else ''}"}


def robustbench_model(name, dataset, threat_model):
    try:
        from robustbench.utils import load_model
    except ImportError as e:
        raise ExportError("robustbench is not installed (pip install git+https://github.com/RobustBench/robustbench)") from e
    model = load_model(model_name=name, dataset=dataset, threat_model=threat_model)
    size, classes = (32, 10) if dataset == "cifar10" else (32, 100) if dataset == "cifar100" else (224, 1000)
    card = {"input_size": size, "mean": "none", "std": "none", "num_classes": classes, "label_space": dataset if dataset != "cifar100" else None,
            "source": f"robustbench:{name} ({dataset}, {threat_model})"}
    if dataset == "imagenet":
        card.update({"resize_shorter": 256, "interpolation": "bilinear"})
    return model, card


def user_model(spec, state_dict):
    path, _, class_name = spec.rpartition(":")
    if not path.endswith(".py") or not os.path.isfile(path) or not class_name:
        raise ExportError(f"'{spec}': expected torchvision:NAME, timm:NAME, robustbench:NAME or FILE.py:CLASS with an existing FILE.py")
    module_spec = importlib.util.spec_from_file_location("user_model", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    if not hasattr(module, class_name):
        raise ExportError(f"'{path}' defines no '{class_name}'")
    model = getattr(module, class_name)()
    if state_dict:
        # weights_only where this PyTorch has it: a state dict needs no arbitrary unpickling.
        try:
            state = torch.load(state_dict, map_location="cpu", weights_only=True)
        except TypeError:
            state = torch.load(state_dict, map_location="cpu")
        for key in ("state_dict", "model"):
            if isinstance(state, dict) and isinstance(state.get(key), dict):
                state = state[key]
        model.load_state_dict(state)
    return model, {"source": f"{path}:{class_name}" + (f" with {state_dict}" if state_dict else " (its own initial weights)")}


def current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def onnx_export(model, example, path, opset):
    """torch.onnx.export with a symbolic batch; the graph is checked by onnx.checker when onnx is installed."""
    torch.onnx.export(model, example[:1], path, opset_version=opset, input_names=["images"], output_names=["logits"],
                      dynamic_axes={"images": {0: "N"}, "logits": {0: "N"}}, do_constant_folding=True)
    try:
        import onnx
    except ImportError:
        return
    onnx.checker.check_model(path)


def onnx_runtime_logits(path, example, classes):
    """The logits ONNX Runtime gives for `example`, computed by FreqProbe (scripts/freqprobe check-export)."""
    with tempfile.TemporaryDirectory() as scratch:
        images = os.path.join(scratch, "images.f32")
        logits = os.path.join(scratch, "logits.f32")
        example.contiguous().numpy().astype("<f4").tofile(images)
        command = [os.path.join(ROOT, "scripts", "freqprobe"), "check-export", path, images, str(example.shape[0]), str(example.shape[2]),
                   str(classes), logits]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise ExportError(f"ONNX Runtime cannot run the exported file: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
        import numpy
        values = numpy.fromfile(logits, dtype="<f4").reshape(example.shape[0], classes)
        return torch.from_numpy(values.copy())


def export(model, card, out, script=False, batch=4, seed=0, tolerance=1e-4, name=None, allow_constant=False, freeze=False, fmt="torchscript", opset=17):
    """Exports `model` (eval mode) to `out` with its card; raises ExportError when the exported file disagrees with eager PyTorch."""
    missing = [f for f in ("input_size", "mean", "std", "num_classes") if card.get(f) is None]
    if missing:
        raise ExportError(f"the card needs {', '.join(missing)}; pass --{' --'.join(m.replace('_', '-') for m in missing)}")
    if card.get("interpolation", "bilinear") not in INTERPOLATIONS:
        raise ExportError(f"interpolation '{card['interpolation']}' is not one of {', '.join(INTERPOLATIONS)}")
    model = model.eval()
    size = card["input_size"]
    generator = torch.Generator().manual_seed(seed)
    example = torch.rand(batch, 3, size, size, generator=generator)
    if card["mean"] != "none":
        example = (example - torch.tensor(card["mean"]).view(1, 3, 1, 1)) / torch.tensor(card["std"]).view(1, 3, 1, 1)
    # torch.jit.trace records cuDNN's allow_tf32 flag (True by default) in every convolution it writes, and a GPU then
    # runs those convolutions in TF32 whatever the caller asks: trace with it off, so that fp32 means fp32 on a GPU.
    torch.backends.cudnn.allow_tf32 = False
    with torch.no_grad():
        eager = model(example)
        if not isinstance(eager, torch.Tensor) or eager.dim() != 2 or eager.shape[1] != card["num_classes"]:
            shape = list(eager.shape) if isinstance(eager, torch.Tensor) else type(eager).__name__
            raise ExportError(f"the model returns {shape}; expected logits [N, {card['num_classes']}]")
    if fmt == "onnx":
        return export_onnx(model, card, out, example, eager, tolerance, name, allow_constant, opset, batch)
    with torch.no_grad():
        exported = torch.jit.script(model) if script else torch.jit.trace(model, example[:1], check_trace=False)
        exported = exported.eval()
        if freeze:
            # Inlines the weights as constants (and folds BatchNorm into convolutions): faster in fp32, but FreqProbe can then
            # neither cast it to bf16/fp16 nor read its kernels. Never optimize_for_inference: its MKLDNN constants do not load.
            exported = torch.jit.freeze(exported)
        again = exported(example)
    difference = (again - eager).abs().max().item()
    scale = max(1.0, eager.abs().max().item())
    if not difference <= tolerance * scale:
        raise ExportError(f"the {'scripted' if script else 'traced'} archive differs from eager PyTorch by {difference:.3g} "
                          f"(tolerance {tolerance * scale:.3g}); try {'tracing' if script else '--script'}")
    if not allow_constant and (again.max(1).values - again.min(1).values).max().item() == 0:
        raise ExportError("the archive gives the same logits for every class and input (a zero-initialised head?)")

    folder = os.path.dirname(os.path.abspath(out))
    os.makedirs(folder, exist_ok=True)
    stem = os.path.splitext(os.path.basename(out))[0]
    # Saved under its final file name in a private folder, so that the archive's inner folder is named after it.
    with tempfile.TemporaryDirectory(dir=folder, prefix=f".{stem}.") as scratch:
        temporary = os.path.join(scratch, os.path.basename(out))
        torch.jit.save(exported, temporary)
        with open(temporary, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        os.chmod(temporary, 0o666 & ~current_umask())
        os.replace(temporary, out)
    method = ("torch.jit.script" if script else "torch.jit.trace") + (" + torch.jit.freeze" if freeze else "")
    card_path = write_card(card, out, folder, stem, name, digest, "torchscript", method, difference, batch)
    return difference, card_path


def write_card(card, out, folder, stem, name, digest, kind, method, difference, batch):
    """Writes NAME.card.json beside `out`, atomically; returns its path."""
    full = {
        "format": "freqprobe-model-card/1",
        "name": name or stem,
        "model": kind,
        "num_classes": card["num_classes"],
        "input_size": card["input_size"],
    }
    for field in ("resize_shorter", "crop_pct"):
        if card.get(field) is not None:
            full[field] = card[field]
    full["interpolation"] = card.get("interpolation", "bilinear")
    full["mean"] = card["mean"]
    full["std"] = card["std"]
    if card.get("label_space"):
        full["label_space"] = card["label_space"]
    full.update({
        "weights_file": os.path.basename(out),
        "weights_sha256": digest,
        "export": {"method": method, "source": card.get("source", ""),
                   "check_max_abs_diff": difference, "check_batch": batch},
        "versions": {"torch": torch.__version__},
        "created_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    })
    card_path = os.path.join(folder, stem + ".card.json")
    with tempfile.NamedTemporaryFile("w", dir=folder, prefix=f".{stem}.", suffix=".json", delete=False) as handle:
        json.dump(full, handle, indent=2)
        handle.write("\n")
    os.chmod(handle.name, 0o666 & ~current_umask())
    os.replace(handle.name, card_path)
    return card_path


def export_onnx(model, card, out, example, eager, tolerance, name, allow_constant, opset, batch):
    """torch.onnx.export to `out`, checked in ONNX Runtime against `eager` before it replaces anything."""
    folder = os.path.dirname(os.path.abspath(out))
    os.makedirs(folder, exist_ok=True)
    stem = os.path.splitext(os.path.basename(out))[0]
    with tempfile.TemporaryDirectory(dir=folder, prefix=f".{stem}.") as scratch:
        temporary = os.path.join(scratch, os.path.basename(out))
        # With gradients enabled: nn.MultiheadAttention's inference fast path (aten::_native_multi_head_attention, which
        # has no ONNX form) is taken only without them.
        with torch.enable_grad():
            onnx_export(model, example, temporary, opset)
        if os.listdir(scratch) != [os.path.basename(out)]:
            raise ExportError("the model's weights went to external data files (over 2 GiB); export it by hand with onnx.save(..., save_as_external_data=True)")
        again = onnx_runtime_logits(temporary, example, card["num_classes"])
        difference = (again - eager).abs().max().item()
        scale = max(1.0, eager.abs().max().item())
        if not difference <= tolerance * scale:
            raise ExportError(f"the ONNX model differs from eager PyTorch by {difference:.3g} in ONNX Runtime (tolerance {tolerance * scale:.3g})")
        if not allow_constant and (again.max(1).values - again.min(1).values).max().item() == 0:
            raise ExportError("the ONNX model gives the same logits for every class and input (a zero-initialised head?)")
        with open(temporary, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        os.chmod(temporary, 0o666 & ~current_umask())
        os.replace(temporary, out)
    card_path = write_card(card, out, folder, stem, name, digest, "onnx", f"torch.onnx.export opset {opset}", difference, batch)
    return difference, card_path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("model", help="torchvision:NAME, timm:NAME, robustbench:NAME or FILE.py:CLASS")
    parser.add_argument("--out", required=True, help="the file to write (NAME.onnx or NAME.pt); the card goes to NAME.card.json beside it")
    parser.add_argument("--format", choices=("torchscript", "onnx"), default="torchscript", help="onnx (run by ONNX Runtime) or torchscript (default)")
    parser.add_argument("--opset", type=int, default=17, help="ONNX opset (default 17)")
    parser.add_argument("--script", action="store_true", help="torch.jit.script instead of torch.jit.trace")
    parser.add_argument("--weights", help="torchvision weights enum name, e.g. IMAGENET1K_V1, or none for random weights (default DEFAULT)", default="DEFAULT")
    parser.add_argument("--pretrained", action="store_true", help="timm: load the pretrained weights")
    parser.add_argument("--state-dict", help="FILE.py:CLASS: a state dict (.pth) to load into it")
    parser.add_argument("--dataset", default="cifar10", help="robustbench: cifar10, cifar100 or imagenet")
    parser.add_argument("--threat-model", default="Linf", help="robustbench: Linf, L2 or corruptions")
    parser.add_argument("--input-size", type=int)
    parser.add_argument("--resize-shorter", type=int)
    parser.add_argument("--crop-pct", type=float)
    parser.add_argument("--interpolation", choices=INTERPOLATIONS)
    parser.add_argument("--mean", help="r,g,b in [0,1] units, or none when the model normalises itself")
    parser.add_argument("--std", help="r,g,b in [0,1] units, or none")
    parser.add_argument("--num-classes", type=int)
    parser.add_argument("--label-space", help="imagenet, cifar10, or a class-list file")
    parser.add_argument("--check-batch", type=int, default=4)
    parser.add_argument("--tolerance", type=float, default=1e-4, help="largest allowed |exported - eager| relative to max(1, max|logit|)")
    parser.add_argument("--freeze", action="store_true",
                        help="torch.jit.freeze the archive: BatchNorm folded, faster fp32 forward; but fp32 only and no kernel spectra")
    parser.add_argument("--seed", type=int, default=0, help="torch.manual_seed before the model is built (random weights) and for the check batch")
    parser.add_argument("--allow-constant", action="store_true",
                        help="export even when every logit is the same (torchvision's ViT with random weights has a zero head): for speed tests only")
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)
    try:
        kind, _, name = args.model.partition(":")
        if kind == "torchvision":
            model, card = torchvision_model(name, args.weights)
        elif kind == "timm":
            model, card = timm_model(name, args.pretrained)
        elif kind == "robustbench":
            model, card = robustbench_model(name, args.dataset, args.threat_model)
        else:
            model, card = user_model(args.model, args.state_dict)
        given = {"input_size": args.input_size, "resize_shorter": args.resize_shorter, "crop_pct": args.crop_pct, "interpolation": args.interpolation,
                 "mean": parse_triple(args.mean, "mean"), "std": parse_triple(args.std, "std"), "num_classes": args.num_classes,
                 "label_space": args.label_space}
        card.update({k: v for k, v in given.items() if v is not None})
        if (card.get("mean") == "none") != (card.get("std") == "none"):
            raise ExportError("--mean and --std must both be none or both be numbers")
        difference, card_path = export(model, card, args.out, script=args.script, batch=args.check_batch, seed=args.seed,
                                     tolerance=args.tolerance, allow_constant=args.allow_constant, freeze=args.freeze,
                                     fmt=args.format, opset=args.opset)
    except ExportError as e:
        print(f"export_model: error: {e}", file=sys.stderr)
        return 2
    how = "ONNX, checked in ONNX Runtime" if args.format == "onnx" else "scripted" if args.script else "traced"
    print(f"wrote {args.out} and {card_path} ({how}; max |exported - eager| = {difference:.3g})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
