"""`zoo run` keeps its records in the results store and answers a run it already holds;
`zoo results list/show/export/rm` read them back."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3

import pytest
from click.testing import CliRunner

from zoo.catalogue import read_catalogue
from zoo.cli import make_cli
from zoo.store import ResultsStore, StoreError
from zoo.testing import registry_of
from zoo.testing.toy import save_keyword_checkpoint


def register_checkpoint_builder(register):
    register("keyword-checkpoint", task="text-classification", builder="zoo.testing.toy:build_keyword_checkpoint",
             license="MIT", default_dataset="reviews")


@pytest.fixture
def registry_with(toy_plugin_with):
    """``registry_with(tmp_path, entries)``: the toy registry, a ``keyword-checkpoint`` builder (weights
    from a safetensors file), and catalogue ``entries`` (YAML list items) built on it."""
    return lambda tmp_path, entries: _with_catalogue(registry_of(toy_plugin_with(register_checkpoint_builder)),
                                                     tmp_path, entries)


def _with_catalogue(registry, tmp_path, entries: str):
    catalogue = tmp_path / "catalogue.yaml"
    catalogue.write_text(f"version: 1\nmodels:\n{entries}")
    specs, problems = read_catalogue(catalogue, registry, namespace="toys")
    assert problems == []
    for spec in specs:
        registry.add(spec)
    return registry


def pinned_entry(name: str, weights: str, pin: str, keywords: str = "[good, great, fine]") -> str:
    return (f"  - {{name: {name}, builder: keyword-checkpoint, task: text-classification, license: MIT,\n"
            f"     default_dataset: toys:reviews, args: {{keywords: {keywords}}},\n"
            f"     weights: {{uri: {weights}, sha256: '{pin}'}}}}\n")


@pytest.fixture
def checkpoint(tmp_path):
    return save_keyword_checkpoint(tmp_path / "keyword.safetensors")


@pytest.fixture
def zoo_cli(tmp_path, checkpoint, registry_with):
    """``zoo_cli(*args, registry=...)`` on the toys plus ``pinned`` (weights pinned) and ``unpinned``."""
    entries = pinned_entry("pinned", "keyword.safetensors", checkpoint) + (
        "  - {name: unpinned, builder: keyword-checkpoint, task: text-classification, license: MIT,\n"
        "     weights: {uri: keyword.safetensors}}\n")
    default = registry_with(tmp_path, entries)

    def run(*args, registry=None, exit_code=0):
        result = CliRunner().invoke(make_cli(lambda settings: registry or default), list(args), catch_exceptions=False)
        assert result.exit_code == exit_code, result.output
        return result
    return run


def stored(**filters):
    import zoo

    return zoo.results(**filters)


ANSWERED = "zoo: answered from the results store (record "


# -- zoo run keeps its records -------------------------------------------------------------------


def test_a_run_is_kept_in_the_store_with_its_whole_record(zoo_cli, tmp_path):
    result = zoo_cli("run", "keyword", "--dataset", "reviews", "--json")
    record = json.loads(result.stdout)
    [row] = stored()
    assert row["record"] == record and row["model"] == "toys:keyword" and row["status"] == "ok"
    assert row["metrics"] == record["metrics"]


def test_no_store_and_zoo_no_store_keep_nothing(zoo_cli, monkeypatch, tmp_path):
    zoo_cli("run", "keyword", "--dataset", "reviews", "--no-store")
    monkeypatch.setenv("ZOO_NO_STORE", "1")
    zoo_cli("run", "keyword", "--dataset", "reviews")
    assert not os.path.exists(os.environ["ZOO_RESULTS"])


def test_results_chooses_the_database(zoo_cli, tmp_path):
    zoo_cli("run", "keyword", "--dataset", "reviews", "--results", str(tmp_path / "team.sqlite"))
    assert stored() == [] and [row["model"] for row in stored(path=tmp_path / "team.sqlite")] == ["toys:keyword"]


def test_a_comparison_keeps_every_model_ok_or_failed_and_a_replay_is_kept_too(tmp_path, registry_with_unfetched):
    cli = make_cli(lambda settings: registry_with_unfetched)
    record = tmp_path / "both.json"
    compared = CliRunner().invoke(cli, ["run", "keyword", "unfetched", "--dataset", "reviews", "-o", str(record)])
    assert compared.exit_code == 1
    assert [(row["model"], row["status"]) for row in stored()] == [("toys:unfetched", "failed"), ("toys:keyword", "ok")]
    assert "not in the local cache" in stored(status="failed")[0]["error"]
    CliRunner().invoke(cli, ["run", "--from", str(record)])
    assert [row["model"] for row in stored()][:2] == ["toys:unfetched", "toys:keyword"] and len(stored()) == 4


def test_only_rank_0_keeps_records(zoo_cli, monkeypatch):
    monkeypatch.setenv("RANK", "1")  # what torchrun sets for the second process
    zoo_cli("run", "keyword", "--dataset", "reviews")
    assert not os.path.exists(os.environ["ZOO_RESULTS"])


# -- answered from the store ---------------------------------------------------------------------


def test_a_run_already_stored_is_answered_from_the_store_and_rerun_runs_it_again(zoo_cli):
    first = zoo_cli("run", "pinned")
    assert ANSWERED not in first.stderr
    second = zoo_cli("run", "pinned", "--batch-size", "7")  # the batch size changes no result
    assert second.stderr.startswith(f"{ANSWERED}1, ") and "); --rerun to run again" in second.stderr
    assert second.stdout == first.stdout  # the same table
    assert len(stored()) == 1  # an answer is not a new record
    again = zoo_cli("run", "pinned", "--rerun")
    assert ANSWERED not in again.stderr and len(stored()) == 2
    assert json.loads(zoo_cli("run", "pinned", "--json").stdout) == stored()[0]["record"]  # the newest answers


def test_another_request_is_run(zoo_cli):
    zoo_cli("run", "pinned")
    for options in (["--limit", "5"], ["--seed", "3"], ["--metric", "accuracy"], ["--dataset-arg", "size=12"]):
        assert ANSWERED not in zoo_cli("run", "pinned", *options).stderr, options
    assert len(stored()) == 5


def test_new_weights_behind_the_same_name_are_run_not_answered(zoo_cli, tmp_path, registry_with):
    zoo_cli("run", "pinned")
    pin = save_keyword_checkpoint(tmp_path / "retrained.safetensors", positive_weight=0.1)
    retrained = registry_with(tmp_path, pinned_entry("pinned", "retrained.safetensors", pin))
    fresh = zoo_cli("run", "pinned", "--json", registry=retrained)
    assert ANSWERED not in fresh.stderr
    assert json.loads(fresh.stdout)["model"]["weights_sha256"] == pin
    assert [row["weights_sha256"] for row in stored()] == [pin, stored()[1]["weights_sha256"]] and len(stored()) == 2


def test_an_unpinned_model_is_built_to_read_its_weights_sha256(zoo_cli, tmp_path):
    zoo_cli("run", "unpinned", "--dataset", "reviews")
    assert ANSWERED in zoo_cli("run", "unpinned", "--dataset", "reviews").stderr
    save_keyword_checkpoint(tmp_path / "keyword.safetensors", positive_weight=0.1)  # the file changes under it
    changed = zoo_cli("run", "unpinned", "--dataset", "reviews", "--json")
    assert ANSWERED not in changed.stderr
    assert json.loads(changed.stdout)["model"]["weights_sha256"] != stored()[1]["weights_sha256"]


def test_data_that_changed_is_run_not_answered(zoo_cli, monkeypatch):
    zoo_cli("run", "pinned")
    from zoo.testing.toy import ReviewsDataset

    monkeypatch.setattr(ReviewsDataset, "fingerprint", property(lambda self: "0" * 64))  # the rows were edited
    assert ANSWERED not in zoo_cli("run", "pinned").stderr
    assert stored()[0]["fingerprint"] == "0" * 64


def test_a_catalogue_edit_to_the_builder_arguments_is_run_not_answered(zoo_cli, tmp_path, checkpoint, registry_with):
    zoo_cli("run", "pinned")
    edited = registry_with(tmp_path, pinned_entry("pinned", "keyword.safetensors", checkpoint, keywords="[good]"))
    assert ANSWERED not in zoo_cli("run", "pinned", registry=edited).stderr


def test_models_that_cannot_say_what_they_are_and_predictions_to_save_are_always_run(zoo_cli, tmp_path):
    zoo_cli("run", "keyword", "--dataset", "reviews")  # the toy keyword model reports no weights sha256
    assert ANSWERED not in zoo_cli("run", "keyword", "--dataset", "reviews").stderr
    zoo_cli("run", "pinned")
    saved = zoo_cli("run", "pinned", "--save-predictions", str(tmp_path / "predictions.jsonl"))
    assert ANSWERED not in saved.stderr and (tmp_path / "predictions.jsonl").read_text().count("\n") == 40


def test_an_answer_is_written_to_output_like_a_run(zoo_cli, tmp_path):
    zoo_cli("run", "pinned")
    zoo_cli("run", "pinned", "--output", str(tmp_path / "run.json"))
    assert json.loads((tmp_path / "run.json").read_text()) == stored()[0]["record"]


def test_a_store_that_cannot_keep_the_record_still_shows_the_results_and_exits_1(zoo_cli, monkeypatch):
    def full_disk(self, record, *, kind="run"):
        raise StoreError(f"results database {self.path}: cannot add the record: database or disk is full")

    monkeypatch.setattr(ResultsStore, "add", full_disk)
    result = zoo_cli("run", "keyword", "--dataset", "reviews", exit_code=1)
    assert result.stdout.startswith("metric ") and "accuracy" in result.stdout
    assert result.stderr.strip().splitlines()[-1].startswith("zoo: error: results database ")
    assert "database or disk is full (the results are shown above; `--output FILE` keeps a record too)" in result.stderr


# -- zoo results ---------------------------------------------------------------------------------


@pytest.fixture
def three_runs(zoo_cli, registry_with_unfetched):
    zoo_cli("run", "keyword", "--dataset", "reviews")
    zoo_cli("run", "pinned", "--limit", "20")
    CliRunner().invoke(make_cli(lambda settings: registry_with_unfetched), ["run", "unfetched", "keyword-upper",
                                                                          "--dataset", "reviews"])
    return zoo_cli


def test_results_list_is_a_table_newest_first(three_runs):
    lines = three_runs("results", "list").stdout.splitlines()
    assert lines[0].split() == ["id", "date", "model", "dataset", "split", "metrics", "status"]
    rows = [line.split() for line in lines[2:]]
    assert [(row[0], row[3], row[-1]) for row in rows] == [("4", "toys:keyword-upper", "ok"),
                                                            ("3", "toys:unfetched", "failed"),
                                                            ("2", "toys:pinned", "ok"), ("1", "toys:keyword", "ok")]
    assert "accuracy 0.8500, macro-f1 0.8119" in lines[-1]
    assert "failed: weights of this model are not in the local cache" in lines[3]


def test_results_list_filters_and_prints_json(three_runs):
    rows = json.loads(three_runs("results", "list", "--model", "keyword*", "--status", "ok", "--json").stdout)
    assert [row["model"] for row in rows] == ["toys:keyword-upper", "toys:keyword"]
    assert "record" not in rows[0] and rows[0]["metrics"]["accuracy"] > 0.8
    assert json.loads(three_runs("results", "list", "--task", "toy-transcription", "--json").stdout) == []


def test_empty_results_say_what_to_run(zoo_cli, three_runs):
    empty = zoo_cli("results", "list", "--model", "resnet*")
    assert empty.stdout == ""
    assert empty.stderr == ("zoo: no stored record matches --model resnet*; `zoo run MODEL --dataset DATASET` keeps "
                            "a record there (see `zoo list` for models)\n")


def test_listing_a_store_that_does_not_exist_creates_none(zoo_cli, tmp_path):
    result = zoo_cli("results", "list", "--results", str(tmp_path / "none.sqlite"))
    assert f"no results are stored yet ({tmp_path / 'none.sqlite'} does not exist)" in result.stderr
    assert not (tmp_path / "none.sqlite").exists()
    shown = zoo_cli("results", "show", "1", "--results", str(tmp_path / "none.sqlite"), exit_code=2)
    assert "zoo: error: no results are stored yet:" in shown.stderr and not (tmp_path / "none.sqlite").exists()


def test_results_show_gives_the_card_and_its_json_repeats_the_run(three_runs, tmp_path):
    card = three_runs("results", "show", "2").stdout
    assert "record: 2 (run, ok), stored " in card and "model: toys:pinned" in card and "  limit: 20" in card
    (tmp_path / "run.json").write_text(three_runs("results", "show", "2", "--json").stdout)
    replayed = json.loads(three_runs("run", "--from", str(tmp_path / "run.json"), "--json").stdout)
    assert replayed["metrics"] == stored(model="pinned")[-1]["metrics"] and replayed["dataset"]["limit"] == 20
    unknown = three_runs("results", "show", "40", exit_code=2)
    assert "has no record 40; it holds 5 record(s), ids 1 to 5: see `zoo results list`" in unknown.stderr


def test_results_export_writes_csv_and_json_with_the_filters(three_runs, tmp_path):
    three_runs("results", "export", "--csv", str(tmp_path / "ok.csv"), "--status", "ok")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "ok.csv").read_text())))
    assert [row["model"] for row in rows] == ["toys:keyword-upper", "toys:pinned", "toys:keyword"]
    assert float(rows[-1]["accuracy"]) == pytest.approx(0.85) and rows[1]["weights_sha256"]
    three_runs("results", "export", "--json", str(tmp_path / "all.json"))
    exported = json.loads((tmp_path / "all.json").read_text())
    assert len(exported) == 4 and exported[1]["status"] == "failed" and exported[0]["record"]["zoo_record"] == 1
    assert "give --csv FILE or --json FILE" in three_runs("results", "export", exit_code=2).stderr


def test_results_rm_removes_with_yes_and_refuses_unknown_ids_or_no_terminal(three_runs):
    refused = three_runs("results", "rm", "1", exit_code=2)
    assert "pass --yes to confirm (there is no terminal to ask on)" in refused.stderr
    unknown = three_runs("results", "rm", "1", "99", "--yes", exit_code=2)
    assert "has no record 99" in unknown.stderr and len(stored()) == 4  # nothing removed
    assert "zoo: removed 2 record(s) from " in three_runs("results", "rm", "1", "3", "--yes").stderr
    assert [row["id"] for row in stored()] == [4, 2]
    with sqlite3.connect(os.environ["ZOO_RESULTS"]) as db:
        assert db.execute("SELECT count(*) FROM metrics WHERE record_id IN (1, 3)").fetchone() == (0,)


def test_zoo_list_never_imports_the_results_store():
    """`zoo list` stays light: the `results` command is registered, but sqlite3 and zoo.store load only when used."""
    import subprocess
    import sys

    code = ("import sys\nfrom zoo.cli import main\nsys.argv = ['zoo', 'list']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('LOADED=' + ','.join(m for m in ('sqlite3', 'zoo.store') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "LOADED="


@pytest.mark.slow
def test_under_torchrun_rank_0_alone_keeps_the_record(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    here = Path(__file__).parent
    completed = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                                str(here / "distributed_cli_worker.py"), str(here)],
                               capture_output=True, text=True, timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert completed.returncode == 0, completed.stderr[-2000:]
    [row] = stored()
    assert row["record"]["run"]["world_size"] == 2 and row["record"]["samples"]["evaluated"] == 37


def test_a_tests_runs_never_reach_the_users_store_even_after_monkeypatch_undo(zoo_cli, monkeypatch):
    from zoo.files import cache_root

    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.undo()  # as tests/test_output.py's fixture does between commands
    assert not os.environ["ZOO_RESULTS"].startswith(str(cache_root()))
    zoo_cli("run", "keyword", "--dataset", "reviews")
    assert len(stored()) == 1
