"""JSON Lines catalogues (``.jsonl``): generated catalogues, one model entry per line, located by line."""

from __future__ import annotations

import json

import pytest

from zoo import CatalogueError, UsageError
from zoo.catalogue import read_catalogue
from zoo.jsonl_loader import load_jsonl
from zoo.testing import fake_plugin, registry_of
from zoo.yaml_loader import load_yaml


def entry(name: str, **changes):
    """One catalogue entry, as a generator of a hub mirror would write it."""
    return {"name": name, "task": "text-classification", "builder": "toys:keyword", "license": "MIT", "params": 10,
            "reported": [{"metric": "accuracy", "value": 0.75, "dataset": "toys:reviews", "split": "test",
                          "source": "https://example.org/card"}], **changes}


def write_lines(path, *lines):
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


@pytest.fixture
def registry(tasks_plugin):
    def register_models(register):
        register("keyword", task="text-classification", builder="zoo.testing.toy:build_keyword_model",
                 license="MIT", args={"keywords": ["good"]})
    return registry_of(tasks_plugin, fake_plugin("toys", register_models=register_models), read_catalogues=False)


def test_each_line_is_a_model_entry_located_at_its_line(tmp_path, registry):
    path = write_lines(tmp_path / "mirror.jsonl", entry("first"), "", entry("second", tags=["toy"]))
    specs, problems = read_catalogue(path, registry)
    assert problems == []
    assert [spec.id for spec in specs] == ["toys:first", "toys:second"]
    assert specs[1].origin.where == f"{path}:3:1"  # the blank line 2 is skipped, not counted as an entry
    assert specs[1].args == {"keywords": ["good"]}  # the builder's arguments, merged as in YAML


BAD_LINES = {
    "invalid json": ('{"name": "broken", ', ":2:19: invalid JSON: Expecting property name enclosed in double quotes"),
    "not an object": ('["a", "list"]', ":2:1: expected a JSON object (one model entry per line), got list"),
    "duplicate key": ('{"name": "twice", "name": "again"}', ":2:1: duplicate key 'name'"),
    "NaN": (json.dumps(entry("nan")).replace("0.75", "NaN"), ":2:1: NaN is not a number a catalogue can hold"),
    "wrong field": (json.dumps(entry("typo", parameters=10)), ":2:", "models[1].parameters: unknown field"),
    "bad value": (json.dumps(entry("big", reported=[{**entry("x")["reported"][0], "value": 75.4}])),
                  ":2:", "models[1].reported[0].value: 75.4 is outside the range"),
}


@pytest.mark.parametrize("case", sorted(BAD_LINES))
def test_a_bad_line_is_one_problem_at_its_line_and_the_others_load(tmp_path, registry, case):
    line, *expected = BAD_LINES[case]
    path = write_lines(tmp_path / "mirror.jsonl", entry("good"), line, entry("also-good"))
    specs, problems = read_catalogue(path, registry)
    assert [spec.name for spec in specs] == ["good", "also-good"]
    assert len(problems) == 1 and problems[0].startswith(f"{path}{expected[0]}"), problems
    assert all(part in problems[0] for part in expected[1:]), problems


def test_a_field_problem_points_at_the_column_of_its_key(tmp_path, registry):
    line = json.dumps(entry("unlicensed", license="Apache 2"))
    path = write_lines(tmp_path / "mirror.jsonl", line)
    _, problems = read_catalogue(path, registry)
    column = line.index('"license":') + 1
    assert problems == [f"{path}:1:{column}: models[0].license: 'Apache 2' is not an SPDX licence id "
                        f"({problems[0].split('(', 1)[1]}"]


def test_a_duplicate_model_names_the_line_of_the_first(tmp_path, registry):
    path = write_lines(tmp_path / "mirror.jsonl", entry("same"), entry("other"), entry("same"))
    specs, problems = read_catalogue(path, registry)
    assert [spec.name for spec in specs] == ["same", "other"]
    assert len(problems) == 1 and f"duplicate model 'same' (first at {path}:1:1)" in problems[0]


def test_the_size_limit_is_larger_for_json_lines_and_set_by_the_environment(tmp_path, monkeypatch):
    yaml_path = tmp_path / "big.yaml"
    yaml_path.write_text("version: 1\nmodels: []\n" + "# padding\n" * 500_000)  # 5 MB: over YAML's 4 MiB
    jsonl_path = tmp_path / "big.jsonl"
    jsonl_path.write_text("\n" * 5_000_000)
    with pytest.raises(CatalogueError, match=r"big.yaml:1:1: catalogue is 5,000,022 bytes, over the 4,194,304-byte "
                                             r"limit; split it into several files, or raise ZOO_MAX_CATALOGUE_BYTES"):
        load_yaml(yaml_path)
    assert load_jsonl(jsonl_path).data == {"version": 1, "models": []}

    monkeypatch.setenv("ZOO_MAX_CATALOGUE_BYTES", "8000000")
    assert load_yaml(yaml_path).data == {"version": 1, "models": []}
    monkeypatch.setenv("ZOO_MAX_CATALOGUE_BYTES", "1000")
    with pytest.raises(CatalogueError, match=r"big.jsonl:1:1: catalogue is 5,000,000 bytes, over the 1,000-byte limit"):
        load_jsonl(jsonl_path)


@pytest.mark.parametrize("value", ["lots", "-5", "0"])
def test_a_bad_size_limit_is_one_line_naming_the_variable(tmp_path, monkeypatch, value):
    monkeypatch.setenv("ZOO_MAX_CATALOGUE_BYTES", value)
    with pytest.raises(UsageError, match=rf"ZOO_MAX_CATALOGUE_BYTES='{value}' is not a positive whole number of bytes"):
        load_jsonl(write_lines(tmp_path / "mirror.jsonl", entry("good")))


def test_zoo_lists_and_validates_a_json_lines_catalogue(tmp_path, tasks_plugin):
    from click.testing import CliRunner

    from zoo.cli.app import make_cli

    def register_models(register):
        register("keyword", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT")

    plugins = [tasks_plugin, fake_plugin("toys", register_models=register_models)]
    cli = make_cli(lambda settings: registry_of(*plugins, settings=settings))
    path = write_lines(tmp_path / "mirror.jsonl", entry("mirrored"), entry("misspelt", license="MITT"))
    listed = CliRunner().invoke(cli, ["--registry", str(path), "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert "toys:mirrored" in [row["id"] for row in json.loads(listed.stdout)]
    checked = CliRunner().invoke(cli, ["validate", str(path)])
    assert checked.exit_code == 1
    assert f"{path}:2:" in checked.stderr and "'MITT' is not an SPDX licence id; did you mean 'MIT'?" in checked.stderr
