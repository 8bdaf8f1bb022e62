"""zoo sweep's plan: one job per (model, dataset, split), checked before anything runs, with the
jobs the results store already holds marked; --dry-run; options refused in one line."""

from __future__ import annotations

import json
import pickle
import sys

import pytest
from click.testing import CliRunner

from zoo import NotFoundError, UsageError
from zoo.cli import make_cli
from zoo.engine import evaluate
from zoo.store import ResultsStore
from zoo.sweep import plan_sweep, run_sweep
from zoo.sweep.jobs import job_name


@pytest.fixture
def zoo_cli(toy_registry):
    def run(*args):
        return CliRunner().invoke(make_cli(lambda settings: toy_registry), list(args), catch_exceptions=False)
    return run


def test_one_job_per_model_dataset_and_split_in_order(toy_registry):
    plan = plan_sweep(["keyword", "keyword-upper"], ["reviews"], ["test", "train"], registry=toy_registry, limit=8)
    assert [(row["model"], row["dataset"], row["split"], row["state"]) for row in plan.rows()] == [
        ("toys:keyword", "toys:reviews", "test", "to run"), ("toys:keyword", "toys:reviews", "train", "to run"),
        ("toys:keyword-upper", "toys:reviews", "test", "to run"), ("toys:keyword-upper", "toys:reviews", "train", "to run")]
    assert plan.jobs[0].job.name == "toys.keyword--toys.reviews--test"
    assert plan.jobs[0].job.request.limit == 8


def test_patterns_expand_as_zoo_run_expands_them_and_each_job_is_planned_once(toy_registry):
    plan = plan_sweep(["keyword-*", "keyword-upper"], ["reviews", "toys:reviews"], registry=toy_registry)
    assert [planned.job.model for planned in plan.jobs] == ["toys:keyword-3class", "toys:keyword-upper"]
    with pytest.raises(UsageError, match=r"^no model matches 'resnet\*' \(see `zoo list models`\)$"):
        plan_sweep(["resnet*"], ["reviews"], registry=toy_registry)


def test_without_a_dataset_each_model_runs_on_its_default_one(toy_registry):
    plan = plan_sweep(["keyword"], registry=toy_registry)
    assert [(p.job.dataset, p.job.split) for p in plan.jobs] == [("toys:reviews", "test")]
    with pytest.raises(UsageError, match="model toys:keyword-upper names no default dataset: pass --dataset NAME"):
        plan_sweep(["keyword", "keyword-upper"], registry=toy_registry)


def test_pairs_of_different_tasks_and_missing_splits_are_left_out_and_said(toy_registry):
    plan = plan_sweep(["keyword", "copy"], ["reviews", "sentences"], ["train", "test"], registry=toy_registry)
    assert [(p.job.model, p.job.dataset, p.job.split) for p in plan.jobs] == [
        ("toys:keyword", "toys:reviews", "train"), ("toys:keyword", "toys:reviews", "test"),
        ("toys:copy", "toys:sentences", "test")]
    assert plan.left_out == [
        "toys:keyword on toys:sentences: the model is for 'text-classification', the dataset for 'toy-transcription'",
        "toys:copy on toys:reviews: the model is for 'toy-transcription', the dataset for 'text-classification'",
        "dataset toys:sentences has no split 'train'; its splits are test"]


def test_a_sweep_with_nothing_left_to_run_is_one_line(toy_registry):
    with pytest.raises(UsageError, match=r"^no job to run: toys:copy on toys:reviews: the model is for "):
        plan_sweep(["copy"], ["reviews"], registry=toy_registry)
    with pytest.raises(UsageError, match=r"^no job to run: dataset toys:reviews has no split 'dev'"):
        plan_sweep(["keyword"], ["reviews"], ["dev"], registry=toy_registry)


def test_a_wrong_name_or_option_stops_the_sweep_before_anything_runs(toy_registry):
    with pytest.raises(NotFoundError, match="no model named 'keywrod'; did you mean 'keyword'"):
        plan_sweep(["keyword", "keywrod"], ["reviews"], registry=toy_registry)
    with pytest.raises(UsageError, match="--batch-size must be at least 1, not 0"):
        plan_sweep(["keyword"], ["reviews"], registry=toy_registry, batch_size=0)
    with pytest.raises(UsageError, match="unknown run option 'batchsize'"):
        plan_sweep(["keyword"], ["reviews"], registry=toy_registry, batchsize=4)


def test_the_device_is_checked_here_for_local_jobs_and_where_they_run_otherwise(toy_registry):
    with pytest.raises(UsageError, match="device 'cuda:7' is not available here"):
        plan_sweep(["keyword"], ["reviews"], registry=toy_registry, device="cuda:7")
    remote = plan_sweep(["keyword"], ["reviews"], registry=toy_registry, device="cuda:7", check_device=False)
    assert remote.jobs[0].job.request.device == "cuda:7"  # the cluster's node resolves it


def test_a_job_carries_only_the_entries_it_needs_and_travels_by_pickle(toy_registry):
    (planned,) = plan_sweep(["keyword"], ["reviews"], registry=toy_registry).jobs
    job = pickle.loads(pickle.dumps(planned.job))
    assert {spec.id for kind in job.registry.entries.values() for spec in kind.values()} == {
        "zoo:text-classification", "toys:keyword", "toys:reviews", "toys:accuracy", "toys:macro-f1"}
    assert [record.name for record in job.registry.plugins] == ["zoo", "toys"]
    assert job.registry.manager is None


def test_job_names_are_file_names():
    assert job_name("toys:keyword", "hub:imagenet/val", "test") == "toys.keyword--hub.imagenet_val--test"
    assert job_name("a:b c", "d:e", "..") == "a.b_c--d.e--_"


def test_jobs_the_store_holds_are_stored_and_rerun_runs_them_again(toy_registry, tmp_path):
    results = tmp_path / "results.sqlite"
    with ResultsStore.open(results) as store:
        store.add(evaluate("keyword", "reviews", registry=toy_registry, limit=8))
        store.add(evaluate("keyword-upper", "reviews", registry=toy_registry, limit=9))  # another request
    plan = plan_sweep(["keyword", "keyword-upper"], ["reviews"], registry=toy_registry, results=results, limit=8)
    assert [p.state for p in plan.jobs] == ["stored", "to run"]
    assert [p.job.model for p in plan.to_run] == ["toys:keyword-upper"]
    rerun = plan_sweep(["keyword", "keyword-upper"], ["reviews"], registry=toy_registry, results=results, limit=8,
                       rerun=True)
    assert [p.state for p in rerun.jobs] == ["to run", "to run"]


def test_a_stored_run_of_other_builder_arguments_does_not_count(toy_registry, tmp_path):
    results = tmp_path / "results.sqlite"
    record = evaluate("keyword", "reviews", registry=toy_registry, limit=8)
    record["model"]["args"] = {"keywords": ["great"]}  # as if the catalogue entry had other arguments then
    with ResultsStore.open(results) as store:
        store.add(record)
    plan = plan_sweep(["keyword"], ["reviews"], registry=toy_registry, results=results, limit=8)
    assert plan.jobs[0].state == "to run"


def test_a_stored_run_on_other_data_does_not_count(toy_registry, tmp_path):
    """Same request, builder and weights, but the data changed since: the job runs again."""
    results = tmp_path / "results.sqlite"
    record = evaluate("keyword", "reviews", registry=toy_registry, limit=8)
    with ResultsStore.open(results) as store:
        store.add({**record, "dataset": {**record["dataset"], "fingerprint": "sha256:not-this-data"}})
    plan = plan_sweep(["keyword"], ["reviews"], registry=toy_registry, results=results, limit=8)
    assert plan.jobs[0].state == "to run"
    with ResultsStore.open(results) as store:
        store.add(record)
    assert plan_sweep(["keyword"], ["reviews"], registry=toy_registry, results=results, limit=8).jobs[0].state == "stored"


def test_dry_run_prints_the_plan_and_runs_nothing(zoo_cli, tmp_path):
    results = tmp_path / "results.sqlite"
    result = zoo_cli("sweep", "keyword*", "copy", "-d", "reviews", "--limit", "8", "--dry-run", "--results", str(results))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["job", "model", "dataset", "split", "state"]
    assert lines[2].split() == ["toys.keyword--toys.reviews--test", "toys:keyword", "toys:reviews", "test", "to", "run"]
    assert len(lines) == 5  # keyword, keyword-3class, keyword-upper; copy is for another task
    assert "zoo: left out: toys:copy on toys:reviews: the model is for 'toy-transcription'" in result.stderr
    assert "3 job(s): 3 to run, 0 stored" in result.stderr
    assert not results.exists()  # a dry run creates no store
    as_json = json.loads(zoo_cli("sweep", "keyword", "-d", "reviews", "--dry-run", "--json").stdout)
    assert as_json["jobs"] == [{"job": "toys.keyword--toys.reviews--test", "model": "toys:keyword",
                                "dataset": "toys:reviews", "split": "test", "state": "to run"}]


@pytest.mark.parametrize("args,message", [
    (["--partition", "gpu"], "zoo: error: --partition is an option of --executor slurm, not of --executor local\n"),
    (["--executor", "ray", "--time", "60"], "zoo: error: --time is an option of --executor slurm, not of --executor ray\n"),
    (["--retries", "-1"], "zoo: error: --retries must be 0 or more, not -1\n"),
    (["--jobs", "0"], "zoo: error: --jobs must be a whole number of at least 1, not 0\n"),
    (["--executor", "slurm", "--cluster", "local", "--time", "soon"],
     "zoo: error: --time 'soon': use minutes (90), hours:minutes:seconds (4:00:00) or days-hours[:minutes[:seconds]] "
     "(1-12:00:00), as sbatch --time does\n"),
])
def test_options_that_cannot_work_are_one_line(zoo_cli, args, message):
    result = zoo_cli("sweep", "keyword", "-d", "reviews", *args)
    assert result.exit_code == 2
    assert result.stderr == message


def test_an_output_that_is_a_file_is_one_line_and_nothing_runs(toy_registry, tmp_path):
    taken = tmp_path / "runs"
    taken.write_text("not a folder")
    plan = plan_sweep(["keyword"], ["reviews"], registry=toy_registry, results=tmp_path / "results.sqlite")
    with pytest.raises(UsageError, match=r"^--output .*runs: it is a file; a sweep writes one record per job into a folder$"):
        run_sweep(plan, output=taken)
    assert not (tmp_path / "results.sqlite").exists()


@pytest.mark.parametrize("executor,library,extra", [("ray", "Ray", "ray"), ("slurm", "submitit", "slurm")])
def test_an_executor_that_is_not_installed_says_which_extra_installs_it(zoo_cli, monkeypatch, executor, library, extra):
    monkeypatch.setitem(sys.modules, {"ray": "ray", "slurm": "submitit"}[executor], None)  # import fails as if absent
    result = zoo_cli("sweep", "keyword", "-d", "reviews", "--executor", executor)
    assert result.exit_code == 2
    assert result.stderr == (f"zoo: error: --executor {executor} needs {library}: "
                             f"pip install 'model-zoo-registry[{extra}]'\n")


def test_unknown_executor_options_from_python_are_one_line(toy_registry):
    plan = plan_sweep(["keyword"], ["reviews"], registry=toy_registry)
    with pytest.raises(UsageError, match="unknown executor option 'workers'; known: address, array_parallelism"):
        run_sweep(plan, workers=2)
    with pytest.raises(UsageError, match="unknown executor 'dask'; use one of local, ray, slurm"):
        run_sweep(plan, executor="dask")


def test_the_command_line_offers_every_executor():
    from zoo.cli.sweep import EXECUTOR_NAMES
    from zoo.sweep import EXECUTORS

    assert EXECUTOR_NAMES == EXECUTORS
