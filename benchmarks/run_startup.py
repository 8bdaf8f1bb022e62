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
  zoo run        zoo run digits-resnet18 --dataset digits -q -o RECORD

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
import sys
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
with torch.inference_mode():
    for start in range(0, len(test), 32):
        rows = test[start:start + 32]
        batch = torch.stack([transform(Image.fromarray(images[r], mode="L")) for r in rows])
        correct += int((model(batch).argmax(-1) == torch.from_numpy(digits.target[rows])).sum())
print(f"top1 {correct / len(test):.6f}")
"""


def weights_file() -> str:
    import zoo_vision  # light: the plugin's entry module imports only zoo

    return str(Path(zoo_vision.__file__).with_name("weights") / "digits-resnet18.safetensors")


def wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


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
        "zoo run": [sys.executable, "-m", "zoo", "run", "digits-resnet18", "--dataset", "digits", "-q",
                    "-o", str(record)],
    }
    hand_top1 = subprocess.run(commands["eval by hand"], check=True, capture_output=True, text=True).stdout.strip()
    wall(commands["zoo run"])  # warms the file cache too
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; best of {args.repeat}, interleaved")
    print(f"eval by hand: {hand_top1}; zoo run: top1 {json.loads(record.read_text())['metrics']['top1']:.6f}\n")
    best = {name: float("inf") for name in commands}
    loop = float("inf")
    for _ in range(args.repeat):
        for name, command in commands.items():
            best[name] = min(best[name], wall(command))
            if name == "zoo run":
                loop = min(loop, json.loads(record.read_text())["run"]["wall_seconds"])
    print(f"{'command':<16} {'best s':>8} {'x import torch':>15}")
    for name, seconds in best.items():
        print(f"{name:<16} {seconds:>8.2f} {seconds / best['import torch']:>15.2f}")
    fixed = best["zoo run"] - loop
    print(f"\nzoo run / eval by hand:   {best['zoo run'] / best['eval by hand']:.2f}x (target <= 1.1x)")
    print(f"zoo run fixed cost (all but its {loop:.2f} s loop): {fixed:.2f} s = "
          f"{fixed / best['build by hand']:.2f}x build by hand")


if __name__ == "__main__":
    main()
