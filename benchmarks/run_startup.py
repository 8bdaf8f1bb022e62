"""What a whole `zoo run` evaluation costs, process start to exit, against hand-written scripts.

Measured in one run, interleaved, best of N of each command (each a fresh
Python process, so every import and file read is paid as a user pays it):

  import torch   python -c "import torch"
  build by hand  import torch and timm, build the same quarter-width ResNet-18
                 (timm.create_model) and load its safetensors weights
  eval by hand   the above, plus the same digits test split (scikit-learn's
                 load_digits and train_test_split), timm's eval transform
                 from the same data config, a torch.inference_mode() loop in
                 batches of 32 and a top-1 count
  zoo run        zoo run digits-resnet18 --dataset digits -q --rerun -o RECORD (a store of its own)

The zoo record's wall_seconds (the evaluation loop) is subtracted to show
the fixed cost: everything that is not the loop. Targets: zoo run within
1.1x of the hand-written evaluation, and its fixed cost close to "build by
hand". Usage: python benchmarks/run_startup.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUILD = """
import json, sys, time
import timm, torch
from safetensors.torch import load_file

model = timm.create_model("resnet18", num_classes=10, in_chans=1, channels=[16, 32, 64, 128], stem_width=16)
model.load_state_dict(load_file(sys.argv[1]))
model.eval()
"""

EVALUATE = BUILD + """
import numpy as np
from PIL import Image
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from timm.data import create_transform

digits = load_digits()
images = np.rint(digits.images * (255.0 / 16.0)).astype(np.uint8)
_, test = train_test_split(np.arange(len(images)), test_size=0.2, stratify=digits.target, random_state=0)
test = np.sort(test)
transform = create_transform(input_size=(1, 32, 32), interpolation="bilinear", crop_pct=1.0, mean=(0.5,),
                             std=(0.5,), is_training=False)
correct = 0
started = time.perf_counter()
with torch.inference_mode():
    for start in range(0, len(test), 32):
        rows = test[start:start + 32]
        batch = torch.stack([transform(Image.fromarray(images[r], mode="L")) for r in rows])
        correct += int((model(batch).argmax(-1) == torch.from_numpy(digits.target[rows])).sum())
print(json.dumps({"top1": round(correct / len(test), 6), "loop_seconds": time.perf_counter() - started}))
"""


def weights_file() -> str:
    import zoo_vision  # light: the plugin's entry module imports only zoo

    return str(Path(zoo_vision.__file__).with_name("weights") / "digits-resnet18.safetensors")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    weights = weights_file()
    record = Path(tempfile.mkdtemp(prefix="zoo-startup-")) / "run.json"
    commands = {
        "import torch": [sys.executable, "-c", "import torch"],
        "build by hand": [sys.executable, "-c", BUILD, weights],
        "eval by hand": [sys.executable, "-c", EVALUATE, weights],
        # --rerun: each repeat runs (and is stored, as a user's run is), never answered from the results store.
        "zoo run": [sys.executable, "-m", "zoo", "run", "digits-resnet18", "--dataset", "digits", "-q", "--rerun",
                    "-o", str(record)],
    }
    os.environ["ZOO_RESULTS"] = str(record.with_name("results.sqlite"))  # not the user's store
    load_before = os.getloadavg()[0]
    best = {name: float("inf") for name in commands}
    loops = {"eval by hand": float("inf"), "zoo run": float("inf")}
    for repeat in range(args.repeat + 1):  # the first round warms the file cache and is not counted
        for name, command in commands.items():
            started = time.perf_counter()
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            seconds = time.perf_counter() - started
            if name == "eval by hand":
                hand = json.loads(output.strip().splitlines()[-1])
                loops[name] = min(loops[name], hand["loop_seconds"])
            if name == "zoo run":
                zoo_run = json.loads(record.read_text())
                loops[name] = min(loops[name], zoo_run["run"]["wall_seconds"])
            if repeat:
                best[name] = min(best[name], seconds)
    print(f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after, on {os.cpu_count()} cores; "
          f"best of {args.repeat}, interleaved")
    print(f"top1: eval by hand {hand['top1']:.6f}, zoo run {zoo_run['metrics']['top1']:.6f}\n")
    print(f"{'command':<16} {'best s':>8} {'x import torch':>15}")
    for name, seconds in best.items():
        print(f"{name:<16} {seconds:>8.2f} {seconds / best['import torch']:>15.2f}")
    print(f"\nzoo run / eval by hand: {best['zoo run'] / best['eval by hand']:.2f}x (target <= 1.1x)")
    for name in ("eval by hand", "zoo run"):
        fixed = best[name] - loops[name]
        print(f"{name} fixed cost (all but its {loops[name]:.2f} s loop): {fixed:.2f} s = "
              f"{fixed / best['build by hand']:.2f}x build by hand")


if __name__ == "__main__":
    main()
