"""zoo sweep on Ray: one task per job on a real local Ray started by the test (ray.init(num_cpus=2))."""

from __future__ import annotations

import json
import socket

import pytest
from click.testing import CliRunner

from zoo.cli import make_cli
from zoo.engine import evaluate
from zoo.store import ResultsStore
from zoo.sweep import sweep


@pytest.fixture(scope="module")
def local_ray():
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.mark.slow
def test_ray_tasks_give_what_zoo_evaluate_gives_and_the_sweep_keeps_the_records(local_ray, toy_registry, tmp_path):
    results, runs = tmp_path / "results.sqlite", tmp_path / "runs"
    summary = sweep(["keyword", "keyword-upper", "keyword-3class"], ["reviews"], registry=toy_registry, limit=12,
                    retries=1, executor="ray", output=runs, results=results)
    keyword, upper, three_class = summary["jobs"]
    for job in (keyword, upper):
        expected = evaluate(job["model"], "reviews", registry=toy_registry, limit=12)["metrics"]["accuracy"]
        assert (job["status"], job["value"], job["attempts"]) == ("ok", pytest.approx(expected), 1)
    assert (three_class["status"], three_class["attempts"]) == ("failed", 2)
    assert three_class["error"].startswith("labels do not match by name")
    with ResultsStore.open(results) as store:
        kept = {found.model: found for found in store.query()}
    assert set(kept) == {"toys:keyword", "toys:keyword-upper", "toys:keyword-3class"}
    assert kept["toys:keyword"].record == json.loads((runs / "toys.keyword--toys.reviews--test.json").read_text())
    assert kept["toys:keyword"].device == "cpu"  # Ray hides the GPUs from a task that asks for none


@pytest.mark.slow
def test_a_sweep_on_ray_started_again_runs_only_what_is_missing(local_ray, toy_registry, tmp_path):
    results = tmp_path / "results.sqlite"
    sweep(["keyword"], ["reviews"], registry=toy_registry, limit=12, executor="ray", results=results)
    again = sweep(["keyword", "keyword-upper"], ["reviews"], registry=toy_registry, limit=12, executor="ray",
                  results=results)
    assert [job["status"] for job in again["jobs"]] == ["stored", "ok"]


def test_a_ray_address_that_does_not_answer_is_one_line_at_once(toy_registry):
    """Said before Ray is asked: Ray itself keeps trying to reach an address for minutes."""
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = CliRunner().invoke(make_cli(lambda settings: toy_registry),
                                ["sweep", "keyword", "-d", "reviews", "--executor", "ray", "--address", f"127.0.0.1:{port}"],
                                catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stderr == (f"zoo: error: --address 127.0.0.1:{port}: no Ray cluster answers there (Connection refused); "
                             "check the head node's address and port (`ray status` on it), or leave out --address "
                             "for a local Ray\n")


@pytest.mark.slow
def test_a_job_that_cannot_run_where_it_lands_fails_in_one_line(local_ray, toy_registry, tmp_path):
    """The device is checked on the worker (Ray hides the GPUs from a task that asks for none)."""
    summary = sweep(["keyword"], ["reviews"], registry=toy_registry, executor="ray", device="cuda:0",
                    results=tmp_path / "results.sqlite")
    (job,) = summary["jobs"]
    assert (job["status"], job["error"]) == ("failed", "device 'cuda:0' is not available here; available: cpu")
