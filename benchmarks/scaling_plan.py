"""The pure half of benchmarks/scaling_inputs.py: timm's published figures joined into sweep jobs,
the time of each job, and how the jobs pack onto a cluster's GPUs. Reads files, runs nothing.

Kept apart so that tests/test_scaling_inputs.py checks the join and the packing on small rows
without a model run; docs/scaling.md says what the figures mean.
"""

from __future__ import annotations

import csv
import heapq
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VAL_IMAGES = 50_000
VAL_BYTES = 6.4e9  # ILSVRC2012_img_val.tar: 6.4 GB of JPEGs, about 128 KB an image
NODES, GPUS_PER_NODE = 8, 8


# --------------------------------------------------------------------------- published figures


@dataclass(frozen=True)
class Published:
    """One row of results-imagenet.csv: a pretrained tag evaluated at one image size."""

    model: str  # arch.tag
    img_size: int
    top1: float
    params_m: float
    crop_pct: float = 1.0
    interpolation: str = "bicubic"

    @property
    def architecture(self) -> str:
        return architecture(self.model)


@dataclass(frozen=True)
class Throughput:
    """One row of a timm inference benchmark file."""

    architecture: str
    img_size: int
    samples_per_second: float
    batch_size: int
    params_m: float
    gmacs: float


@dataclass(frozen=True)
class Job:
    """One (model, image size) evaluation of the sweep, with its GPU rate and where that came from."""

    model: str
    img_size: int
    params_m: float
    gpu_rate: float  # images/s on one RTX 4090 with AMP
    rate_source: str  # "published", "published at N px, scaled", "fitted"
    pretrain: str = "not listed"


def architecture(model: str) -> str:
    """``resnet50.a1_in1k`` -> ``resnet50``: the benchmark files name architectures, not tags."""
    return model.split(".", 1)[0]


def number(text: str) -> float:
    """A CSV figure, thousands separators allowed (``"1,014.45"``)."""
    return float(text.replace(",", ""))


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def published_models(rows: Iterable[Mapping[str, str]]) -> list[Published]:
    return [Published(row["model"], int(row["img_size"]), number(row["top1"]), number(row["param_count"]),
                      number(row.get("crop_pct", "1.0")), row.get("interpolation", "bicubic")) for row in rows]


def throughputs(rows: Iterable[Mapping[str, str]]) -> dict[tuple[str, int], Throughput]:
    """Benchmark rows by (architecture, image size)."""
    table = {}
    for row in rows:
        entry = Throughput(row["model"], int(row["infer_img_size"]), number(row["infer_samples_per_sec"]),
                           int(row["infer_batch_size"]), number(row["param_count"]), number(row["infer_gmacs"]))
        table[(entry.architecture, entry.img_size)] = entry
    return table


@dataclass(frozen=True)
class RateFit:
    """log(images/s) = intercept + a * log(params in millions) + b * log(image size)."""

    intercept: float
    params_slope: float
    size_slope: float

    def predict(self, params_m: float, img_size: int) -> float:
        return math.exp(self.intercept + self.params_slope * math.log(params_m) + self.size_slope * math.log(img_size))


def fit_rates(points: Sequence[tuple[float, int, float]]) -> RateFit:
    """Least squares on (params_m, img_size, images/s) points; the normal equations, solved directly."""
    rows = [(1.0, math.log(p), math.log(s)) for p, s, _ in points]
    targets = [math.log(rate) for _, _, rate in points]
    matrix = [[sum(r[i] * r[j] for r in rows) for j in range(3)] for i in range(3)]
    vector = [sum(r[i] * t for r, t in zip(rows, targets)) for i in range(3)]
    return RateFit(*_solve(matrix, vector))


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (3 unknowns)."""
    size = len(vector)
    augmented = [row[:] + [value] for row, value in zip(matrix, vector)]
    for column in range(size):
        pivot = max(range(column, size), key=lambda r: abs(augmented[r][column]))
        augmented[column], augmented[pivot] = augmented[pivot], augmented[column]
        for row in range(column + 1, size):
            factor = augmented[row][column] / augmented[column][column]
            augmented[row] = [a - factor * b for a, b in zip(augmented[row], augmented[column])]
    solution = [0.0] * size
    for row in reversed(range(size)):
        known = sum(augmented[row][k] * solution[k] for k in range(row + 1, size))
        solution[row] = (augmented[row][size] - known) / augmented[row][row]
    return solution


def scaled_rate(rate: float, from_size: int, to_size: int) -> float:
    """A rate measured at one image size, moved to another in proportion to the pixels."""
    return rate * (from_size / to_size) ** 2


def join(published: Sequence[Published], gpu: Mapping[tuple[str, int], Throughput], fit: RateFit,
         pretrain: Mapping[str, str] | None = None) -> list[Job]:
    """One job per published row, with the GPU rate at its image size: the published one, else the
    same architecture's nearest size scaled by pixels, else the fit on parameters and size."""
    sizes: dict[str, list[int]] = {}
    for arch, size in gpu:
        sizes.setdefault(arch, []).append(size)
    jobs = []
    for row in published:
        arch = row.architecture
        if (arch, row.img_size) in gpu:
            rate, source = gpu[(arch, row.img_size)].samples_per_second, "published"
        elif arch in sizes:
            nearest = min(sizes[arch], key=lambda s: (abs(s - row.img_size), s))
            rate = scaled_rate(gpu[(arch, nearest)].samples_per_second, nearest, row.img_size)
            source = f"published at {nearest} px, scaled"
        else:
            rate, source = fit.predict(row.params_m, row.img_size), "fitted"
        jobs.append(Job(row.model, row.img_size, row.params_m, rate, source, (pretrain or {}).get(arch, "not listed")))
    return jobs


def factor_error(predicted: float, actual: float) -> float:
    """How many times off a prediction is, either way (1.0 = exact)."""
    return math.exp(abs(math.log(predicted / actual)))


def fallback_errors(gpu: Mapping[tuple[str, int], Throughput], folds: int = 5) -> dict[str, list[float]]:
    """The error of each fallback rule where the answer is known: the size rule on every benchmark row
    whose architecture has another size, the fit by ``folds``-fold cross-validation."""
    sizes: dict[str, list[int]] = {}
    for arch, size in gpu:
        sizes.setdefault(arch, []).append(size)
    size_rule = []
    for (arch, size), entry in gpu.items():
        others = [s for s in sizes[arch] if s != size]
        if others:
            nearest = min(others, key=lambda s: (abs(s - size), s))
            predicted = scaled_rate(gpu[(arch, nearest)].samples_per_second, nearest, size)
            size_rule.append(factor_error(predicted, entry.samples_per_second))
    entries = sorted(gpu.values(), key=lambda e: (e.architecture, e.img_size))
    fitted = []
    for fold in range(folds):
        train = [(e.params_m, e.img_size, e.samples_per_second) for i, e in enumerate(entries) if i % folds != fold]
        model = fit_rates(train)
        fitted += [factor_error(model.predict(e.params_m, e.img_size), e.samples_per_second)
                   for i, e in enumerate(entries) if i % folds == fold]
    return {"size": size_rule, "fit": fitted}


# --------------------------------------------------------------------------- time per job and packing


@dataclass(frozen=True)
class Measured:
    """What the plan takes from this machine (see :func:`measure`); per core unless said."""

    # per-image CPU seconds (zoo's reader + timm's transform) =
    #   base + per_pixel * eval size^2 + per_byte * (file bytes - the photos' mean bytes)
    decode_seconds_base: float
    decode_seconds_per_pixel: float
    decode_seconds_per_byte: float
    photo_bytes: float  # the mean size of the JPEGs base and per_pixel were measured on
    sha256_bytes_per_second: float
    build_seconds_per_param_m: float  # model build with its weights, in-process, per million parameters
    process_fixed_seconds: float  # a whole tiny `zoo run` minus its loop and builds: interpreter, imports, registry


def decode_rate(measured: Measured, img_size: int, image_bytes: float = VAL_BYTES / VAL_IMAGES) -> float:
    """Images/s one core reads, decodes, resizes, crops and normalises for a model of this input size,
    from JPEGs of ``image_bytes`` on average (default: ImageNet val's)."""
    return 1.0 / (measured.decode_seconds_base + measured.decode_seconds_per_pixel * img_size * img_size
                  + measured.decode_seconds_per_byte * (image_bytes - measured.photo_bytes))


@dataclass(frozen=True)
class JobTime:
    """Seconds of one job on one GPU."""

    shared: float  # what a process pays once, whatever it runs: start, imports, dataset fingerprint, CUDA
    build: float  # building this model with its weights
    compute: float  # evaluating the images
    bound: str  # "GPU" or "decode": what sets the images' pace

    @property
    def fixed(self) -> float:
        return self.shared + self.build

    @property
    def total(self) -> float:
        return self.shared + self.build + self.compute


def job_time(job: Job, measured: Measured, *, decode_workers: int | None, cuda_start_seconds: float,
             gpu_speedup: float = 1.0, images: int = VAL_IMAGES, dataset_bytes: float = VAL_BYTES) -> JobTime:
    """One job on one GPU fed by ``decode_workers`` CPU cores (None: decoding costs the GPU nothing,
    as with decoding on the GPU or pre-decoded data). The fixed part: a process, the dataset's
    fingerprint (every file's sha256), the model's build, CUDA's start."""
    gpu = job.gpu_rate * gpu_speedup
    feed = math.inf if decode_workers is None else decode_workers * decode_rate(measured, job.img_size)
    shared = measured.process_fixed_seconds + dataset_bytes / measured.sha256_bytes_per_second + cuda_start_seconds
    return JobTime(shared, measured.build_seconds_per_param_m * job.params_m, images / min(gpu, feed),
                   "GPU" if gpu <= feed else "decode")


@dataclass(frozen=True)
class Task:
    """One Slurm array task: a job (or a bundle of short ones) on one GPU, or a job sharded over
    all GPUs of a node (torchrun)."""

    name: str
    seconds: float
    gpus: int = 1
    jobs: int = 1


def lpt(durations: Sequence[float], bins: int, start: Sequence[float] | None = None) -> tuple[list[float], list[int]]:
    """Longest processing time first: each job, longest first, to the least loaded bin.
    Returns each bin's finishing time and each job's bin (in the order given)."""
    loads = list(start) if start is not None else [0.0] * bins
    heap = [(load, index) for index, load in enumerate(loads)]
    heapq.heapify(heap)
    placed = [0] * len(durations)
    for job in sorted(range(len(durations)), key=lambda j: -durations[j]):
        load, index = heapq.heappop(heap)
        loads[index] = load + durations[job]
        placed[job] = index
        heapq.heappush(heap, (loads[index], index))
    return loads, placed


def pack(tasks: Sequence[Task], nodes: int, gpus_per_node: int) -> list[float]:
    """Finishing time of each GPU: whole-node tasks first, LPT over nodes (as a Slurm array of
    exclusive 8-GPU tasks submitted first), then single-GPU tasks LPT over every GPU."""
    wide = [t.seconds for t in tasks if t.gpus == gpus_per_node]
    if any(t.gpus not in (1, gpus_per_node) for t in tasks):
        raise ValueError("a task takes one GPU or a whole node")
    node_loads, _ = lpt(wide, nodes)
    start = [node_loads[gpu // gpus_per_node] for gpu in range(nodes * gpus_per_node)]
    loads, _ = lpt([t.seconds for t in tasks if t.gpus == 1], nodes * gpus_per_node, start)
    return loads


def tasks_for(jobs: Sequence[Job], times: Sequence[JobTime], *, shard_above: float, gpus_per_node: int,
              bundle_below: float = 0.0) -> list[Task]:
    """One task per job; a job longer than ``shard_above`` seconds runs over a node's GPUs instead.
    Jobs shorter than ``bundle_below`` seconds are bundled, longest first, into tasks of about that
    length that run them in one process (``zoo run A B C --dataset D``), paying ``shared`` once."""
    tasks, short = [], []
    for job, t in zip(jobs, times):
        name = f"{job.model}@{job.img_size}"
        if t.total > shard_above:
            tasks.append(Task(name, t.fixed + t.compute / gpus_per_node, gpus_per_node))
        elif t.total < bundle_below:
            short.append((name, t))
        else:
            tasks.append(Task(name, t.total))
    short.sort(key=lambda item: -item[1].total)
    bundle: list[tuple[str, JobTime]] = []
    for item in [*short, None]:
        seconds = (bundle[0][1].shared + sum(t.build + t.compute for _, t in bundle)) if bundle else 0.0
        if bundle and (item is None or seconds + item[1].build + item[1].compute > bundle_below):
            tasks.append(Task(f"{bundle[0][0]} +{len(bundle) - 1}", seconds, 1, len(bundle)))
            bundle = []
        if item is not None:
            bundle.append(item)
    return tasks


def plan_tasks(jobs: Sequence[Job], times: Sequence[JobTime], *, nodes: int, gpus_per_node: int,
               bundle_below: float = 0.0) -> list[Task]:
    """The tasks of a sweep: jobs longer than a GPU's balanced share of the whole (all GPU-seconds
    over all GPUs) sharded over a node, jobs under ``bundle_below`` seconds bundled. Bundling
    lowers the share, so it is worked out again once from the bundled tasks."""
    share = sum(t.total for t in times) / (nodes * gpus_per_node)
    tasks = tasks_for(jobs, times, shard_above=share, gpus_per_node=gpus_per_node, bundle_below=bundle_below)
    share = sum(t.seconds * t.gpus for t in tasks) / (nodes * gpus_per_node)
    return tasks_for(jobs, times, shard_above=share, gpus_per_node=gpus_per_node, bundle_below=bundle_below)


# --------------------------------------------------------------------------- printing helpers


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A markdown table; numbers right-aligned."""
    rows = [[str(cell) for cell in row] for row in rows]
    align = ["---:" if rows and all(re.fullmatch(r"[-+~<>x\d.,%/ ]+|-", r[i]) for r in rows) else "---"
             for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def hours(seconds: float) -> str:
    return f"{seconds / 3600:,.1f}"


def clock(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{seconds / 60:.1f} min"


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def commit_of(folder: Path) -> str:
    found = re.search(r"\b([0-9a-f]{40})\b", (folder / "README.md").read_text(encoding="utf-8"))
    return found.group(1) if found else "unknown (README.md names no commit)"
