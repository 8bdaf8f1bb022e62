"""How zoo's catalogue commands grow with the catalogue: 1k, 10k and 100k model entries.

Generates valid catalogues modelled on registry.yaml (builder vision:timm, task
image-classification, top1/top5 on imagenet-1k with their sources and protocol,
params, licence, tags; unique names) in a temporary folder, then measures each
command as a whole process, wall time and peak RSS (os.wait4 of that child),
best of N, in one run, against two baselines:

  bare start      python -c "import click, pluggy, yaml"   (the core's own imports)
  bundled         the same zoo command on the bundled catalogue only

Commands, per size (entries in one generated JSON Lines file, the format for
generated catalogues; see docs/catalogue.md):

  list            zoo --registry FILE list --task image-classification --sort top1 --top 20
  info            zoo --registry FILE info NAME
  validate        zoo validate FILE
  list (rebuild)  the list command just after the catalogue changed (the index is rebuilt)

and, at --compare-size entries (10k by default), YAML against JSON Lines for
list and validate. Each size gets its own ZOO_CACHE, so "list" runs on a warm index.
Targets at 100k (issue 12): list <= 0.5 s and <= 250 MB, info <= 0.3 s,
list after a change <= 20 s, validate <= 60 s.

Usage: python benchmarks/catalogue_scale.py [--sizes 1000,10000,100000] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

SOURCE = ("https://github.com/huggingface/pytorch-image-models/blob/0173a139a2c66db3a41ebfe1d8ac4fb02483642e/"
          "results/results-imagenet.csv")
ARCHS = ("resnet", "mobilenetv2", "deit_tiny_patch16", "efficientnet", "convnext", "vit_small_patch16", "regnety")
LICENCES = ("Apache-2.0", "BSD-3-Clause", "MIT", "CC-BY-NC-4.0")
ZOO = [sys.executable, "-m", "zoo"]
BARE = [sys.executable, "-c", "import click, pluggy, yaml"]


def entries(count: int, seed: int = 0) -> Iterator[dict[str, Any]]:
    """``count`` valid, distinct catalogue entries, shaped like registry.yaml's."""
    rng = random.Random(seed)
    for index in range(count):
        arch = ARCHS[index % len(ARCHS)]
        name = f"{arch}{index // len(ARCHS)}.synthetic_in1k"
        top1 = round(rng.uniform(0.55, 0.90), 5)
        protocol = {"input_size": rng.choice((224, 256, 288)), "crop_pct": rng.choice((0.875, 0.9, 0.95, 1.0)),
                    "interpolation": rng.choice(("bicubic", "bilinear")), "evaluated_by": "timm validate.py"}
        yield {
            "name": name,
            "builder": "vision:timm",
            "task": "image-classification",
            "args": {"model_name": name},
            "weights": {"uri": f"timm:{name}", "format": "safetensors"},
            "license": LICENCES[index % len(LICENCES)],
            "params": rng.randrange(1_000_000, 300_000_000),
            "tags": [arch.split("_")[0], "cnn" if index % 2 else "transformer", "imagenet-1k", "hub-weights"],
            "source": f"https://huggingface.co/timm/{name}",
            "paper": "https://arxiv.org/abs/1512.03385",
            "default_dataset": "imagenet-1k",
            "description": f"A generated {arch} variant for scale measurements; {protocol['input_size']}px eval",
            "reported": [
                {"metric": metric, "value": value, "dataset": "imagenet-1k", "split": "validation",
                 "dataset_args": {"root": "PATH"}, "source": SOURCE, "protocol": dict(protocol)}
                for metric, value in (("top1", top1), ("top5", round(min(0.999, top1 + rng.uniform(0.08, 0.12)), 5)))
            ],
        }


def write_jsonl(path: Path, count: int) -> Path:
    with open(path, "w", encoding="utf-8") as out:
        for entry in entries(count):
            out.write(json.dumps(entry, separators=(",", ":")) + "\n")
    return path


def write_yaml(path: Path, count: int) -> Path:
    with open(path, "w", encoding="utf-8") as out:
        out.write("version: 1\nmodels:\n")
        for entry in entries(count):
            out.write(yaml.safe_dump([entry], sort_keys=False, width=200))
    return path


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit status) of one whole process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    stderr = process.stderr.read().decode() if process.stderr else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0 and "validate" not in command:
        sys.exit(f"{' '.join(command)} failed ({process.returncode}): {stderr.strip()[-2000:]}")
    return wall, usage.ru_maxrss / 1024, process.returncode


def best(command: list[str], env: dict[str, str], repeat: int) -> tuple[float, float]:
    runs = [measure(command, env) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs)


def supports_sort(env: dict[str, str]) -> bool:
    probe = subprocess.run([*ZOO, "list", "--help"], env=env, capture_output=True, text=True)
    return "--sort" in probe.stdout


def commands(catalogue: Path | None, name: str, sort: bool) -> dict[str, list[str]]:
    registry = ["--registry", str(catalogue)] if catalogue else []
    listing = [*ZOO, *registry, "list", "--task", "image-classification"]
    if sort:
        listing += ["--sort", "top1", "--top", "20"]
    return {"list": listing, "info": [*ZOO, *registry, "info", name],
            "validate": [*ZOO, "validate", *([str(catalogue)] if catalogue else [])]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated entry counts")
    parser.add_argument("--repeat", type=int, default=3, help="best of N for list and info (validate: once)")
    parser.add_argument("--compare-size", type=int, default=10000, help="YAML vs JSON Lines at this size (0: skip)")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "ZOO_CACHE": str(folder / "cache-bundled")}
        sort = supports_sort(env)
        rows: list[tuple[str, str, float, float]] = []
        bare = best(BARE, env, args.repeat)
        rows.append(("bare start", "-", *bare))
        for what, command in commands(None, "resnet18.tv_in1k", sort).items():
            rows.append((what, "bundled", *best(command, env, 1 if what == "validate" else args.repeat)))
        for size in sizes:
            catalogue = write_jsonl(folder / f"generated-{size}.jsonl", size)
            # A catalogue changed in the last 2 s is keyed by its content as well (zoo.catalogue_index), so
            # the run after the settling point would rebuild: let it settle, or "list" measures a rebuild.
            time.sleep(2.1)
            name = list(entries(size))[size // 2]["name"] if size <= 10000 else f"{ARCHS[0]}{size // 14}.synthetic_in1k"
            sized = {**env, "ZOO_CACHE": str(folder / f"cache-{size}")}
            measured = commands(catalogue, name, sort)
            rows.append(("list (first run)", f"{size:,}", *measure(measured["list"], sized)[:2]))
            for what, command in measured.items():
                rows.append((what, f"{size:,}", *best(command, sized, 1 if what == "validate" else args.repeat)))
            os.utime(catalogue)  # a changed catalogue: the next run rebuilds the index
            rows.append(("list (rebuild)", f"{size:,}", *measure(measured["list"], sized)[:2]))
        if args.compare_size:
            size = args.compare_size
            for fmt, write in (("yaml", write_yaml), ("jsonl", write_jsonl)):
                catalogue = write(folder / f"compare-{size}.{fmt}", size)
                formatted = {**env, "ZOO_CACHE": str(folder / f"cache-{fmt}"), "ZOO_MAX_CATALOGUE_BYTES": str(1 << 30)}
                measured = commands(catalogue, "resnet0.synthetic_in1k", sort)
                rows.append((f"list (first run, {fmt})", f"{size:,}", *measure(measured["list"], formatted)[:2]))
                rows.append((f"validate ({fmt})", f"{size:,}", *measure(measured["validate"], formatted)[:2]))
    print(f"{'command':<26} {'entries':>9} {'wall s':>8} {'x bare':>8} {'peak MB':>8}")
    for what, size, wall, rss in rows:
        print(f"{what:<26} {size:>9} {wall:>8.3f} {wall / bare[0]:>8.1f} {rss:>8.0f}")
    print("\ngrowth (wall time at each size / at the first size):")
    for what in ("list", "info", "validate", "list (rebuild)"):
        walls = [wall for name, size, wall, _ in rows if name == what and size != "bundled"]
        if len(walls) == len(sizes) and walls[0] > 0:
            steps = ", ".join(f"{s:,}: {w / walls[0]:.1f}x" for s, w in zip(sizes, walls))
            print(f"  {what:<16} {steps}   (entries grow {', '.join(f'{s // sizes[0]}x' for s in sizes)})")


if __name__ == "__main__":
    main()
