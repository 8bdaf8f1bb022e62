"""`zoo leaderboard` and `zoo.leaderboard`: reported and reproduced values side by side, costs from
`zoo bench` records, the Pareto front, CSV/JSON/PNG/HTML outputs and the bad-input lines."""

from __future__ import annotations

import csv
import io
import json
import os
import sys

import pytest
from click.testing import CliRunner

import zoo
from zoo.cli import make_cli
from zoo.leaderboards import NothingToRank, pareto_flags
from zoo.store import ResultsStore
from zoo.testing import registry_of


def reported(value, dataset="reviews"):
    return [{"metric": "accuracy", "value": value, "dataset": dataset, "source": "https://example.org/card"}]


def register_models(register):
    # With the toys' `keyword` (4 parameters, accuracy 0.5), a size ladder on `reviews`: `large` is bigger
    # than `medium` and worse, so never Pareto-optimal.
    register("tiny", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT",
             params=10, reported=reported(0.60))
    register("medium", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT",
             params=1_000, reported=reported(0.80))
    register("large", task="text-classification", builder="zoo.testing.toy:build_keyword_model",
             license="Apache-2.0", params=10_000, reported=reported(0.78))
    register("speller", task="toy-transcription", builder="zoo.testing.toy:build_copy_transcriber", license="MIT",
             params=5, reported=[{"metric": "wer", "value": 0.3, "dataset": "sentences", "source": "zoo run"}])
    register("speller-big", task="toy-transcription", builder="zoo.testing.toy:build_copy_transcriber", license="MIT",
             params=50, reported=[{"metric": "wer", "value": 0.1, "dataset": "sentences", "source": "zoo run"}])


@pytest.fixture
def registry(toy_plugin_with):
    return registry_of(toy_plugin_with(register_models))


def run_record(model, accuracy, *, samples_per_second=100.0, parameters=None):
    """A stored `zoo run` record of the shape zoo.evaluate returns (the fields the store reads)."""
    return {"task": "text-classification", "request": {"model": model, "dataset": "toys:reviews"},
            "model": {"id": model, "parameters": parameters}, "dataset": {"id": "toys:reviews", "split": "test"},
            "metrics": {"accuracy": accuracy}, "run": {"samples_per_second": samples_per_second}}


def bench_record(model, *, by_batch, flops=None, memory=None):
    return {"kind": "bench", "status": "ok", "model": {"id": model},
            "bench": {"device": "cpu", "dtype": "float32", "inputs": "synthetic", "flops_per_sample": flops,
                      "peak_memory_bytes": memory, "params": None,
                      "by_batch_size": {size: {"samples_per_second": speed, "latency_ms_median": 1000 / speed,
                                               "latency_ms_p95": 1200 / speed} for size, speed in by_batch.items()}}}


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "results.sqlite"
    with ResultsStore.open(path) as opened:
        yield opened


def cli(registry, *args, exit_code=0):
    result = CliRunner().invoke(make_cli(lambda settings: registry), ["leaderboard", *args], catch_exceptions=False)
    assert result.exit_code == exit_code, result.output
    return result


# -- the Pareto front ------------------------------------------------------------------------------


def test_pareto_flags_keep_the_points_no_other_beats_on_both():
    # (accuracy, params): the 0.78 point is beaten by 0.80 at a tenth of the size; equal points are both kept.
    points = [(0.60, 10), (0.80, 1_000), (0.78, 10_000), (0.80, 1_000), (0.90, None)]
    assert pareto_flags(points) == [True, True, False, True, False]


def test_pareto_flags_follow_which_way_is_better():
    # A word error rate (lower is better) against throughput (higher is cheaper).
    points = [(0.30, 500.0), (0.10, 50.0), (0.35, 100.0)]
    assert pareto_flags(points, higher_is_better=False, lower_cost_is_better=False) == [True, True, False]


def test_pareto_flags_agree_with_the_definition_on_random_points():
    import random

    def dominated(point, others, sign_value, sign_cost):
        value, cost = sign_value * point[0], sign_cost * point[1]
        return any(sign_value * v >= value and sign_cost * c <= cost and (sign_value * v > value or sign_cost * c < cost)
                   for v, c in others if c is not None)

    chosen = random.Random(0)
    for _ in range(300):
        points = [(chosen.choice((0.1, 0.2, 0.3)), chosen.choice((None, 1, 2, 5))) for _ in range(chosen.randint(1, 7))]
        for higher, lower in ((True, True), (True, False), (False, True), (False, False)):
            signs = (1 if higher else -1, 1 if lower else -1)
            expected = [cost is not None and not dominated((value, cost), points, *signs) for value, cost in points]
            assert pareto_flags(points, higher_is_better=higher, lower_cost_is_better=lower) == expected, points


# -- what ranks, and where each value comes from -------------------------------------------------


def test_reported_values_rank_the_catalogue_and_the_dominated_model_is_not_flagged(registry, tmp_path):
    board = zoo.leaderboard(dataset="reviews", results=tmp_path / "none.sqlite", registry=registry)
    assert board["metric"] == "accuracy" and board["task"] == "text-classification"
    assert [(row["name"], row["value_source"], row["pareto"]) for row in board["rows"]] == [
        ("medium", "reported", True), ("large", "reported", False), ("tiny", "reported", True),
        ("keyword", "reported", True)]
    assert board["rows"][0]["reported_source"] == "https://example.org/card"
    assert board["rows"][0]["cost_from"] == "catalogue"


def test_a_reproduced_value_sits_beside_the_reported_one_and_ranks_the_model(registry, store):
    store.add(run_record("toys:large", 0.85))
    board = zoo.leaderboard(dataset="reviews", results=store.path, registry=registry)
    large = board["rows"][0]
    assert (large["name"], large["reproduced"], large["reported"], large["value_source"]) == (
        "large", 0.85, 0.78, "reproduced")
    assert large["record"] == 1 and large["pareto"] and board["rows"][1]["name"] == "medium"

    reported_only = zoo.leaderboard(dataset="reviews", source="reported", results=store.path, registry=registry)
    assert [row["name"] for row in reported_only["rows"]] == ["medium", "large", "tiny", "keyword"]
    assert all(row["reproduced"] is None for row in reported_only["rows"])
    reproduced_only = zoo.leaderboard(dataset="reviews", source="reproduced", results=store.path, registry=registry)
    assert [(row["name"], row["reported"]) for row in reproduced_only["rows"]] == [("large", None)]


def test_a_run_of_part_of_a_split_reproduces_nothing(registry, store):
    """`zoo run --limit 64` checks a model works; it is not the number a catalogue reports."""
    limited = run_record("toys:large", 0.99)
    limited["request"]["limit"], limited["dataset"]["limit"] = 64, 64
    store.add(limited)
    board = zoo.leaderboard(dataset="reviews", results=store.path, registry=registry)
    assert all(row["reproduced"] is None for row in board["rows"])
    store.add(run_record("toys:large", 0.85))
    board = zoo.leaderboard(dataset="reviews", results=store.path, registry=registry)
    assert {row["name"]: row["reproduced"] for row in board["rows"]}["large"] == 0.85


def test_the_newest_run_of_a_model_is_the_one_shown(registry, store):
    store.add(run_record("toys:tiny", 0.55))
    store.add(run_record("toys:tiny", 0.65))
    row = next(row for row in zoo.leaderboard(dataset="reviews", results=store.path, registry=registry)["rows"]
               if row["name"] == "tiny")
    assert (row["reproduced"], row["record"]) == (0.65, 2)


def test_costs_come_from_bench_records_else_from_runs(registry, store):
    store.add(run_record("toys:tiny", 0.6, samples_per_second=40.0))
    store.add(bench_record("toys:medium", by_batch={"1": 50.0, "32": 400.0}, flops=2e6, memory=3 * 2**20),
              kind="bench")
    board = zoo.leaderboard(dataset="reviews", x="throughput", results=store.path, registry=registry)
    rows = {row["name"]: row for row in board["rows"]}
    assert (rows["medium"]["cost"], rows["medium"]["cost_from"]) == (400.0, "bench")  # the best batch size
    assert rows["medium"]["latency_ms"] == pytest.approx(20.0) and rows["medium"]["flops"] == 2e6
    assert (rows["tiny"]["cost"], rows["tiny"]["cost_from"]) == (40.0, "run")
    assert (rows["medium"]["measured_on"], rows["tiny"]["measured_on"]) == ("cpu", None)  # what bench measured on
    assert rows["large"]["cost"] is None and board["missing_cost"] == ["toys:large", "toys:keyword"]
    assert not rows["large"]["pareto"]  # never on the front without a cost
    table = cli(registry, "--dataset", "reviews", "--x", "throughput", "--results", str(store.path)).output
    assert "400/s " in table and "40/s (run)" in table  # a run's samples/s include reading the data: marked


def test_a_lower_is_better_metric_ranks_smallest_first(registry, tmp_path):
    board = zoo.leaderboard(task="toy-transcription", results=tmp_path / "none.sqlite", registry=registry)
    assert board["metric"] == "wer" and not board["higher_is_better"]
    assert [(row["name"], row["pareto"]) for row in board["rows"]] == [("speller-big", True), ("speller", True)]


def test_license_and_top_narrow_the_rows(registry, tmp_path):
    board = zoo.leaderboard(dataset="reviews", license="mit", top=1, results=tmp_path / "none.sqlite",
                            registry=registry)
    assert [row["name"] for row in board["rows"]] == ["medium"]


# -- bad input -----------------------------------------------------------------------------------


def test_x_with_a_figure_no_record_has_names_the_models_and_zoo_bench(registry, tmp_path):
    result = cli(registry, "--dataset", "reviews", "--x", "latency", "--results", str(tmp_path / "r.sqlite"),
                 exit_code=2)
    assert result.output.strip() == (
        "zoo: error: --x latency: no ranked model has a latency at batch 1 figure; medium, large, tiny, keyword: "
        "`zoo bench medium large tiny keyword` measures it")


def test_models_lacking_the_figure_are_listed_and_named_on_stderr(registry, store):
    store.add(bench_record("toys:medium", by_batch={"1": 50.0}), kind="bench")
    result = cli(registry, "--dataset", "reviews", "--x", "latency", "--results", str(store.path))
    assert "zoo: 3 model(s) have no latency figure and are not on the Pareto front: large, tiny, keyword: " \
           "`zoo bench large tiny keyword` measures it" in result.output
    assert "20 ms" in result.output


def test_a_model_benched_without_the_figure_is_not_sent_to_bench_again(registry, store):
    # A bench record without FLOPs (a model that is not a torch module): benching again would not help.
    store.add(bench_record("toys:medium", by_batch={"1": 50.0}), kind="bench")
    store.add(bench_record("toys:tiny", by_batch={"1": 80.0}, flops=1e3), kind="bench")
    board = zoo.leaderboard(dataset="reviews", x="flops", results=store.path, registry=registry)
    assert board["missing_cost"] == ["toys:medium", "toys:large", "toys:keyword"]
    assert board["missing_cost_advice"] == (
        "large, keyword: `zoo bench large keyword` counts them; medium: benched, but the bench records give no "
        "flops figure (zoo bench counts parameters and FLOPs of torch models only)")


def test_nothing_to_rank_says_what_to_run(registry, tmp_path):
    with pytest.raises(NothingToRank, match=r"`zoo run MODEL --dataset reviews` measures one"):
        zoo.leaderboard(dataset="reviews", source="reproduced", results=tmp_path / "none.sqlite", registry=registry)
    result = cli(registry, "--dataset", "reviews", "--source", "reproduced", "--results", str(tmp_path / "n.sqlite"),
                 exit_code=1)
    assert result.output.startswith("zoo: error: no model of task 'text-classification' has a stored run of "
                                    "accuracy on reviews")


def test_several_tasks_ask_for_one_and_a_foreign_metric_is_refused(registry, tmp_path):
    result = cli(registry, exit_code=2)
    assert "a leaderboard ranks the models of one task: add --task" in result.output
    result = cli(registry, "--dataset", "reviews", "--metric", "wer", exit_code=2)
    assert "--metric 'wer' is not a metric of task 'text-classification'" in result.output


def test_a_corrupt_store_is_the_store_s_one_line(registry, tmp_path):
    damaged = tmp_path / "results.sqlite"
    damaged.write_bytes(b"not a database at all" * 100)
    result = cli(registry, "--dataset", "reviews", "--results", str(damaged), exit_code=2)
    assert result.output.count("\n") == 1 and f"results database {damaged}" in result.output


# -- outputs ---------------------------------------------------------------------------------------


def test_table_marks_reproduced_reported_and_the_front(registry, store):
    store.add(run_record("toys:tiny", 0.65))
    lines = cli(registry, "--dataset", "reviews", "--results", str(store.path)).output.splitlines()
    assert lines[0].split() == ["rank", "model", "accuracy", "reproduced", "accuracy", "reported", "params",
                                "pareto", "license"]
    assert lines[2].split() == ["1", "medium", "-", "0.8000", "1.0K", "*", "MIT"]
    assert lines[4].split() == ["3", "tiny", "0.6500", "0.6000", "10", "*", "MIT"]


def test_csv_and_json_carry_every_row_field(registry, store, tmp_path):
    store.add(run_record("toys:tiny", 0.65))
    out = tmp_path / "board.csv"
    result = cli(registry, "--dataset", "reviews", "--json", "--csv", str(out), "--results", str(store.path))
    board = json.loads(result.output)
    assert board == zoo.leaderboard(dataset="reviews", results=store.path, registry=registry)
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [row["model"] for row in rows] == ["toys:medium", "toys:large", "toys:tiny", "toys:keyword"]
    assert rows[2]["reproduced"] == "0.65" and rows[2]["reported"] == "0.6" and rows[2]["pareto"] == "True"
    assert rows[0]["reproduced"] == "" and rows[0]["value_source"] == "reported"


def test_png_chart_is_drawn(registry, store, tmp_path):
    from PIL import Image

    store.add(run_record("toys:large", 0.85))
    out = tmp_path / "board.png"
    result = cli(registry, "--dataset", "reviews", "--plot", str(out), "--results", str(store.path))
    assert f"zoo: chart written to {out}" in result.output
    with Image.open(out) as image:
        assert image.format == "PNG" and image.size == (1200, 780)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert len(colours) > 50  # drawn, not a blank canvas
    assert not list(tmp_path.glob(".board.png*"))  # the staging file was renamed into place


def test_a_chart_says_which_device_measured_its_costs(registry, store):
    from zoo.charts import _texts

    store.add(run_record("toys:medium", 0.7))
    record = bench_record("toys:medium", by_batch={"1": 50.0})
    record["bench"]["device_name"] = "AMD EPYC 7B13"
    record["bench"]["params"] = 1_000  # counted by zoo bench, and still no machine's
    store.add(record, kind="bench")
    board = zoo.leaderboard(dataset="reviews", x="latency", results=store.path, registry=registry)
    assert _texts(board)["title"].endswith("\nlatency measured by zoo bench on AMD EPYC 7B13")
    by_params = zoo.leaderboard(dataset="reviews", x="params", results=store.path, registry=registry)
    assert "\n" not in _texts(by_params)["title"]  # parameter counts are no machine's


def test_values_equal_to_four_decimals_are_drawn_as_equal(registry, store):
    # A reproduced 0.49999999 beside a reported 0.5 (float32 accuracy): the metric axis spans at least 2%
    # of the value, not the 1e-8 between them, which drew them at opposite ends of the chart.
    from zoo.charts import _value_range, figure

    store.add(run_record("toys:keyword", 0.49999999))
    board = zoo.leaderboard(dataset="reviews", x="params", results=store.path, registry=registry)
    points = [row for row in board["rows"] if row["name"] == "keyword"]
    low, high = _value_range(points)
    assert high - low == pytest.approx(0.01) and low < 0.49999999 < 0.5 < high
    assert tuple(figure(board).layout.yaxis.range) == pytest.approx(_value_range(board["rows"]))
    spread = _value_range([{"reproduced": 0.6, "reported": None}, {"reproduced": 0.9, "reported": 0.8}])
    assert spread == pytest.approx((0.576, 0.924))  # far apart: their own span, 8% more each side


def test_a_short_log_axis_labels_1_2_3_and_5_of_each_decade_in_plain_units():
    from zoo.charts import _tick_text

    # Parameter counts read 30M, not 3e+07; 6, 7, 8 and 9 are left out so that labels never run together.
    assert [_tick_text(value) for value in (3e7, 5e7, 6e7, 1e8, 2e8)] == ["30M", "50M", "", "100M", "200M"]
    assert [_tick_text(value) for value in (1.0, 1.5, 2.0, 20.0, 3000.0)] == ["1", "", "2", "20", "3K"]


def test_png_labels_never_overlap_and_stay_on_the_chart():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from zoo.charts import _annotate

    figure, axes = plt.subplots(figsize=(6, 4), dpi=120)
    try:
        axes.set_xscale("log")
        axes.set(xlim=(1, 1000), ylim=(0, 1))
        rows = [{"name": "a-long-model-name", "cost": 10, "value": 0.5, "rank": 1},
                {"name": "its-neighbour", "cost": 10.5, "value": 0.505, "rank": 2},  # its label would overlap
                {"name": "at-the-right-edge", "cost": 900, "value": 0.2, "rank": 3}]
        assert _annotate(axes, rows) == 1
        assert [text.get_text() for text in axes.texts] == ["a-long-model-name", "at-the-right-edge"]
        renderer = figure.canvas.get_renderer()
        right = axes.get_window_extent(renderer).x1
        assert all(text.get_window_extent(renderer).x1 <= right for text in axes.texts)  # placed left of its point
    finally:
        plt.close(figure)


def test_labels_near_the_right_edge_sit_left_of_their_point():
    from zoo.charts import _text_positions

    points = [{"cost": cost} for cost in (10, 100, 1_000, 10_000)]  # log axis: 0, 1/3, 2/3, 1 of the way
    assert _text_positions(points, points) == ["top right", "top right", "top left", "top left"]
    assert _text_positions(points[:1], points[:1]) == ["top right"]  # one point: no span


def test_html_chart_is_self_contained(registry, store, tmp_path):
    store.add(run_record("toys:large", 0.85))
    out = tmp_path / "board.html"
    cli(registry, "--dataset", "reviews", "--plot", str(out), "--results", str(store.path))
    html = out.read_text()
    assert "<script src=\"http" not in html and "<script src='http" not in html  # works offline
    assert "plotly" in html.lower() and len(html) > 1_000_000  # the library itself is inside
    for text in ("Pareto front", "reproduced here (zoo run)", "reported (catalogue)", "large", "medium"):
        assert text in html


def test_a_chart_draws_one_dataset_and_only_png_or_html(registry, tmp_path):
    result = cli(registry, "--dataset", "reviews", "--plot", str(tmp_path / "board.svg"), exit_code=2)
    assert "give a file ending in .png (an image) or .html" in result.output
    assert not (tmp_path / "board.svg").exists()


@pytest.mark.parametrize(("suffix", "library"), [(".png", "matplotlib"), (".html", "plotly")])
def test_a_chart_without_its_library_says_what_to_install(registry, tmp_path, monkeypatch, suffix, library):
    monkeypatch.setitem(sys.modules, library, None)  # as if not installed: importing it raises ImportError
    result = cli(registry, "--dataset", "reviews", "--plot", str(tmp_path / f"board{suffix}"), exit_code=2)
    assert result.output == (f"zoo: error: --plot out{suffix} needs {library}: pip install "
                             "'model-zoo-registry[plot]' (from a clone: pip install -e '.[plot]')\n")


def test_leaderboard_imports_neither_torch_nor_a_plotting_library(tmp_path):
    import subprocess
    import sys

    code = ("import sys\nfrom zoo.cli.app import main\ntry:\n    main(['leaderboard', '--dataset', 'digits', "
            f"'--results', {str(tmp_path / 'r.sqlite')!r}])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('torch', 'matplotlib', 'plotly') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert "digits-resnet18" in done.stdout and done.stdout.strip().endswith("[]")


def test_real_run_and_bench_records_feed_the_leaderboard(registry, tmp_path):
    # The records zoo run and zoo bench write themselves, not hand-made ones: their field names are what is read.
    results = str(tmp_path / "results.sqlite")
    runner = CliRunner()
    cli_of = make_cli(lambda settings: registry)
    for args in (["run", "keyword", "--dataset", "reviews", "--quiet", "--results", results],
                 ["bench", "keyword", "--batch-size", "1,4", "--seconds", "0.05", "--warmup", "1", "--results", results]):
        done = runner.invoke(cli_of, args, catch_exceptions=False)
        assert done.exit_code == 0, done.output
    board = zoo.leaderboard(dataset="reviews", x="latency", results=results, registry=registry)
    keyword = next(row for row in board["rows"] if row["name"] == "keyword")
    assert keyword["reproduced"] == zoo.results(model="keyword", kind="run", path=results)[0]["metrics"]["accuracy"]
    assert keyword["reported"] == 0.5 and keyword["value_source"] == "reproduced"
    assert keyword["cost_from"] == "bench" and keyword["latency_ms"] > 0 and keyword["throughput"] > 0
    assert board["missing_cost"] == ["toys:medium", "toys:large", "toys:tiny"]  # never benched
