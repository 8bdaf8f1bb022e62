"""`zoo bench` throughput against timm's benchmark.py method written out by hand, and what the store adds.

Two bundled image models (digits-resnet18, efficientnet-lite0-offline), batch 32, CPU,
float32, channels-last (zoo's default for image models, timm's --channels-last):

  zoo      zoo.bench(NAME, batch_sizes=(32,), synthetic=True): its samples/s at batch 32
  timm     timm's InferenceBenchmarkRunner.run, written out: the same nn.Module (the one
           zoo.build_model builds), eval, channels-last, example inputs torch.randn(32,
           *input_size) in channels-last, warm-up steps, then steps timed one by one;
           samples/s = samples over the timed wall time. Under torch.inference_mode(), as
           zoo; timed over the same window in seconds rather than a count of steps, so both
           see a shared machine's load for as long.

Interleaved: each round runs both, in alternating order, so a busy moment slows them alike;
the ratio is zoo's best round over timm's best (a shared machine only ever slows a round down),
with the medians beside it (target 0.95-1.05x).

store      what keeping a bench record adds to `zoo bench`: importing zoo.store (fresh
           processes, `import zoo; import zoo.store` minus `import zoo`), then opening a store
           already holding --records records, adding the record, closing (median of --repeat).

Usage: python benchmarks/bench_parity.py [--rounds 5] [--seconds 3] [--warmup 5] [--records 1000]
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
from pathlib import Path
from typing import Any

MODELS = ("digits-resnet18", "efficientnet-lite0-offline")
BATCH = 32


def timm_method(module: Any, input_size: tuple[int, ...], *, seconds: float, warmup: int) -> float:
    """timm benchmark.py's inference loop by hand: samples/s at BATCH on the CPU, channels-last."""
    import torch

    module = module.to(device="cpu", dtype=torch.float32, memory_format=torch.channels_last).eval()
    example_inputs = torch.randn((BATCH, *input_size), dtype=torch.float32).contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        for _ in range(warmup):
            module(example_inputs)
        samples, started = 0, time.perf_counter()
        while True:
            module(example_inputs)
            samples += BATCH
            elapsed = time.perf_counter() - started
            if elapsed >= seconds and samples >= 3 * BATCH:
                return samples / elapsed


def zoo_method(name: str, *, seconds: float, warmup: int) -> tuple[float, dict[str, Any]]:
    import zoo

    [record] = zoo.bench(name, batch_sizes=(BATCH,), device="cpu", synthetic=True, seconds=seconds, warmup=warmup)
    if record["status"] != "ok":
        sys.exit(f"zoo bench {name} failed: {record['error']}")
    return record["bench"]["by_batch_size"][str(BATCH)]["samples_per_second"], record


def store_cost_ms(record: dict[str, Any], records: int, repeat: int) -> dict[str, float]:
    from zoo.store import ResultsStore

    def fresh_process_ms(code: str) -> float:
        times = []
        for _ in range(repeat // 4 + 2):  # the first warms the file cache
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            times.append(time.perf_counter() - started)
        return min(times[1:]) * 1000

    imports = max(0.0, fresh_process_ms("import zoo; import zoo.store") - fresh_process_ms("import zoo"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "results.sqlite"
        with ResultsStore.open(path) as store:
            store.add_many([copy.deepcopy(record) for _ in range(records)], kind="bench")
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            with ResultsStore.open(path) as store:
                store.add(record, kind="bench")
            times.append(time.perf_counter() - started)
    keep = statistics.median(times) * 1000
    return {"imports": imports, "open + add + close": keep, "total": imports + keep}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0, help="each timed window")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--records", type=int, default=1000, help="records already in the store")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import torch

    import zoo

    print(f"CPU, {torch.get_num_threads()} threads, batch {BATCH}, float32, channels-last, "
          f"{args.rounds} interleaved rounds of {args.seconds:g} s windows")
    print(f"{'model':28} {'zoo bench':>10} {'timm method':>12} {'ratio':>7} {'median ratio':>13}   "
          "rounds (zoo/timm samples/s)")
    last_record: dict[str, Any] = {}
    for name in MODELS:
        model = zoo.build_model(name)
        input_size = tuple(int(value) for value in model.config["input_size"])
        zoo_rates, timm_rates = [], []
        for round_index in range(args.rounds):
            contenders = ["zoo", "timm"] if round_index % 2 == 0 else ["timm", "zoo"]
            for contender in contenders:
                if contender == "zoo":
                    rate, last_record = zoo_method(name, seconds=args.seconds, warmup=args.warmup)
                    zoo_rates.append(rate)
                else:
                    timm_rates.append(timm_method(model.module, input_size, seconds=args.seconds, warmup=args.warmup))
        zoo_best, timm_best = max(zoo_rates), max(timm_rates)
        medians = statistics.median(zoo_rates) / statistics.median(timm_rates)
        rounds = ", ".join(f"{z:.1f}/{t:.1f}" for z, t in zip(zoo_rates, timm_rates))
        print(f"{name:28} {zoo_best:10.1f} {timm_best:12.1f} {zoo_best / timm_best:6.3f}x {medians:12.3f}x   {rounds}")
    costs = store_cost_ms(last_record, args.records, args.repeat)
    print(f"store: keeping a bench record on a store of {args.records} records: "
          + ", ".join(f"{what} {ms:.1f} ms" for what, ms in costs.items()) + " (target: under 20 ms)")


if __name__ == "__main__":
    main()
