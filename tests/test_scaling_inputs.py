"""The arithmetic behind docs/scaling.md (benchmarks/scaling_plan.py, the pure half of
benchmarks/scaling_inputs.py): joining timm's published rows, the fallback rates, the time of a
job, and longest-processing-time-first packing of jobs onto a cluster's GPUs. Small rows, no model."""

from __future__ import annotations

import importlib.util
import math
import random
import sys
from pathlib import Path

import pytest

PLAN_FILE = Path(__file__).resolve().parents[1] / "benchmarks" / "scaling_plan.py"
_spec = importlib.util.spec_from_file_location("scaling_plan", PLAN_FILE)
plan = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
sys.modules["scaling_plan"] = plan  # dataclasses look their module up by name
_spec.loader.exec_module(plan)  # type: ignore[union-attr]

RESULTS = [  # rows as csv.DictReader gives them from results-imagenet.csv
    {"model": "resnet50.a1_in1k", "img_size": "288", "top1": "81.214", "param_count": "25.56"},
    {"model": "resnet50.tv_in1k", "img_size": "224", "top1": "76.130", "param_count": "25.56"},
    {"model": "convnext_tiny.fb_in1k", "img_size": "384", "top1": "84.0", "param_count": "28.59"},
    {"model": "eva_giant_patch14_560.m30m_ft_in22k_in1k", "img_size": "560", "top1": "89.790",
     "param_count": "1,014.45"},
]
GPU = [  # benchmark-infer-amp-*.csv rows: architectures, not tags
    {"model": "resnet50", "infer_img_size": "224", "infer_samples_per_sec": "4302.84", "infer_batch_size": "1024",
     "param_count": "25.56", "infer_gmacs": "4.11"},
    {"model": "resnet50", "infer_img_size": "288", "infer_samples_per_sec": "2631.02", "infer_batch_size": "1024",
     "param_count": "25.56", "infer_gmacs": "6.8"},
    {"model": "convnext_tiny", "infer_img_size": "224", "infer_samples_per_sec": "4814.88",
     "infer_batch_size": "1024", "param_count": "28.59", "infer_gmacs": "4.47"},
    {"model": "convnext_tiny", "infer_img_size": "288", "infer_samples_per_sec": "2919.6",
     "infer_batch_size": "1024", "param_count": "28.59", "infer_gmacs": "7.39"},
]


def test_each_published_row_is_a_job_with_the_gpu_rate_of_its_architecture_at_its_size() -> None:
    published = plan.published_models(RESULTS)
    gpu = plan.throughputs(GPU)
    fit = plan.RateFit(intercept=math.log(1e9), params_slope=-0.5, size_slope=-2.0)
    jobs = plan.join(published, gpu, fit, pretrain={"resnet50": "in1k"})

    by_model = {job.model: job for job in jobs}
    assert len(jobs) == 4
    # exact (architecture, size) matches, the tag stripped
    assert by_model["resnet50.a1_in1k"].gpu_rate == 2631.02
    assert by_model["resnet50.tv_in1k"].gpu_rate == 4302.84
    assert by_model["resnet50.a1_in1k"].rate_source == "published"
    # no row at 384: the nearest size (288), scaled by pixels
    convnext = by_model["convnext_tiny.fb_in1k"]
    assert convnext.rate_source == "published at 288 px, scaled"
    assert convnext.gpu_rate == pytest.approx(2919.6 * (288 / 384) ** 2)
    # no row for the architecture at all: the fit, on parameters written with a thousands separator
    giant = by_model["eva_giant_patch14_560.m30m_ft_in22k_in1k"]
    assert giant.params_m == 1014.45
    assert giant.rate_source == "fitted"
    assert giant.gpu_rate == pytest.approx(1e9 * 1014.45 ** -0.5 * 560 ** -2.0)
    # pretraining data is listed by architecture, so both resnet50 tags get it
    assert [by_model[m].pretrain for m in ("resnet50.a1_in1k", "resnet50.tv_in1k", "convnext_tiny.fb_in1k")] == [
        "in1k", "in1k", "not listed"]


def test_the_fit_recovers_a_power_law_and_the_size_rule_is_exact_when_cost_follows_pixels() -> None:
    points = [(p, s, 3e8 * p ** -0.7 * s ** -2.0) for p in (2.0, 10.0, 50.0, 300.0) for s in (160, 224, 384)]
    fit = plan.fit_rates(points)
    assert (fit.params_slope, fit.size_slope) == (pytest.approx(-0.7), pytest.approx(-2.0))
    assert fit.predict(25.0, 288) == pytest.approx(3e8 * 25.0 ** -0.7 * 288 ** -2.0)

    rows = [{"model": arch, "infer_img_size": str(size), "infer_samples_per_sec": str(1e9 / size ** 2 / k),
             "infer_batch_size": "256", "param_count": str(k), "infer_gmacs": "1"}
            for k, arch in ((1.0, "small"), (4.0, "large")) for size in (224, 288, 384)]
    errors = plan.fallback_errors(plan.throughputs(rows), folds=3)
    assert errors["size"] == [pytest.approx(1.0)] * 6
    assert len(errors["fit"]) == 6 and all(e >= 1.0 for e in errors["fit"])


@pytest.mark.parametrize("bins", [1, 3, 8, 64])
def test_lpt_finishes_no_earlier_than_the_longest_job_or_the_average_and_no_later_than_their_sum(bins: int) -> None:
    rng = random.Random(bins)
    durations = [rng.lognormvariate(3.0, 1.5) for _ in range(200)]
    loads, placed = plan.lpt(durations, bins)

    makespan, total = max(loads), sum(durations)
    assert makespan >= max(durations)
    assert makespan >= total / bins - 1e-9
    assert makespan <= total / bins + max(durations) + 1e-9  # Graham's bound for any list schedule
    assert makespan <= total + 1e-9
    assert sum(loads) == pytest.approx(total)
    assert [sum(d for d, b in zip(durations, placed) if b == i) for i in range(bins)] == pytest.approx(loads)


def test_lpt_places_the_longest_job_first_on_the_least_loaded_bin() -> None:
    # Graham's example: LPT gives 7 where 6 is possible (3+3 | 2+2+2), within its 4/3 bound.
    loads, _ = plan.lpt([2, 2, 2, 3, 3], 2)
    assert max(loads) == 7
    # bins that are already busy fill from the least loaded
    loads, placed = plan.lpt([5, 1], 2, start=[10.0, 0.0])
    assert loads == [10.0, 6.0] and placed == [1, 1]


def test_a_whole_node_task_holds_every_gpu_of_its_node_before_single_gpu_tasks_start() -> None:
    tasks = [plan.Task("giant", 10.0, gpus=2), plan.Task("a", 4.0), plan.Task("b", 3.0), plan.Task("c", 3.0)]
    loads = plan.pack(tasks, nodes=2, gpus_per_node=2)
    # node 0 runs the giant on both GPUs until 10 s; node 1's GPUs take a (4) and b (3), then c joins b
    assert sorted(loads) == [4.0, 6.0, 10.0, 10.0]
    with pytest.raises(ValueError, match="one GPU or a whole node"):
        plan.pack([plan.Task("odd", 1.0, gpus=3)], nodes=1, gpus_per_node=4)


MEASURED = plan.Measured(decode_seconds_base=0.002, decode_seconds_per_pixel=0.0, decode_seconds_per_byte=0.0,
                         photo_bytes=128_000, sha256_bytes_per_second=1e9, build_seconds_per_param_m=0.01,
                         process_fixed_seconds=3.0)


def test_a_fast_model_waits_for_decoding_and_a_slow_one_for_the_gpu() -> None:
    fast = plan.Job("fast.x", 224, params_m=5.0, gpu_rate=10_000.0, rate_source="published")
    slow = plan.Job("slow.x", 448, params_m=300.0, gpu_rate=100.0, rate_source="published")
    # 16 workers at 500 images/s each feed 8,000 images/s
    fast_time = plan.job_time(fast, MEASURED, decode_workers=16, cuda_start_seconds=5.0, images=50_000,
                              dataset_bytes=6.4e9)
    assert fast_time.bound == "decode" and fast_time.compute == pytest.approx(50_000 / 8_000)
    assert fast_time.shared == pytest.approx(3.0 + 6.4 + 5.0) and fast_time.build == pytest.approx(0.05)
    slow_time = plan.job_time(slow, MEASURED, decode_workers=16, cuda_start_seconds=5.0)
    assert slow_time.bound == "GPU" and slow_time.compute == pytest.approx(500.0)
    # with decoding off the CPU, only the GPU sets the pace; a faster GPU shortens it
    assert plan.job_time(fast, MEASURED, decode_workers=None, cuda_start_seconds=5.0, gpu_speedup=2.0).compute == (
        pytest.approx(2.5))


def test_the_longest_jobs_run_over_a_node_and_short_ones_share_a_process() -> None:
    jobs = [plan.Job(f"m{i}.x", 224, 1.0, 1.0, "published") for i in range(6)]
    times = [plan.JobTime(shared=10.0, build=1.0, compute=c, bound="GPU") for c in (800.0, 29.0, 29.0, 29.0, 9.0, 9.0)]
    tasks = plan.plan_tasks(jobs, times, nodes=1, gpus_per_node=4, bundle_below=100.0)

    wide = [t for t in tasks if t.gpus == 4]
    assert [t.seconds for t in wide] == [pytest.approx(11.0 + 800.0 / 4)]  # over the node's 4 GPUs
    bundles = [t for t in tasks if t.gpus == 1]
    assert sum(t.jobs for t in tasks) == 6
    # the shared cost (process, fingerprint, CUDA) is paid once per bundle, not once per job
    assert sum(t.seconds for t in bundles) == pytest.approx(10.0 * len(bundles) + 3 * 30.0 + 2 * 10.0)
    assert all(t.seconds <= 100.0 for t in bundles) and len(bundles) == 2
