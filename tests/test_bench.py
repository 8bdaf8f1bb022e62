"""`zoo bench` and zoo.bench: the record's shape, FLOPs, inputs, failures and the results store.

Windows are a few hundredths of a second: these tests check what is measured and recorded,
never how fast anything is (benchmarks/bench_parity.py does that).
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import zoo
from zoo.cli import make_cli
from zoo.testing import registry_of

QUICK = {"seconds": 0.05, "warmup": 1, "batch_sizes": (1, 4)}
QUICK_OPTIONS = ["--seconds", "0.05", "--warmup", "1", "--batch-size", "1,4"]


def register_other_inputs(register):
    """The measure model (one nn.Linear(1, 2)) as an image and as an audio classifier, without datasets."""
    for task in ("image-classification", "audio-classification"):
        register(f"measure-{task.split('-')[0]}", task=task, builder="zoo.testing.toy:build_measure_model",
                 args={"task": task}, license="MIT")


@pytest.fixture
def registry(toy_plugin_with):
    return registry_of(toy_plugin_with(register_other_inputs))


def invoke(registry, *args):
    return CliRunner().invoke(make_cli(lambda settings: registry), list(args), catch_exceptions=False)


def test_a_bench_record_says_what_was_measured_where(toy_registry):
    [record] = zoo.bench("keyword", registry=toy_registry, **QUICK)
    assert record["kind"] == "bench" and record["status"] == "ok" and record["zoo_record"] == 1
    assert record["model"]["id"] == "toys:keyword" and record["model"]["parameters"] == 4
    figures = record["bench"]
    assert figures["device"] == "cpu" and figures["device_name"].strip()
    assert (figures["dtype"], figures["channels_last"], figures["compile"]) == ("float32", False, False)
    # On the CPU: the weights' bytes (4 float32 parameters) plus the growth of the peak RSS while it ran.
    assert figures["memory_kind"] == "rss-increase" and figures["peak_memory_bytes"] >= 4 * 4
    assert set(figures["by_batch_size"]) == {"1", "4"}
    for size, measured in figures["by_batch_size"].items():
        assert measured["samples_per_second"] > 0 and measured["steps"] >= 3
        assert 0 < measured["latency_ms_median"] <= measured["latency_ms_p95"]
        assert figures["seconds_per_batch_size"][size] >= QUICK["seconds"]
    assert figures["samples_per_second"] == figures["by_batch_size"]["4"]["samples_per_second"]  # the largest batch
    assert figures["input_shape"] == {"counts": [1, 1]}  # the model's own collate, at batch 1
    assert record["versions"]["torch"] and record["request"]["batch_sizes"] == [1, 4]


def test_flops_and_macs_per_sample_are_those_of_the_model_s_layers(toy_registry):
    # keyword is one nn.Linear(1, 2): 2 multiply-adds per sample, 4 FLOPs; keyword-3class has 3 outputs.
    two, three = zoo.bench(["keyword", "keyword-3class"], registry=toy_registry, **QUICK)
    assert (two["bench"]["flops_per_sample"], two["bench"]["macs_per_sample"]) == (2 * 1 * 2, 1 * 2)
    assert (three["bench"]["flops_per_sample"], three["bench"]["macs_per_sample"]) == (2 * 1 * 3, 1 * 3)


def test_a_model_without_torch_layers_has_no_flops_rather_than_zero(toy_registry):
    [record] = zoo.bench("copy", registry=toy_registry, **QUICK)  # echoes its text: no matmul ever runs
    assert record["bench"]["flops_per_sample"] is None and record["bench"]["macs_per_sample"] is None


def test_inputs_are_the_default_dataset_s_when_present_else_synthetic_and_the_record_says_which(registry):
    from_data, forced, no_dataset = (zoo.bench(name, registry=registry, synthetic=synthetic, **QUICK)[0]["bench"]
                                     for name, synthetic in (("keyword", False), ("keyword", True),
                                                             ("keyword-upper", False)))
    assert from_data["inputs"] == "dataset:toys:reviews"
    assert "first 4 samples of toys:reviews [test]" in from_data["input_description"]
    assert forced["inputs"] == no_dataset["inputs"] == "synthetic"
    assert no_dataset["input_description"] == "4 texts of 128 words"


def test_synthetic_images_and_audio_have_the_model_s_size_and_speech_reports_a_real_time_factor(registry):
    image, audio = zoo.bench(["measure-image", "measure-audio"], registry=registry, **QUICK)
    assert image["bench"]["input_description"] == "4 random 224x224 images (the model's input_size)"
    assert image["bench"]["input_shape"] == [1, 1] and image["bench"]["flops_per_sample"] == 4
    assert "audio_seconds_per_second" not in image["bench"]["by_batch_size"]["1"]
    assert audio["bench"]["input_description"] == "4 clips of 1 s of noise at 16000 Hz"
    for measured in audio["bench"]["by_batch_size"].values():  # 1 s clips: seconds of audio per second = samples/s
        assert measured["audio_seconds_per_second"] == pytest.approx(measured["samples_per_second"], rel=1e-3)


def test_zoo_bench_prints_a_table_and_keeps_each_record_in_the_store(toy_registry, tmp_path):
    output = tmp_path / "bench.json"
    result = invoke(toy_registry, "bench", "keyword", "keyword-3class", *QUICK_OPTIONS, "-o", str(output))
    assert result.exit_code == 0, result.output
    header = result.stdout.splitlines()[0].split("  ")
    assert [cell.strip() for cell in header if cell.strip()] == [
        "model", "samples/s @1", "samples/s @4", "latency ms @1 (median/p95)", "params", "GFLOPs", "peak memory",
        "inputs"]
    assert "toys:keyword-3class" in result.stdout and "dataset:toys:reviews" not in result.stdout.split("keyword-3class")[1]
    written = json.loads(output.read_text())
    assert [record["model"]["id"] for record in written["benches"]] == ["toys:keyword", "toys:keyword-3class"]
    kept = zoo.results(kind="bench")
    assert sorted(row["model"] for row in kept) == ["toys:keyword", "toys:keyword-3class"]
    row = next(row for row in kept if row["model"] == "toys:keyword")
    # The columns a leaderboard reads: samples/s at the largest batch, the device, the parameters.
    assert row["samples_per_second"] == row["record"]["bench"]["samples_per_second"] > 0
    assert (row["device"], row["parameters"], row["status"]) == ("cpu", 4, "ok")


def test_json_prints_the_record_and_no_store_keeps_nothing(toy_registry):
    result = invoke(toy_registry, "bench", "keyword", *QUICK_OPTIONS, "--json", "--no-store")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["bench"]["by_batch_size"]["4"]["samples_per_second"] > 0
    assert zoo.results(kind="bench") == []


def test_a_model_that_fails_is_a_row_with_its_reason_and_the_others_still_run(registry_with_unfetched):
    result = invoke(registry_with_unfetched, "bench", "unfetched", "keyword", *QUICK_OPTIONS)
    assert result.exit_code == 1
    failed_row = next(line for line in result.stdout.splitlines() if line.startswith("toys:unfetched"))
    assert "failed" in failed_row and "weights of this model are not in the local cache" in failed_row
    assert any(line.startswith("toys:keyword ") for line in result.stdout.splitlines())
    assert result.stderr.strip().endswith("zoo: error: 1 of 2 model(s) failed: toys:unfetched")
    statuses = {row["model"]: row["status"] for row in zoo.results(kind="bench")}
    assert statuses == {"toys:unfetched": "failed", "toys:keyword": "ok"}


def test_zoo_results_lists_and_shows_bench_records_and_zoo_run_from_refuses_one(toy_registry, tmp_path):
    record = tmp_path / "bench.json"
    assert invoke(toy_registry, "bench", "keyword", *QUICK_OPTIONS, "-o", str(record)).exit_code == 0
    [stored] = zoo.results(kind="bench")
    speed = stored["record"]["bench"]["by_batch_size"]["4"]["samples_per_second"]
    listed = invoke(toy_registry, "results", "list", "--kind", "bench").stdout
    assert f"{speed} samples/s @4" in listed and "inputs dataset:toys:reviews" in listed
    shown = invoke(toy_registry, "results", "show", str(stored["id"])).stdout
    assert "flops_per_sample: 4" in shown and "zoo bench toys:keyword measures again" in shown
    replayed = invoke(toy_registry, "run", "--from", str(record))
    assert replayed.exit_code == 2
    assert replayed.stderr == (f"zoo: error: {record} is a zoo bench record, not a run record: `zoo run --from` "
                               "repeats runs; `zoo bench MODEL` measures a model again\n")


@pytest.mark.parametrize(("args", "message"), [
    (["keyword", "--batch-size", "1,x"], "--batch-size takes whole numbers of at least 1, comma-separated (1,32), not '1,x'"),
    (["keyword", "--batch-size", "0"], "--batch-size takes whole numbers of at least 1, comma-separated (1,32), not 0"),
    (["keyword", "--seconds", "0"], "--seconds must be a number of seconds above 0, not 0.0"),
    (["keyword", "--warmup", "-1"], "--warmup must be a whole number of steps, 0 or more, not -1"),
    (["keyword", "nonesuch"], "no model named 'nonesuch'"),
    (["keyword", "--device", "cuda:7"], "device 'cuda:7' is not available here"),
    ([], "name a model to bench: zoo bench MODEL"),
])
def test_bad_input_is_one_line_and_nothing_runs(toy_registry, args, message):
    result = invoke(toy_registry, "bench", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("zoo: error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert zoo.results(kind="bench") == []


def test_one_batch_size_may_be_given_as_a_number_and_a_wrong_one_is_refused_before_anything_runs(toy_registry):
    [record] = zoo.bench("keyword", batch_sizes=8, seconds=0.05, warmup=0, registry=toy_registry)
    assert list(record["bench"]["by_batch_size"]) == ["8"] and record["request"]["batch_sizes"] == [8]
    with pytest.raises(zoo.UsageError, match=r"--batch-size takes whole numbers of at least 1"):
        zoo.bench("keyword", batch_sizes=[1, 2.5], registry=toy_registry)


def test_the_p95_is_a_measured_step_nearest_rank():
    from zoo.benchmarking import _percentile

    steps = [float(i) for i in range(1, 21)]
    assert _percentile(steps, 95) == 19.0 and _percentile(steps, 50) == 10.0 and _percentile([3.0], 95) == 3.0
