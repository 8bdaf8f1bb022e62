"""What the results store adds to a `zoo run`, on a store already holding 10,000 records.

Measured in one run, median of N repeats each, in this process (warm, as the
second of many runs would be) and in fresh processes for the imports:

  baseline     zoo.evaluate("digits-resnet18", "digits"): the quickstart evaluation itself
  open         ResultsStore.open on the 10,000-record store (schema check, WAL)
  find (miss)  the lookup of a request the store does not hold
  find (hit)   the lookup of one it holds (the newest of 10 records of that request)
  add          one run record, in its own transaction
  close
  store total  open + find (miss) + add + close: what a run that is not answered pays
  imports      python -c "import zoo; import zoo.store" minus python -c "import zoo", fresh processes
  answered     a run answered from the store (the dataset built for its fingerprint, then the lookup)

Target (issue 14): the store adds under 20 ms to a run. Usage:
python benchmarks/store_overhead.py [--records 10000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def median_ms(action: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def process_ms(code: str, repeat: int) -> float:
    times = []
    for _ in range(repeat + 1):  # the first warms the file cache
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - started)
    return min(times[1:]) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import zoo
    from zoo.engine import plan_named
    from zoo.engine.stored import evaluate_or_answer
    from zoo.store import ResultsStore

    registry = zoo.default_registry()
    record = zoo.evaluate("digits-resnet18", "digits", registry=registry)  # warms torch, the weights, the data
    baseline = median_ms(lambda: zoo.evaluate("digits-resnet18", "digits", registry=registry), max(3, args.repeat // 4))

    path = Path(tempfile.mkdtemp(prefix="zoo-store-")) / "results.sqlite"
    started = time.perf_counter()
    with ResultsStore.open(path) as store:
        batch = []
        for index in range(args.records):  # the real record, as 10 runs each of records/10 requests
            one = copy.deepcopy(record)
            one["request"]["seed"] = index // 10
            batch.append(one)
            if len(batch) == 1000:
                store.add_many(batch)
                batch = []
        store.add_many(batch)
    fill = time.perf_counter() - started
    size_mb = path.stat().st_size / 1e6

    weights, fingerprint = record["model"]["weights_sha256"], record["dataset"]["fingerprint"]
    missing = {**record["request"], "seed": -1}
    held = {**record["request"], "seed": args.records // 20}
    stores: list[Any] = []
    figures = {
        "open": median_ms(lambda: stores.append(ResultsStore.open(path)), args.repeat),
        "find (miss)": median_ms(lambda: stores[0].find(missing, weights_sha256=weights, fingerprint=fingerprint),
                                 args.repeat),
        "find (hit)": median_ms(lambda: stores[0].find(held, weights_sha256=weights, fingerprint=fingerprint),
                                args.repeat),
        "add": median_ms(lambda: stores[0].add(record), args.repeat),
        "close": median_ms(lambda: stores.pop().close(), args.repeat),
    }
    figures["store total"] = figures["open"] + figures["find (miss)"] + figures["add"] + figures["close"]
    imports = (process_ms("import zoo; import zoo.store", args.repeat // 4 or 1)
               - process_ms("import zoo", args.repeat // 4 or 1))
    figures["imports"] = max(imports, 0.0)

    checked = plan_named("digits-resnet18", "digits", registry, seed=args.records // 20)
    with ResultsStore.open(path) as store:
        answer, found = evaluate_or_answer(checked, registry, store)
        assert found is not None, "the request should be answered from the store"
        figures["answered"] = median_ms(lambda: evaluate_or_answer(checked, registry, store), max(3, args.repeat // 4))

    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; store of {args.records:,} records, "
          f"{size_mb:.1f} MB, filled in {fill:.1f} s; median of {args.repeat}\n")
    print(f"{'':<14} {'ms':>9} {'x baseline':>11}")
    print(f"{'baseline':<14} {baseline:>9.1f} {1:>11.3f}")
    for name, ms in figures.items():
        print(f"{name:<14} {ms:>9.2f} {ms / baseline:>11.3f}")
    added = figures["store total"] + figures["imports"]
    print(f"\nthe store adds {added:.1f} ms to a run that is not answered ({figures['store total']:.1f} ms in the "
          f"store, {figures['imports']:.1f} ms of imports): {added / baseline:.1%} of the baseline (target < 20 ms)")
    print(f"a run answered from the store takes {figures['answered']:.1f} ms: "
          f"{baseline / figures['answered']:.1f}x faster than running it")


if __name__ == "__main__":
    main()
