"""Comparisons that survive a failing model, and replays that notice a changed world."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from zoo.cli import make_cli
from zoo.engine import evaluate_many


@pytest.fixture
def registry(registry_with_unfetched):
    return registry_with_unfetched


@pytest.fixture
def zoo_cli(registry):
    def run(*args):
        return CliRunner().invoke(make_cli(lambda settings: registry), list(args), catch_exceptions=False)
    return run


def test_a_model_that_fails_does_not_stop_the_others(registry):
    first, failed, last = evaluate_many(["keyword", "unfetched", "keyword-upper"], "reviews", registry=registry)
    assert first["status"] == last["status"] == "ok"
    assert first["metrics"]["accuracy"] == last["metrics"]["accuracy"] > 0.5
    assert failed["status"] == "failed" and failed["metrics"] == {}
    assert "weights of this model are not in the local cache" in failed["error"]
    assert failed["request"]["model"] == "toys:unfetched"  # enough for --from to retry it


def test_the_comparison_table_shows_the_failure_and_exits_non_zero(zoo_cli, tmp_path):
    table_csv, record = tmp_path / "table.csv", tmp_path / "both.json"
    result = zoo_cli("run", "keyword", "unfetched", "--dataset", "reviews", "--csv", str(table_csv), "-o", str(record))
    assert result.exit_code == 1
    header, rule, ok_row, failed_row = result.stdout.splitlines()
    assert header.split()[-1] == "error"
    assert ok_row.startswith("toys:keyword ") and "failed" not in ok_row
    assert failed_row.startswith("toys:unfetched") and "failed" in failed_row and "not in the local cache" in failed_row
    assert "zoo: error: 1 of 2 model(s) failed: toys:unfetched" in result.stderr
    assert [run["status"] for run in json.loads(record.read_text())["runs"]] == ["ok", "failed"]
    # accuracy, accuracy reported (keyword's catalogue value), macro-f1, samples/s, params
    assert table_csv.read_text().splitlines()[2].startswith("toys:unfetched,failed,-,failed,-,-,")


def test_a_comparison_has_the_catalogue_value_beside_each_reproduced_one(zoo_cli, tmp_path):
    table_csv = tmp_path / "table.csv"
    result = zoo_cli("run", "keyword", "keyword-upper", "--dataset", "reviews", "--csv", str(table_csv))
    assert result.exit_code == 0, result.output
    header, keyword, upper = list(csv.reader(table_csv.read_text().splitlines()))
    assert header[:4] == ["model", "accuracy", "accuracy reported", "macro-f1"]  # no model reports macro-f1
    assert keyword[:3] == ["toys:keyword", keyword[1], "0.5000"] and keyword[1] != "-"
    assert upper[2] == "-"  # keyword-upper's entry reports nothing
    assert result.stdout.splitlines()[0].split()[:4] == ["model", "accuracy", "accuracy", "reported"]


def test_a_comparison_record_is_replayed_model_by_model(zoo_cli, tmp_path):
    record = tmp_path / "both.json"
    assert zoo_cli("run", "keyword", "keyword-upper", "--dataset", "reviews", "--limit", "12", "-o",
                   str(record)).exit_code == 0
    again = zoo_cli("run", "--from", str(record), "--json")
    assert again.exit_code == 0, again.output
    saved, replayed = json.loads(record.read_text())["runs"], json.loads(again.stdout)["runs"]
    assert [r["model"]["id"] for r in replayed] == ["toys:keyword", "toys:keyword-upper"]
    assert [r["metrics"] for r in replayed] == [r["metrics"] for r in saved]
    assert all(r["samples"]["evaluated"] == 12 for r in replayed)
    assert all(r["replay"]["changes"] == [] for r in replayed)


def _record_with(zoo_cli, tmp_path, **changes):
    record = tmp_path / "run.json"
    assert zoo_cli("run", "keyword", "--dataset", "reviews", "-o", str(record)).exit_code == 0
    saved = json.loads(record.read_text())
    for path, value in changes.items():
        section, key = path.split("__")
        saved[section][key] = value
    record.write_text(json.dumps(saved))
    return record, saved


def test_a_replay_warns_when_the_data_changed_and_keeps_both_fingerprints(zoo_cli, tmp_path):
    record, saved = _record_with(zoo_cli, tmp_path, dataset__fingerprint="0" * 64)
    result = zoo_cli("run", "--from", str(record), "--json")
    assert result.exit_code == 0
    (warning,) = result.stderr.splitlines()
    assert warning.startswith(f"zoo: warning: {record}: the dataset's fingerprint changed since the record was written")
    new = json.loads(result.stdout)
    (change,) = new["replay"]["changes"]
    assert change["recorded"] == "0" * 64 and change["now"] == new["dataset"]["fingerprint"] != "0" * 64
    assert new["replay"]["recorded_metrics"] == saved["metrics"]


def test_strict_refuses_a_replay_whose_weights_changed(zoo_cli, tmp_path):
    record, _ = _record_with(zoo_cli, tmp_path, model__weights_sha256="ab" * 32)
    result = zoo_cli("run", "--from", str(record), "--strict")
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"zoo: error: {record}: the weights' sha256 changed since the record was written (model toys:keyword: "
        "recorded abababababababab…, now None); refusing under --strict (run without it to compare anyway)"]


def test_an_unchanged_replay_says_nothing(zoo_cli, tmp_path):
    record, _ = _record_with(zoo_cli, tmp_path)
    result = zoo_cli("run", "--from", str(record), "--strict")
    assert result.exit_code == 0 and "warning" not in result.stderr


def test_strict_without_from_is_refused(zoo_cli):
    result = zoo_cli("run", "keyword", "--dataset", "reviews", "--strict")
    assert result.exit_code == 2 and "--strict checks a replay against its record: use it with --from" in result.output
