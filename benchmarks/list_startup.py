"""How fast `zoo list` starts, against a bare start and against timm's listing.

Measured in one run, interleaved, median of N repeats of each command:

  baseline  python -c "import click, pluggy, yaml"      (the core's own imports)
  zoo list  python -m zoo list                          (with the installed plugins)
  timm      python -c "import timm; timm.list_models()"

Targets (DESIGN.md): zoo list within 2.5x of the baseline, and at least 20x
faster than timm's listing. Usage: python benchmarks/list_startup.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "baseline": [sys.executable, "-c", "import click, pluggy, yaml"],
    "zoo list": [sys.executable, "-m", "zoo", "list"],
    "zoo list --json": [sys.executable, "-m", "zoo", "list", "--json"],
    "timm.list_models": [sys.executable, "-c", "import timm; timm.list_models()"],
}


def wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    for command in COMMANDS.values():  # warm the file cache
        wall(command)
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.repeat):
        for name, command in COMMANDS.items():
            times[name].append(wall(command))
    median = {name: statistics.median(values) for name, values in times.items()}
    base = median["baseline"]
    print(f"{'command':<18} {'median ms':>10} {'x baseline':>11}")
    for name, value in median.items():
        print(f"{name:<18} {value * 1000:>10.1f} {value / base:>11.2f}")
    print(f"\nzoo list / baseline: {median['zoo list'] / base:.2f}x (target <= 2.5x)")
    print(f"timm.list_models / zoo list: {median['timm.list_models'] / median['zoo list']:.1f}x (target >= 20x)")


if __name__ == "__main__":
    main()
