"""zoo sweep on the local executor: in this process, or a pool of worker subprocesses. Records kept
by the sweep alone (output folder, then store), retries, resuming, Ctrl-C, a killed worker."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from zoo.cli import make_cli
from zoo.engine import evaluate
from zoo.store import ResultsStore
from zoo.sweep import SweepInterrupted, plan_sweep, run_sweep, sweep

HERE = Path(__file__).parent


def accuracy(registry, model, split="test", limit=12):
    return evaluate(model, "reviews", registry=registry, split=split, limit=limit)["metrics"]["accuracy"]


def stored_records(path):
    with ResultsStore.open(path) as store:
        return [found.record for found in store.query()]


def wait_for(path: Path, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def test_a_sweep_gives_what_zoo_evaluate_gives_and_keeps_each_record_in_the_folder_and_the_store(toy_registry,
                                                                                                   tmp_path):
    results, runs, log = tmp_path / "results.sqlite", tmp_path / "runs", io.StringIO()
    summary = sweep(["keyword", "keyword-upper"], ["reviews"], ["test", "train"], registry=toy_registry, limit=12,
                    output=runs, results=results, log=log)
    assert summary["counts"] == {"ok": 4, "failed": 0, "stored": 0, "not run": 0}
    for job in summary["jobs"]:
        assert job["metric"] == "accuracy" and job["attempts"] == 1 and job["status"] == "ok"
        assert job["value"] == pytest.approx(accuracy(toy_registry, job["model"], job["split"]))
        written = json.loads(Path(job["output"]).read_text())
        with ResultsStore.open(results) as store:
            assert store.get(job["record_id"]).record == written
    assert sorted(path.name for path in runs.iterdir()) == [
        "toys.keyword--toys.reviews--test.json", "toys.keyword--toys.reviews--train.json",
        "toys.keyword-upper--toys.reviews--test.json", "toys.keyword-upper--toys.reviews--train.json"]
    lines = log.getvalue().splitlines()
    assert len(lines) == 4 and lines[0].startswith("toys:keyword on toys:reviews [test]: accuracy 0.")


def test_a_bar_counts_the_jobs_on_stderr_and_each_finished_job_is_a_line(toy_registry, tmp_path, capsys):
    log = io.StringIO()
    sweep(["keyword", "keyword-upper"], ["reviews"], registry=toy_registry, limit=8, progress=True, log=log,
          results=tmp_path / "results.sqlite")
    bar = capsys.readouterr().err
    assert "sweep:" in bar and "/2 [" in bar and "job/s" in bar  # a bar over the 2 jobs
    assert [line.split(":")[0] + ":" + line.split(":")[1] for line in log.getvalue().splitlines()] == [
        "toys:keyword on toys", "toys:keyword-upper on toys"]


def test_a_failed_job_is_retried_then_reported_and_the_others_go_on(toy_registry, tmp_path):
    log = io.StringIO()
    summary = sweep(["keyword-3class", "keyword"], ["reviews"], registry=toy_registry, retries=2, log=log,
                    results=tmp_path / "results.sqlite")
    failed, ok = summary["jobs"]
    assert (failed["status"], failed["attempts"], ok["status"], ok["attempts"]) == ("failed", 3, "ok", 1)
    assert failed["error"].startswith("labels do not match by name: dataset toys:reviews has ['negative', 'positive']")
    assert log.getvalue().count("toys:keyword-3class on toys:reviews [test]: attempt") == 2
    assert "toys:keyword-3class on toys:reviews [test]: failed after 3 attempts" in log.getvalue()
    kept = stored_records(tmp_path / "results.sqlite")
    assert sorted(record["status"] for record in kept) == ["failed", "ok"]  # the last attempt's record, once


def test_on_the_command_line_a_failed_job_is_a_row_and_exit_status_1(toy_registry, tmp_path):
    cli = make_cli(lambda settings: toy_registry)
    result = CliRunner().invoke(cli, ["sweep", "keyword-3class", "keyword", "-d", "reviews", "--limit", "8",
                                      "--results", str(tmp_path / "results.sqlite")], catch_exceptions=False)
    assert result.exit_code == 1
    header, _, first, second = result.stdout.splitlines()
    assert header.split() == ["job", "status", "main", "metric", "seconds", "attempts", "error"]
    assert first.split()[:2] == ["toys.keyword-3class--toys.reviews--test", "failed"]
    assert "labels do not match by name" in first
    assert second.split()[:4] == ["toys.keyword--toys.reviews--test", "ok", "accuracy", "0.8750"]
    assert result.stderr.endswith("zoo: error: 1 of 2 job(s) failed: toys.keyword-3class--toys.reviews--test\n")


def test_dataset_arguments_reach_every_job_and_json_prints_the_summary(toy_registry, tmp_path):
    cli = make_cli(lambda settings: toy_registry)
    result = CliRunner().invoke(cli, ["sweep", "keyword", "keyword-upper", "-d", "reviews", "--dataset-arg", "size=12",
                                      "--json", "--quiet", "--results", str(tmp_path / "results.sqlite")],
                                catch_exceptions=False)
    assert (result.exit_code, result.stderr) == (0, "")
    summary = json.loads(result.stdout)
    assert summary["counts"] == {"ok": 2, "failed": 0, "stored": 0, "not run": 0}
    for record in stored_records(tmp_path / "results.sqlite"):
        assert record["dataset"]["args"] == {"size": 12} and record["samples"]["evaluated"] == 12


def test_a_sweep_started_again_runs_only_the_jobs_the_store_lacks(toy_registry, tmp_path):
    results = tmp_path / "results.sqlite"
    sweep(["keyword-upper"], ["reviews"], registry=toy_registry, limit=12, results=results)
    summary = sweep(["keyword", "keyword-upper"], ["reviews"], ["test", "train"], registry=toy_registry, limit=12,
                    results=results)
    assert [(job["model"], job["split"], job["status"]) for job in summary["jobs"]] == [
        ("toys:keyword", "test", "ok"), ("toys:keyword", "train", "ok"),
        ("toys:keyword-upper", "test", "stored"), ("toys:keyword-upper", "train", "ok")]
    stored = summary["jobs"][2]
    assert stored["value"] == pytest.approx(accuracy(toy_registry, "keyword-upper")) and stored["attempts"] == 0
    assert len(stored_records(results)) == 4  # nothing ran twice


def test_ctrl_c_stops_the_sweep_and_keeps_every_finished_record_whole(toy_registry, tmp_path, monkeypatch):
    from zoo.sweep.executors import local

    started = []

    def run_then_ctrl_c(job):
        started.append(job.name)
        if len(started) == 2:
            raise KeyboardInterrupt  # Ctrl-C while the second job runs
        return local_run_job(job)

    local_run_job = local.run_job
    monkeypatch.setattr(local, "run_job", run_then_ctrl_c)
    results, runs = tmp_path / "results.sqlite", tmp_path / "runs"
    with pytest.raises(SweepInterrupted, match=r"^interrupted: 1 job\(s\) finished and kept, 2 not run; run the same "
                                               r"sweep again to run only those$") as stopped:
        sweep(["keyword", "keyword-upper", "keyword-3class"], ["reviews"], registry=toy_registry, output=runs,
              results=results)
    assert stopped.value.exit_code == 130
    assert [job["status"] for job in stopped.value.summary["jobs"]] == ["ok", "not run", "not run"]
    assert os.listdir(runs) == ["toys.keyword--toys.reviews--test.json"]  # no staging file left behind
    assert [record["model"]["id"] for record in stored_records(results)] == ["toys:keyword"]


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_sweep_process_interrupted_and_started_again_runs_only_what_was_left(tmp_path, jobs):
    """The real thing: SIGINT to a `zoo sweep` process while a job runs (here, or in a pool
    worker), then the same command."""
    gate, results, runs = tmp_path / "gate", tmp_path / "results.sqlite", tmp_path / "runs"
    command = [sys.executable, str(HERE / "sweep_cli.py"), "sweep", "keyword", "gated", "keyword-upper",
               "-d", "reviews", "--limit", "8", "--output", str(runs), "--results", str(results), "--jobs", jobs]
    environment = {**os.environ, "ZOO_TEST_GATE": str(gate), "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(Path(f"{gate}.pid"))  # the gated job has started, and waits
    wait_for(runs / "toys.keyword--toys.reviews--test.json")  # the first job is kept
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    statuses = {line.split()[0]: line.split()[1] for line in stdout.splitlines()[2:]}
    assert statuses["toys.keyword--toys.reviews--test"] == "ok" and statuses["toys.gated--toys.reviews--test"] == "not", stdout
    kept = sorted(f"{name}.json" for name, status in statuses.items() if status == "ok")
    assert sorted(os.listdir(runs)) == kept  # each finished record whole, no staging file left behind
    assert f"zoo: error: interrupted: {len(kept)} job(s) finished and kept, {3 - len(kept)} not run;" in stderr
    with pytest.raises(ProcessLookupError):  # the stopped job's process is gone too
        os.kill(int(Path(f"{gate}.pid").read_text()), 0)

    gate.touch()
    again = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert [line.split()[1] for line in again.stdout.splitlines()[2:]] == [
        "stored", "ok", "stored" if statuses["toys.keyword-upper--toys.reviews--test"] == "ok" else "ok"]
    assert sorted(record["model"]["id"] for record in stored_records(results)) == [
        "toys:gated", "toys:keyword", "toys:keyword-upper"]


@pytest.mark.slow
def test_a_pool_of_workers_gives_the_same_metrics_and_a_killed_worker_fails_its_job_alone(gated_registry, tmp_path):
    registry, gate = gated_registry

    def kill_the_gated_job():
        wait_for(Path(f"{gate}.pid"))
        os.kill(int(Path(f"{gate}.pid").read_text()), signal.SIGKILL)

    killer = threading.Thread(target=kill_the_gated_job)
    killer.start()
    summary = sweep(["gated", "keyword", "keyword-upper"], ["reviews"], registry=registry, limit=12,
                    results=tmp_path / "results.sqlite", executor_options={"jobs": 2})
    killer.join()
    gated, keyword, upper = summary["jobs"]
    assert (gated["status"], gated["error"]) == (
        "failed", "its worker process was killed by SIGKILL (out of memory, or stopped from outside)")
    assert keyword["value"] == pytest.approx(accuracy(registry, "keyword"))
    assert upper["value"] == pytest.approx(accuracy(registry, "keyword-upper"))
    records = {record["model"]["id"]: record for record in stored_records(tmp_path / "results.sqlite")}
    assert records["toys:keyword"]["run"]["device"] == "cpu"
    assert records["toys:gated"]["status"] == "failed"


@pytest.mark.slow
def test_a_catalogue_edited_during_the_sweep_changes_no_job_planned_before(toy_plugin, tmp_path):
    """Jobs carry their entries from the plan: the workers never read the catalogue again."""
    from zoo.loader import Settings
    from zoo.testing import registry_of

    mine = tmp_path / "mine.yaml"
    mine.write_text("version: 1\nmodels:\n  - name: keyword-strict\n    task: text-classification\n"
                    "    builder: keyword\n    license: MIT\n    args: {keywords: [great]}\n")
    registry = registry_of(toy_plugin, settings=Settings(builtin_catalogue=False, catalogues=(mine,)))
    plan = plan_sweep(["keyword-strict", "keyword"], ["reviews"], registry=registry, limit=12,
                      results=tmp_path / "results.sqlite")
    mine.write_text("version: 1\nmodels:\n  - name: keyword-strict\n    args: {keywords: [")  # saved half-way
    summary = run_sweep(plan, jobs=2)
    assert [job["status"] for job in summary["jobs"]] == ["ok", "ok"]
    strict = evaluate("keyword", "reviews", registry=registry, limit=12, model_args={"keywords": ["great"]})
    assert summary["jobs"][0]["value"] == pytest.approx(strict["metrics"]["accuracy"])
    records = {record["model"]["id"]: record for record in stored_records(tmp_path / "results.sqlite")}
    assert records["toys:keyword-strict"]["model"]["args"] == {"keywords": ["great"]}


def test_each_pool_slot_has_its_own_gpu_round_robin(monkeypatch):
    from zoo.engine import devices
    from zoo.sweep.executors.local import slot_devices

    monkeypatch.setattr(devices, "available_devices", lambda: ["cpu", "cuda", "cuda:0", "cuda:1"])
    assert slot_devices("auto", 3) == ["cuda:0", "cuda:1", "cuda:0"]
    assert slot_devices("cuda", 2) == ["cuda:0", "cuda:1"]
    assert slot_devices("cuda:1", 2) == ["cuda:1", "cuda:1"]
    assert slot_devices("cpu", 2) == ["cpu", "cpu"]
    monkeypatch.setattr(devices, "available_devices", lambda: ["cpu"])
    assert slot_devices("auto", 2) == ["auto", "auto"]
