"""Hostile files and values: what a path or a catalogue claims is not trusted.

Files that never end (/dev/zero), block forever (a FIFO), or expand into
gigabytes (YAML aliases) are refused in one line; reported numbers JSON cannot
hold, or that no metric can take, are catalogue errors with their location.
"""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from zoo.catalogue import read_catalogue
from zoo.cli import make_cli
from zoo.errors import CatalogueError
from zoo.testing import fake_plugin, registry_of
from zoo.yaml_loader import load_yaml

ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b]\n"


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    return path


@pytest.fixture
def zoo_cli(toy_registry):
    def run(*args):
        return CliRunner().invoke(make_cli(lambda settings: toy_registry), list(args), catch_exceptions=False)
    return run


@pytest.mark.parametrize("path,what", [("/dev/zero", "a character device"), ("/dev/urandom", "a character device")])
def test_a_device_given_as_a_catalogue_is_refused_before_reading(path, what):
    with pytest.raises(CatalogueError, match=f"{path}:1:1: catalogue is {what}, not a regular file"):
        load_yaml(path)


def test_a_fifo_given_as_a_catalogue_does_not_hang(fifo):
    with pytest.raises(CatalogueError, match=r"is a named pipe \(FIFO\), not a regular file"):
        load_yaml(fifo)


def test_a_symlink_to_a_device_is_judged_by_what_it_leads_to(tmp_path):
    link = tmp_path / "catalogue.yaml"
    link.symlink_to("/dev/zero")
    with pytest.raises(CatalogueError, match="is a character device"):
        load_yaml(link)


def test_validate_on_a_device_is_one_line(zoo_cli):
    result = zoo_cli("validate", "/dev/zero")
    assert result.exit_code == 1
    assert "/dev/zero:1:1: catalogue is a character device, not a regular file" in result.stderr


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_a_label_map_that_is_not_a_file_is_one_line(zoo_cli, fifo, target):
    path = str(fifo) if target == "fifo" else target
    result = zoo_cli("run", "keyword", "--dataset", "reviews", "--label-map", path)
    assert result.exit_code == 2
    (line,) = result.output.splitlines()
    assert line.startswith(f"zoo: error: --label-map {path}: is a ") and "not a regular file" in line


def test_a_label_map_alias_bomb_is_refused(zoo_cli, tmp_path):
    label_map = tmp_path / "labels.yaml"
    label_map.write_text(ALIAS_BOMB)
    result = zoo_cli("run", "keyword", "--dataset", "reviews", "--label-map", str(label_map))
    assert result.exit_code == 2 and "aliases (*name) are not allowed here" in result.output


def test_an_alias_bomb_in_a_builder_argument_is_refused(zoo_cli):
    value = "{a: &a [x, x], b: [*a, *a]}"
    result = zoo_cli("run", "keyword", "--dataset", "reviews", "--dataset-arg", f"size={value}")
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "zoo: error: --dataset-arg size=...: aliases (*name) are not allowed here; write the value out"]


def test_a_run_record_nested_too_deeply_is_one_line(zoo_cli, tmp_path):
    record = tmp_path / "deep.json"
    record.write_text("[" * 100_000 + "]" * 100_000)
    result = zoo_cli("run", "--from", str(record))
    assert result.exit_code == 2
    assert result.output.splitlines() == [f"zoo: error: cannot read run record {record}: nested too deeply to be a "
                                          "zoo run record"]


def test_a_run_record_that_is_a_fifo_does_not_hang(zoo_cli, fifo):
    result = zoo_cli("run", "--from", str(fifo))
    assert result.exit_code == 2 and "is a named pipe (FIFO), not a regular file" in result.output


def _catalogue(tmp_path, entry: str):
    path = tmp_path / "catalogue.yaml"
    path.write_text("version: 1\nmodels:\n  - name: m\n    builder: keyword\n    task: text-classification\n"
                    "    license: MIT\n" + entry)
    return path


@pytest.mark.parametrize("entry,message", [
    ("    reported: [{metric: accuracy, value: .nan, dataset: reviews, source: zoo run}]\n",
     "reported[0].value: expected a finite number, got nan"),
    ("    reported: [{metric: accuracy, value: .inf, dataset: reviews, source: zoo run}]\n",
     "reported[0].value: expected a finite number, got inf"),
    ("    reported: [{metric: accuracy, value: 7.5, dataset: reviews, source: zoo run}]\n",
     "reported[0].value: 7.5 is outside the range of metric toys:accuracy [0.0, 1.0]"),
    ("    reported: [{metric: accuracy, value: -3, dataset: reviews, source: zoo run}]\n",
     "reported[0].value: -3 is outside the range"),
    ("    reported: [{metric: accuracy, value: 1.0e+308, dataset: reviews, source: zoo run}]\n",
     "reported[0].value: 1e+308 is outside the range"),
    (f"    params: {10**400}\n", "params: expected a count below 2**53, got a number of 401 digits"),
    ("    source: https://user:hunter2@example.org/card\n", "source: URL carries credentials (user:secret@host)"),
])
def test_values_json_cannot_hold_or_no_metric_can_take_are_located(toy_registry, tmp_path, entry, message):
    specs, problems = read_catalogue(_catalogue(tmp_path, entry), toy_registry)
    assert specs == []
    (problem,) = problems
    assert problem.startswith(f"{tmp_path / 'catalogue.yaml'}:") and message in problem
    assert "hunter2" not in problem  # a secret is never repeated


def test_a_negative_mcc_is_in_its_range(toy_registry, tmp_path):
    entry = "    reported: [{metric: mcc, value: -0.2, dataset: reviews, source: zoo run}]\n"
    specs, problems = read_catalogue(_catalogue(tmp_path, entry), toy_registry)
    assert problems == [] and specs[0].reported[0].value == -0.2


def test_a_plugin_reporting_a_percentage_is_isolated(tasks_plugin, model_plugin):
    def percent(register):
        register("pct", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT",
                 reported=[{"metric": "accuracy", "value": 75.4, "dataset": "reviews", "source": "zoo run"}])

    registry = registry_of(tasks_plugin, model_plugin("good", "tiny"), fake_plugin("pct", register_models=percent))
    assert "reports accuracy 75.4, outside the metric's range [0.0, 1.0]" in registry.plugin("pct").error
    result = CliRunner().invoke(make_cli(lambda settings: registry), ["list", "--json"])
    assert [entry["id"] for entry in json.loads(result.stdout)] == ["good:tiny"]
