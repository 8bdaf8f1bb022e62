"""What each `zoo sweep` executor costs per job, at small scale, against running the jobs in this process.

Six tiny jobs (three keyword models of zoo.testing.toy x two splits of the toy reviews
dataset, each well under a second of evaluation) are swept by each executor in turn, each
into a results store of its own (nothing is skipped), measured in one run:

  local            --jobs 1: one after another in this process (the baseline)
  local pool       --jobs N: a worker subprocess per job, N at a time
  ray              a local Ray of N CPUs, started and stopped by the sweep (included)
  ray, running     the same on a Ray already running (started before the clock starts)
  submitit local   the Slurm executor's submitit jobs as local processes, N at a time

Printed: wall seconds for the six jobs, seconds per job, the ratio to the baseline, and the
overhead per job (wall less the baseline's, over the jobs). A real evaluation takes seconds
to hours, so what matters is the fixed cost per job: a new Python process importing torch
(pool, submitit), a Ray worker (started once per slot and reused). Timing thresholds are
not tests: run it and read the ratios. Usage: python benchmarks/sweep_overhead.py [--jobs N] [--repeat R]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from zoo.testing import fake_plugin, registry_of

EXECUTORS = {
    "local": ("local", {}),
    "local pool": ("local", {"jobs": None}),
    "ray": ("ray", {"jobs": None}),
    "ray, running": ("ray", {}),
    "submitit local": ("slurm", {"cluster": "local", "jobs": None}),
}


def toy_registry():
    def register_models(register):
        for name, args in (("keyword", {}), ("keyword-great", {"keywords": ["great"]}),
                           ("keyword-upper", {"labels": ["negative", "positive"]})):
            register(name, task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT",
                     args=args)

    def register_datasets(register):
        register("reviews", task="text-classification", builder="zoo.testing.toy:build_reviews",
                 splits=["train", "test"], default_split="test", license="CC0-1.0")

    return registry_of(fake_plugin("toys", register_models=register_models, register_datasets=register_datasets))


def sweep_once(name: str, slots: int, folder: Path) -> float:
    from zoo.sweep import sweep

    executor, options = EXECUTORS[name]
    options = {key: slots if value is None else value for key, value in options.items()}
    if executor == "slurm":
        options["slurm_folder"] = str(folder / "slurm" / "%j")
    results = folder / f"{name.replace(' ', '-').replace(',', '')}-{time.monotonic_ns()}.sqlite"
    running = name == "ray, running"
    if running:
        import ray

        ray.init(num_cpus=slots, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    started = time.perf_counter()
    summary = sweep(["keyword", "keyword-great", "keyword-upper"], ["reviews"], ["test", "train"],
                    registry=toy_registry(), executor=executor, executor_options=options, results=results,
                    device="cpu")
    seconds = time.perf_counter() - started
    if running:
        ray.shutdown()
    bad = [job for job in summary["jobs"] if job["status"] != "ok"]
    if bad:
        sys.exit(f"{name}: {bad[0]['job']} {bad[0]['status']}: {bad[0]['error']}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=2, help="slots of the pool, Ray's CPUs, submitit's jobs at once")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    jobs = 6
    with tempfile.TemporaryDirectory(prefix="zoo-sweep-bench-") as tmp:
        folder = Path(tmp)
        sweep_once("local", args.jobs, folder)  # warm imports and file caches
        times: dict[str, list[float]] = {name: [] for name in EXECUTORS}
        for _ in range(args.repeat):  # interleaved: a busy moment costs every executor alike
            for name in EXECUTORS:
                times[name].append(sweep_once(name, args.jobs, folder))
    median = {name: statistics.median(values) for name, values in times.items()}
    base = median["local"]
    print(f"{jobs} tiny jobs, {args.jobs} at a time where the executor runs several; median of {args.repeat}; "
          f"{os.cpu_count()} CPUs")
    print(f"{'executor':<16} {'wall s':>8} {'s/job':>7} {'x local':>8} {'overhead s/job':>15}")
    for name, value in median.items():
        print(f"{name:<16} {value:>8.2f} {value / jobs:>7.2f} {value / base:>8.2f} {(value - base) / jobs:>15.2f}")


if __name__ == "__main__":
    main()
