"""How fast `zoo list` starts, against a bare start and against timm's listing.

Measured in one run, interleaved, median of N repeats of each command:

  baseline  python -c "import click, pluggy, yaml"      (the core's own imports)
  zoo list  python -m zoo list                          (with the installed plugins, and so zoo-vision's
                                                         generated catalogue of every timm pretrained tag)
  timm      python -c "import timm; timm.list_models()"

`zoo list` reads the catalogue index (docs/catalogue.md, "The index") from a zoo
cache of its own, built before the repeats; the first `zoo list` after an install
or a catalogue change builds that index, which is measured too, each time in a
fresh cache ("zoo list (index built)").

Targets (DESIGN.md): zoo list within 2.5x of the baseline, and at least 20x
faster than timm's listing. Usage: python benchmarks/list_startup.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

COMMANDS = {
    "baseline": [sys.executable, "-c", "import click, pluggy, yaml"],
    "zoo list": [sys.executable, "-m", "zoo", "list"],
    "zoo list --json": [sys.executable, "-m", "zoo", "list", "--json"],
    "timm.list_models": [sys.executable, "-c", "import timm; timm.list_models()"],
}


COLD = "zoo list (index built)"  # the first listing in a fresh cache: reads every catalogue, writes the index


def wall(command: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - started


def with_cache(folder: str, bytecode: str) -> dict[str, str]:
    """zoo's cache in ``folder``; byte-code cached in ``bytecode`` for every command alike, as an installed
    package has it, even where PYTHONDONTWRITEBYTECODE is set (which recompiles zoo's modules at each start)."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "ZOO_CACHE": folder, "PYTHONPYCACHEPREFIX": bytecode, "HF_HUB_OFFLINE": "1"}


def models_listed(env: dict[str, str]) -> int:
    listing = subprocess.run([sys.executable, "-m", "zoo", "list", "--json"], check=True, capture_output=True,
                             text=True, env=env).stdout
    return len(json.loads(listing))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="zoo-list-startup-") as scratch:
        bytecode = os.path.join(scratch, "bytecode")
        warm = with_cache(os.path.join(scratch, "warm"), bytecode)
        for command in COMMANDS.values():  # warm the file cache, and build the index the warm listings read
            wall(command, warm)
        count = models_listed(warm)
        times: dict[str, list[float]] = {name: [] for name in [*COMMANDS, COLD]}
        for repeat in range(args.repeat):
            for name, command in COMMANDS.items():
                times[name].append(wall(command, warm))
            cold = with_cache(os.path.join(scratch, f"cold-{repeat}"), bytecode)
            times[COLD].append(wall(COMMANDS["zoo list"], cold))
    median = {name: statistics.median(values) for name, values in times.items()}
    base = median["baseline"]
    print(f"zoo list lists {count} models\n")
    print(f"{'command':<24} {'median ms':>10} {'x baseline':>11}")
    for name, value in median.items():
        print(f"{name:<24} {value * 1000:>10.1f} {value / base:>11.2f}")
    print(f"\nzoo list / baseline: {median['zoo list'] / base:.2f}x (target <= 2.5x)")
    print(f"timm.list_models / zoo list: {median['timm.list_models'] / median['zoo list']:.1f}x (target >= 20x)")
    print(f"first zoo list after an install or a catalogue change (index built): {median[COLD]:.2f} s")


if __name__ == "__main__":
    main()
