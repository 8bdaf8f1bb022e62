"""The inputs of docs/scaling.md: a sweep of every timm model with published ImageNet results
over the 50,000 ImageNet validation images on 8 nodes x 8 GPUs, planned on paper.

Two halves, printed as the markdown tables the page pastes:

published  timm's results files (``shared/data/timm-results/``, copied from
           huggingface/pytorch-image-models at the commit its README names):
           results-imagenet.csv (the models with published ImageNet-1k results: one job
           per row, a pretrained tag at one image size), joined by architecture and
           image size to the RTX 4090 AMP inference benchmark (samples/s at the batch
           size in the file) and the i7-12700H CPU one, and by architecture to
           model_metadata-in1k.csv (pretraining data). A row without a GPU figure at
           its size gets one from the same architecture at another size (scaled by
           pixels), else from a log-linear fit on parameters and image size; the
           error of both rules is measured on the rows where the answer is known.
measured   on this machine, small scale: JPEG decode + resize + crop + normalise per
           core (zoo's image reader and timm's eval transform, as a zoo job runs them,
           on real photos: random crops of scikit-image's five labelled photos, as
           benchmarks/run_throughput.py makes them, and the same in larger files), the
           sha256 rate (zoo fingerprints a folder by every file's sha256), model build
           time against parameters, the fixed cost of a whole `zoo run` process,
           and per-sample model throughput of three timm models with `zoo run` (tiny
           limit) and model-only, against timm's published CPU figures.

From both (benchmarks/scaling_plan.py): GPU-seconds per job, total GPU-hours, the wall time on 64 GPUs with
longest-processing-time-first packing (the slowest jobs sharded over a node's 8
GPUs with torchrun), the Slurm array shape, and where the bottleneck sits (CPU
decode, storage reads, the GPU) for fast and slow models. Every figure is an
estimate unless the table says measured; nothing here ran on a GPU.

`zoo bench` (a later issue) will measure the GPU throughputs this uses; until then
the GPU figures are timm's published ones and the CPU figures come from
`zoo run` records (`run.samples_per_second`, `run.build_seconds`).

Usage: python benchmarks/scaling_inputs.py [--timm-results DIR] [--cores-per-gpu 16]
       [--gpu-speedup 1] [--bundle-minutes 5] [--measurements FILE | --save-measurements FILE]
docs/scaling.md's tables: --save-measurements benchmarks/scaling_measured_here.json (that file
reprints them with --measurements, measuring nothing).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaling_plan import (GPUS_PER_NODE, NODES, VAL_BYTES, VAL_IMAGES, Job, JobTime, Measured, Published, RateFit,
                          Task, Throughput, clock, commit_of, decode_rate, fallback_errors, fit_rates, hours, join,
                          job_time, pack, percentile, plan_tasks, published_models, read_rows, table, throughputs)

REPOSITORY = Path(__file__).resolve().parents[1]
TIMM_RESULTS = Path(__file__).resolve().parents[2] / "shared/data/timm-results"
RESULTS_FILE = "results-imagenet.csv"
GPU_FILE = "benchmark-infer-amp-nchw-pt291-cu128-4090.csv"
CPU_FILE = "benchmark-infer-fp32-nchw-pt240-cpu-i7_12700h-dynamo.csv"
PRETRAIN_FILE = "model_metadata-in1k.csv"

# timm models run here on CPU with `zoo run`: the offline entry (real weights) and two
# architectures built with random weights (the speed of a forward pass does not depend on them).
CPU_MODELS = (("efficientnet-lite0-offline", "tf_efficientnet_lite0", ()),
              ("timm", "resnet50", ("--model-arg", "model_name=resnet50")),
              ("timm", "deit_tiny_patch16_224", ("--model-arg", "model_name=deit_tiny_patch16_224")))
BUILD_MODELS = ("resnet50", "vit_base_patch16_224")  # build time against parameter count
DECODE_SIZES = ((224, 0.875), (288, 1.0), (384, 1.0))  # eval size and crop fraction


# --------------------------------------------------------------------------- measuring here


def _photo_folder(root: Path, count: int) -> None:
    sys.path.insert(0, str(REPOSITORY / "benchmarks"))
    from run_throughput import make_photo_folder  # the same realistic JPEGs the throughput benchmark reads

    make_photo_folder(root, count)


def _best_rate(count: int, work: Any, repeat: int) -> float:
    best = math.inf
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return count / best


def measure_decode(files: Sequence[Path], larger: Sequence[Path], repeat: int) -> dict[str, Any]:
    """Per-core images/s at each eval size: zoo's reader (read, verify, decode, EXIF) + timm's eval
    transform, as a zoo job's data-loader worker runs them, and plain PIL + the same transform;
    and at 224 on ``larger``, the same photos in larger files (JPEG quality 100), for the cost per byte."""
    import torch
    from PIL import Image
    from timm.data import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD, create_transform

    from zoo.inputs.image import read_image

    torch.set_num_threads(1)
    rows = []
    for size, crop in DECODE_SIZES:
        transform = create_transform(input_size=(3, size, size), interpolation="bicubic", crop_pct=crop,
                                     mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, is_training=False)

        def zoo_path(transform: Any = transform) -> None:
            for path in files:
                transform(read_image(path, sample_id=path.name))

        def pil_path(transform: Any = transform) -> None:
            for path in files:
                with Image.open(path) as image:
                    transform(image.convert("RGB"))

        rows.append({"size": size, "crop_pct": crop, "zoo": _best_rate(len(files), zoo_path, repeat),
                     "pil": _best_rate(len(files), pil_path, repeat)})
    # per-image seconds = base + per_pixel * size^2: least squares over the sizes measured
    xs = [r["size"] ** 2 for r in rows]
    ys = [1.0 / r["zoo"] for r in rows]
    slope, base = statistics.linear_regression(xs, ys)
    size, crop = DECODE_SIZES[0]
    transform = create_transform(input_size=(3, size, size), interpolation="bicubic", crop_pct=crop,
                                 mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD, is_training=False)

    def zoo_larger() -> None:
        for path in larger:
            transform(read_image(path, sample_id=path.name))

    larger_rate = _best_rate(len(larger), zoo_larger, repeat)
    small_bytes = statistics.mean(path.stat().st_size for path in files)
    large_bytes = statistics.mean(path.stat().st_size for path in larger)
    per_byte = (1.0 / larger_rate - 1.0 / rows[0]["zoo"]) / (large_bytes - small_bytes)
    return {"rows": rows, "base": base, "per_pixel": slope, "per_byte": per_byte, "photo_bytes": small_bytes,
            "larger": {"size": size, "mean_bytes": large_bytes, "zoo": larger_rate}}


def measure_files(scratch: Path) -> dict[str, Any]:
    """sha256 and weight-load rates, and in-process build time of two timm models with their weights."""
    import timm
    import torch
    from safetensors.torch import save_file

    import zoo
    from zoo.weights import sha256_file

    torch.set_num_threads(1)
    builds = []
    for arch in BUILD_MODELS:
        path = scratch / f"{arch}.safetensors"
        module = timm.create_model(arch)
        save_file({k: v.contiguous() for k, v in module.state_dict().items()}, str(path))
        params = sum(p.numel() for p in module.parameters()) / 1e6
        del module
        size = path.stat().st_size
        sha256_file(path)  # into the page cache: a node-local copy read warm
        started = time.perf_counter()
        sha256_file(path)
        sha_seconds = time.perf_counter() - started
        started = time.perf_counter()
        zoo.build_model("timm", model_name=arch, checkpoint=str(path))
        build_seconds = time.perf_counter() - started
        builds.append({"architecture": arch, "params_m": params, "bytes": size, "sha256_seconds": sha_seconds,
                       "build_seconds": build_seconds})
        path.unlink()
    # build seconds = per_param * params, least squares through the origin (a tiny model's build is
    # in the whole-process figure of measure_process)
    per_param = (sum(b["params_m"] * b["build_seconds"] for b in builds) / sum(b["params_m"] ** 2 for b in builds))
    return {"builds": builds, "build_per_param_m": per_param,
            "sha256_bytes_per_second": sum(b["bytes"] for b in builds) / sum(b["sha256_seconds"] for b in builds)}


def _one_thread_env() -> dict[str, str]:
    # One core per job: with two threads on two cores shared with other work, the threads wait on
    # each other (see measure_threads), and a cluster job gets its own cores anyway.
    # ZOO_NO_STORE: every run is measured, none answered from (or kept in) the results store.
    return {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1",
            "ZOO_NO_STORE": "1"}


def _zoo_run(args: Sequence[str], record: Path) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "zoo", "run", *args, "-q", "-o", str(record)], check=True,
                   stdout=subprocess.DEVNULL, env=_one_thread_env())
    return time.perf_counter() - started, json.loads(record.read_text())


def measure_process(photos: Path, scratch: Path, repeat: int) -> dict[str, Any]:
    """A whole tiny `zoo run` (8 images) against `python -c 'import torch, timm'`: its fixed cost."""
    folder = ("--dataset", "image-folder", "--dataset-arg", f"root={photos}")
    imports = math.inf
    best: tuple[float, dict[str, Any]] | None = None
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import torch, timm"], check=True, env=_one_thread_env())
        imports = min(imports, time.perf_counter() - started)
        wall, record = _zoo_run(["efficientnet-lite0-offline", *folder, "--limit", "8", "-b", "8"],
                                scratch / "tiny.json")
        if best is None or wall < best[0]:
            best = (wall, record)
    assert best is not None
    wall, record = best
    return {"imports_seconds": imports, "process_seconds": wall, "build_seconds": record["run"]["build_seconds"],
            "loop_seconds": record["run"]["wall_seconds"], "fixed_seconds": wall - record["run"]["wall_seconds"]}


def measure_models(photos: Path, scratch: Path, images: int, seconds: float) -> list[dict[str, Any]]:
    """Per model: `zoo run` at batch 1 on ``images`` photos (one thread; decoding in the loop) and the
    module alone at batch 1 (timm's benchmark method: warm-up, a timed window, NCHW, inference_mode)."""
    import timm
    import torch

    torch.set_num_threads(1)
    rows = []
    for name, arch, extra in CPU_MODELS:
        _, record = _zoo_run([name, *extra, "--dataset", "image-folder", "--dataset-arg", f"root={photos}",
                              "--limit", str(images), "-b", "1"], scratch / "model.json")
        size = record["model"]["config"]["input_size"][-1]
        module = timm.create_model(arch).eval()
        batch = torch.randn(1, 3, size, size)
        with torch.inference_mode():
            for _ in range(3):
                module(batch)
            started, count = time.perf_counter(), 0
            while time.perf_counter() - started < seconds:
                module(batch)
                count += 1
        rows.append({"model": name if name != "timm" else f"timm {arch} (random weights)", "architecture": arch,
                     "img_size": size, "zoo_run": record["run"]["samples_per_second"],
                     "module": count / (time.perf_counter() - started)})
    return rows


def measure_threads(seconds: float) -> dict[str, Any]:
    """resnet50 at batch 1 on one thread and on every core: what oversubscription costs here."""
    import timm
    import torch

    module = timm.create_model("resnet50").eval()
    batch = torch.randn(1, 3, 224, 224)
    result = {"cores": os.cpu_count(), "load_average": os.getloadavg()[0]}
    for threads in (1, os.cpu_count() or 1):
        torch.set_num_threads(threads)
        with torch.inference_mode():
            module(batch)
            started, count = time.perf_counter(), 0
            while time.perf_counter() - started < seconds:
                module(batch)
                count += 1
        result[f"threads_{threads}"] = count / (time.perf_counter() - started)
    torch.set_num_threads(1)
    return result


def measure(images: int, repeat: int) -> dict[str, Any]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory(prefix="zoo-scaling-") as folder:
        scratch = Path(folder)
        photos = scratch / "photos"
        _photo_folder(photos, images)
        files = sorted(photos.rglob("*.jpg"))
        sizes = [path.stat().st_size for path in files]
        from PIL import Image

        pixels, larger = [], []
        for index, path in enumerate(files):
            with Image.open(path) as image:
                pixels.append(image.width * image.height)
                larger.append(scratch / f"q100-{index:04d}.jpg")
                image.save(larger[-1], quality=100)
        result = {"machine": {"cores": os.cpu_count(), "load_average_before": os.getloadavg()[0],
                              "cpu": _cpu_name()},
                  "photos": {"count": len(files), "mean_bytes": statistics.mean(sizes),
                             "mean_pixels": statistics.mean(pixels)}}
        result["decode"] = measure_decode(files, larger, repeat)
        result["files"] = measure_files(scratch)
        result["process"] = measure_process(photos, scratch, repeat)
        result["models"] = measure_models(photos, scratch, min(32, images), seconds=3.0)
        result["threads"] = measure_threads(seconds=3.0)
        result["machine"]["load_average_after"] = os.getloadavg()[0]
    return result


def _cpu_name() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "unknown"
    found = re.search(r"^model name\s*:\s*(.+)$", text, flags=re.M)
    return found.group(1).strip() if found else "unknown"


def measured_inputs(measurements: Mapping[str, Any]) -> Measured:
    decode, files, process = measurements["decode"], measurements["files"], measurements["process"]
    return Measured(decode_seconds_base=decode["base"], decode_seconds_per_pixel=decode["per_pixel"],
                    decode_seconds_per_byte=decode["per_byte"], photo_bytes=decode["photo_bytes"],
                    sha256_bytes_per_second=files["sha256_bytes_per_second"],
                    build_seconds_per_param_m=files["build_per_param_m"],
                    process_fixed_seconds=process["fixed_seconds"] - process["build_seconds"])


# --------------------------------------------------------------------------- printing


@dataclass
class Scenario:
    """A way to feed the GPUs, and each job's time under it."""

    name: str
    decode_workers: int | None  # None: decoding costs the GPU nothing
    times: list[JobTime] = field(default_factory=list)


@dataclass(frozen=True)
class PublishedData:
    """Everything read from timm's results folder."""

    published: list[Published]
    gpu: dict[tuple[str, int], Throughput]
    cpu: dict[tuple[str, int], Throughput]
    fit: RateFit
    jobs: list[Job]


def read_published(folder: Path) -> PublishedData:
    published = published_models(read_rows(folder / RESULTS_FILE))
    gpu = throughputs(read_rows(folder / GPU_FILE))
    cpu = throughputs(read_rows(folder / CPU_FILE))
    pretrain = {row["model"]: row["pretrain"] for row in read_rows(folder / PRETRAIN_FILE)}
    fit = fit_rates([(e.params_m, e.img_size, e.samples_per_second) for e in gpu.values()])
    return PublishedData(published, gpu, cpu, fit, join(published, gpu, fit, pretrain))


def print_published(data: PublishedData) -> None:
    jobs, published = data.jobs, data.published
    sources = Counter("other size" if j.rate_source.startswith("published at") else j.rate_source for j in jobs)
    errors = fallback_errors(data.gpu)
    print("## The models and their published throughputs\n")
    print(table(["what", "count"], [
        [f"rows of {RESULTS_FILE} (jobs: a pretrained tag at one image size)", f"{len(published):,}"],
        ["distinct pretrained tags (weights files)", f"{len({p.model for p in published}):,}"],
        ["distinct architectures", f"{len({p.architecture for p in published}):,}"],
        ["distinct eval transforms (image size, crop_pct, interpolation)",
         f"{len({(p.img_size, p.crop_pct, p.interpolation) for p in published}):,}"],
        [f"jobs with a published GPU rate at their size ({GPU_FILE}, by architecture and size)",
         f"{sources.get('published', 0):,}"],
        ["jobs with a GPU rate from the same architecture at another size", f"{sources.get('other size', 0):,}"],
        ["jobs with a GPU rate from the fit on parameters and size", f"{sources.get('fitted', 0):,}"],
        [f"jobs with a published CPU rate at their size ({CPU_FILE})",
         f"{sum((p.architecture, p.img_size) in data.cpu for p in published):,}"],
        [f"jobs whose architecture {PRETRAIN_FILE} lists (it names architectures, not tags)",
         f"{sum(j.pretrain != 'not listed' for j in jobs):,}"],
    ]))
    fit = data.fit
    print(f"\nFallback rules, and their error where the published rate is known (times off, either way): "
          f"the same architecture at the nearest other size, rate x (size ratio)^2: median "
          f"x{statistics.median(errors['size']):.2f}, 90th percentile x{percentile(errors['size'], 0.9):.2f} "
          f"over {len(errors['size'])} benchmark rows; a log-linear fit on all {len(data.gpu):,} GPU rows, "
          f"images/s = {math.exp(fit.intercept):.3g} x params_M^{fit.params_slope:.2f} x size^{fit.size_slope:.2f}: "
          f"median x{statistics.median(errors['fit']):.2f}, 90th percentile x{percentile(errors['fit'], 0.9):.2f} "
          f"(5-fold cross-validation).\n")


def print_measured(measurements: Mapping[str, Any], here: Measured, cpu: Mapping[tuple[str, int], Throughput]) -> None:
    machine, photos, decode = measurements["machine"], measurements["photos"], measurements["decode"]
    print(f"## Measured here\n\n{machine['cores']} cores ({machine['cpu']}), no GPU, shared with other work "
          f"(load average {machine['load_average_before']:.2f} before, {machine['load_average_after']:.2f} after); "
          f"one thread per measurement. Photos: {photos['count']} JPEGs, mean {photos['mean_bytes'] / 1e3:.0f} KB, "
          f"{photos['mean_pixels'] / 1e3:.0f} k pixels.\n")
    larger = decode["larger"]
    print(table(["eval size (crop)", "zoo reader + timm transform, images/s per core",
                 "PIL open + timm transform, images/s per core"],
                [[f"{r['size']} ({r['crop_pct']})", f"{r['zoo']:.0f}", f"{r['pil']:.0f}"] for r in decode["rows"]]
                + [[f"{larger['size']}, same photos at JPEG quality 100 ({larger['mean_bytes'] / 1e3:.0f} KB)",
                    f"{larger['zoo']:.0f}", "-"]]))
    print(f"\nPer-image CPU seconds the plan uses: {here.decode_seconds_base * 1e3:.2f} ms + "
          f"{here.decode_seconds_per_pixel * 1e9:.3f} ns x size^2 (least squares over the three sizes) + "
          f"{here.decode_seconds_per_byte * 1e9:.1f} ns per byte above the photos' {here.photo_bytes / 1e3:.0f} KB "
          f"(from the quality-100 files), so for ImageNet val's {VAL_BYTES / VAL_IMAGES / 1e3:.0f} KB: "
          f"{decode_rate(here, 224):.0f} images/s per core at 224, {decode_rate(here, 384):.0f} at 384, "
          f"{decode_rate(here, 512):.0f} at 512 (extrapolated).\n")
    files, process = measurements["files"], measurements["process"]
    rows = [[f"build {b['architecture']} ({b['params_m']:.1f} M params) with its safetensors weights, in-process "
             f"(`zoo.build_model`)", f"{b['build_seconds']:.2f} s"] for b in files["builds"]]
    rows += [["sha256 (`zoo.weights.sha256_file`), one core, file in the page cache",
              f"{files['sha256_bytes_per_second'] / 1e9:.2f} GB/s"],
             ["`python -c 'import torch, timm'`", f"{process['imports_seconds']:.2f} s"],
             ["a whole `zoo run efficientnet-lite0-offline` on 8 photos, process start to exit",
              f"{process['process_seconds']:.2f} s"],
             ["of which building (the record's `run.build_seconds`: dataset + model)", f"{process['build_seconds']:.2f} s"],
             ["of which the loop (the record's `run.wall_seconds`)", f"{process['loop_seconds']:.2f} s"]]
    print(table(["what", "measured"], rows))
    print()
    model_rows = []
    for row in measurements["models"]:
        reference = cpu.get((row["architecture"], row["img_size"]))
        rate = reference.samples_per_second if reference else None
        model_rows.append([row["model"], row["img_size"], f"{row['zoo_run']:.2f}", f"{row['module']:.2f}",
                           f"{rate:.2f}" if rate else "-", f"{row['module'] / rate:.2f}" if rate else "-"])
    print(table(["model", "size", "`zoo run`, images/s (1 core, batch 1)", "module alone, images/s",
                 "timm's published CPU figure (i7-12700H, compiled, batch 1)", "module here / published"],
                model_rows))
    threads = measurements["threads"]
    one, every = threads["threads_1"], threads[f"threads_{threads['cores']}"]
    print(f"\nresnet50 at 224, batch 1: {one:.2f} images/s on 1 thread, {every:.2f} on {threads['cores']} threads "
          f"while other work ran (load {threads['load_average']:.2f}): {one / every:.1f}x slower with more threads "
          f"than free cores.\n")


def sweep_scenarios(jobs: Sequence[Job], here: Measured, args: argparse.Namespace) -> list[Scenario]:
    workers = args.cores_per_gpu - 1  # one core for the main process, which sends batches to the GPU
    scenarios = [Scenario("decode off the CPU (on the GPU, or pre-decoded)", None),
                 Scenario(f"`--num-workers {workers}` ({args.cores_per_gpu} cores per GPU)", workers),
                 Scenario(f"zoo's default workers on {args.cores_per_gpu} cores (min(8, cores / 2))",
                          min(8, args.cores_per_gpu // 2)),
                 Scenario("`--num-workers 7` (8 cores per GPU)", 7)]
    for scenario in scenarios:
        scenario.times = [job_time(j, here, decode_workers=scenario.decode_workers,
                                   cuda_start_seconds=args.cuda_start_seconds, gpu_speedup=args.gpu_speedup)
                          for j in jobs]
    return scenarios


def print_sweep(jobs: Sequence[Job], here: Measured, scenarios: Sequence[Scenario], args: argparse.Namespace) -> None:
    gpus = NODES * GPUS_PER_NODE
    rows = []
    for scenario in scenarios:
        totals = [t.total for t in scenario.times]
        balanced = sum(totals) / gpus
        per_job = max(pack([Task(j.model, t) for j, t in zip(jobs, totals)], NODES, GPUS_PER_NODE))
        tasks = plan_tasks(jobs, scenario.times, nodes=NODES, gpus_per_node=GPUS_PER_NODE)
        sharded = max(pack(tasks, NODES, GPUS_PER_NODE))
        bundled = plan_tasks(jobs, scenario.times, nodes=NODES, gpus_per_node=GPUS_PER_NODE,
                             bundle_below=args.bundle_minutes * 60)
        rows.append([scenario.name, sum(t.bound == "decode" for t in scenario.times),
                     hours(sum(t.compute for t in scenario.times)), hours(sum(t.fixed for t in scenario.times)),
                     clock(balanced), clock(per_job), f"{clock(sharded)} ({sum(t.gpus > 1 for t in tasks)} over 8)",
                     f"{clock(max(pack(bundled, NODES, GPUS_PER_NODE)))} ({len(bundled)} tasks)"])
    fingerprint = VAL_BYTES / here.sha256_bytes_per_second
    fixed = here.process_fixed_seconds + fingerprint + args.cuda_start_seconds
    print(f"## The sweep: {len(jobs):,} jobs x {VAL_IMAGES:,} images on {NODES} nodes x {GPUS_PER_NODE} GPUs "
          f"(estimates)\n\nGPU rates: timm's published RTX 4090 AMP figures x {args.gpu_speedup:g}. Fixed cost "
          f"of a job: {fixed:.1f} s + {here.build_seconds_per_param_m:.3f} s per million parameters (process and "
          f"imports {here.process_fixed_seconds:.1f} s, the dataset's fingerprint {fingerprint:.1f} s for "
          f"{VAL_BYTES / 1e9:.1f} GB and the model's build: measured here; CUDA start {args.cuda_start_seconds:g} s: "
          f"assumed). Decoding: the per-core rate above x workers.\n")
    print(table(["decoding", "jobs decode-bound", "GPU-hours evaluating", "GPU-hours fixed cost",
                 "lower bound (sum / 64)", "wall, one GPU per job (LPT)", "wall, slowest jobs over 8 GPUs (LPT)",
                 f"wall, and jobs under {args.bundle_minutes:g} min bundled (LPT)"], rows))


def print_bottleneck(jobs: Sequence[Job], here: Measured, scenario: Scenario, args: argparse.Namespace) -> None:
    buckets = [(10_000, math.inf), (2_500, 10_000), (1_000, 2_500), (250, 1_000), (50, 250), (0, 50)]
    per_image = VAL_BYTES / VAL_IMAGES
    rows = []
    for low, high in buckets:
        chosen = [(j, t) for j, t in zip(jobs, scenario.times) if low <= j.gpu_rate * args.gpu_speedup < high]
        if not chosen:
            continue
        cores = [j.gpu_rate * args.gpu_speedup / decode_rate(here, j.img_size) for j, _ in chosen]
        reads = [VAL_IMAGES / t.compute * per_image / 1e9 for _, t in chosen]
        rows.append([f">= {low:,}" if high == math.inf else f"{low:,}-{high:,}", len(chosen),
                     hours(sum(t.total for _, t in chosen)), f"{statistics.median(cores):.1f}",
                     f"{sum(t.bound == 'decode' for _, t in chosen)} / {len(chosen)}",
                     f"{statistics.median(reads):.2f}", f"{statistics.median(t.fixed / t.total for _, t in chosen):.0%}"])
    print(f"\n## Where the bottleneck sits ({scenario.name})\n")
    print(table(["published GPU images/s", "jobs", "GPU-hours", "median cores to feed one GPU", "decode-bound",
                 "median read GB/s per GPU", "median share of a job that is fixed cost"], rows))
    busiest = max(VAL_IMAGES / t.compute for t in scenario.times) * per_image / 1e9
    print(f"\nReads: each job reads the {VAL_BYTES / 1e9:.1f} GB twice (the fingerprint's sha256, then decoding): "
          f"{2 * len(jobs) * VAL_BYTES / 1e12:.1f} TB over the sweep. The fastest job reads {busiest:.2f} GB/s while "
          f"decoding: {GPUS_PER_NODE * busiest:.1f} GB/s for a node of such jobs, {NODES * GPUS_PER_NODE * busiest:.0f} "
          f"GB/s for the cluster from shared storage. Staged once per node: {NODES * VAL_BYTES / 1e9:.0f} GB from "
          f"shared storage in all.\n")


def print_arrays(jobs: Sequence[Job], scenario: Scenario, args: argparse.Namespace) -> None:
    times = scenario.times
    balanced = sum(t.total for t in times) / (NODES * GPUS_PER_NODE)
    order = sorted(range(len(jobs)), key=lambda i: -times[i].total)
    print(f"## The slowest jobs ({scenario.name}; a GPU's balanced share: {clock(balanced)})\n")
    print(table(["model", "size", "params M", "GPU images/s", "one GPU", "8 GPUs (torchrun)"],
                [[jobs[i].model, jobs[i].img_size, f"{jobs[i].params_m:,.0f}", f"{jobs[i].gpu_rate:,.1f}",
                  clock(times[i].total), clock(times[i].fixed + times[i].compute / GPUS_PER_NODE)]
                 for i in order[:10]]))
    tasks = plan_tasks(jobs, times, nodes=NODES, gpus_per_node=GPUS_PER_NODE, bundle_below=args.bundle_minutes * 60)
    kinds = {"a node per job (`torchrun --nproc-per-node 8`)": [t for t in tasks if t.gpus > 1],
             "one GPU per job": [t for t in tasks if t.gpus == 1 and t.jobs == 1],
             f"one GPU per bundle of jobs under {args.bundle_minutes:g} min (`zoo run A B C ...`)":
                 [t for t in tasks if t.jobs > 1]}
    resources = {1: f"`--gres=gpu:1 --cpus-per-task={args.cores_per_gpu}`",
                 GPUS_PER_NODE: f"`--gres=gpu:{GPUS_PER_NODE} --cpus-per-task={GPUS_PER_NODE * args.cores_per_gpu} "
                                f"--exclusive`"}
    print(f"\n## Slurm arrays (slowest over 8 GPUs, jobs under {args.bundle_minutes:g} min bundled; "
          f"wall {clock(max(pack(tasks, NODES, GPUS_PER_NODE)))})\n")
    print(table(["array", "tasks", "jobs", "per task", "longest task", "median task"],
                [[name, len(chosen), sum(t.jobs for t in chosen), resources[chosen[0].gpus],
                  clock(max(t.seconds for t in chosen)), clock(statistics.median(t.seconds for t in chosen))]
                 for name, chosen in kinds.items() if chosen]))
    by_pretrain: dict[str, list[float]] = {}
    for job, t in zip(jobs, times):
        by_pretrain.setdefault(job.pretrain, []).append(t.total)
    print(f"\n## By pretraining data ({PRETRAIN_FILE}, joined by architecture)\n")
    print(table(["pretrain", "jobs", "GPU-hours"], [[name, len(values), hours(sum(values))] for name, values
                                                  in sorted(by_pretrain.items(), key=lambda kv: -len(kv[1]))]))
    weights = {j.model: j.params_m for j in jobs}
    print(f"\nWeights to stage: {len(weights):,} files, about {sum(weights.values()) * 4 / 1e3:,.0f} GB as float32 "
          f"(parameters x 4 bytes: an estimate, as some hub files are half precision).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timm-results", type=Path, default=TIMM_RESULTS, help="timm's results/ files")
    parser.add_argument("--cores-per-gpu", type=int, default=16, help="CPU cores a node gives each GPU (default 16)")
    parser.add_argument("--gpu-speedup", type=float, default=1.0,
                        help="the cluster's GPU against an RTX 4090 with AMP (default 1: 4090-equivalents)")
    parser.add_argument("--cuda-start-seconds", type=float, default=5.0,
                        help="CUDA context, cuDNN and warm-up per job: assumed, not measured here (default 5)")
    parser.add_argument("--bundle-minutes", type=float, default=5.0,
                        help="run jobs shorter than this several to a process, up to this long (default 5)")
    parser.add_argument("--images", type=int, default=120, help="JPEGs to decode here (default 120)")
    parser.add_argument("--repeat", type=int, default=3, help="best of N for each measurement here")
    parser.add_argument("--measurements", type=Path, help="reuse measurements saved by --save-measurements")
    parser.add_argument("--save-measurements", type=Path, help="write what was measured here as JSON")
    args = parser.parse_args()
    folder = args.timm_results
    if not (folder / RESULTS_FILE).is_file():
        sys.exit(f"scaling_inputs: {folder / RESULTS_FILE} not found; give timm's results folder with --timm-results DIR")
    if args.cores_per_gpu < 2:
        sys.exit("scaling_inputs: --cores-per-gpu must be at least 2 (one for the main process, one to decode)")
    data = read_published(folder)
    if args.measurements:
        measurements = json.loads(args.measurements.read_text())
    else:
        measurements = measure(args.images, args.repeat)
        if args.save_measurements:
            args.save_measurements.write_text(json.dumps(measurements, indent=1))
    here = measured_inputs(measurements)
    commit = commit_of(folder)
    print(f"# Scaling inputs\n\nPublished figures: timm's results/ at commit {commit} "
          f"(https://github.com/huggingface/pytorch-image-models/tree/{commit}/results).\n")
    print_published(data)
    print_measured(measurements, here, data.cpu)
    scenarios = sweep_scenarios(data.jobs, here, args)
    print_sweep(data.jobs, here, scenarios, args)
    print_bottleneck(data.jobs, here, scenarios[1], args)
    print_arrays(data.jobs, scenarios[1], args)


if __name__ == "__main__":
    main()
