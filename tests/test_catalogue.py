"""Catalogues: every malformed file is rejected quickly, with file:line:column and field path."""

from __future__ import annotations

import io
import textwrap

import pytest

from zoo import CatalogueError, Settings
from zoo.catalogue import read_catalogue
from zoo.testing import fake_plugin, registry_of
from zoo.yaml_loader import load_yaml

GOOD_ENTRY = """\
version: 1
models:
  - name: keyword-small
    task: text-classification
    builder: toys:keyword
    license: MIT
    params: 10
    tags: [toy]
    weights:
      uri: weights/small.safetensors
      sha256: {sha}
      format: safetensors
    reported:
      - metric: accuracy
        value: 0.75
        dataset: toys:reviews
        split: test
        source: zoo run
        protocol:
          batch_size: 8
          versions: {{torch: "2.14.1"}}
"""


@pytest.fixture
def registry(tasks_plugin):
    def register_models(register):
        register("keyword", task="text-classification", builder="zoo.testing.toy:build_keyword_model",
                 license="MIT", args={"keywords": ["good"]})
    return registry_of(tasks_plugin, fake_plugin("toys", register_models=register_models), read_catalogues=False)


def write(tmp_path, text, name="catalogue.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_a_good_entry_becomes_a_model_of_its_builders_plugin(tmp_path, registry):
    path = write(tmp_path, GOOD_ENTRY.format(sha="a" * 64))
    specs, problems = read_catalogue(path, registry)
    assert problems == []
    (spec,) = specs
    assert spec.id == "toys:keyword-small"
    assert spec.args == {"keywords": ["good"]}  # the builder's arguments, merged
    assert spec.based_on == "toys:keyword"
    assert spec.weights.uri == str(tmp_path / "weights" / "small.safetensors")
    assert spec.reported[0].protocol["versions"] == {"torch": "2.14.1"}


ALIAS_BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
"""

BAD = {
    "bad yaml": ("version: 1\nmodels:\n  - name: [unclosed\n", ":4:1: invalid YAML"),
    "python tag": ("version: 1\nmodels: !!python/object/apply:os.system ['echo pwned']\n",
                   ":2:9: tag '!!python/object/apply:os.system' is not allowed"),
    "alias bomb": (ALIAS_BOMB, ":1:4: anchors and aliases (&name, *name) are not allowed"),
    "duplicate key": (GOOD_ENTRY.format(sha="a" * 64).replace("    params: 10\n", "    params: 10\n    params: 11\n"),
                      ":8:5: duplicate key 'params' (first defined at line 7, column 5)"),
    "missing field": (GOOD_ENTRY.format(sha="a" * 64).replace("    license: MIT\n", ""),
                      ":3:5: models[0].license: required field is missing"),
    "short sha256": (GOOD_ENTRY.format(sha="01234567"),
                     ":11:15: models[0].weights.sha256: expected 64 lowercase hex characters, got an integer"),
    "unquoted version": (GOOD_ENTRY.format(sha="a" * 64).replace('{torch: "2.14.1"}', "{timm: 1.10}"),
                         ":21:28: models[0].reported[0].protocol.versions.timm: expected a string, got a number (1.1); quote it"),
    "unknown task": (GOOD_ENTRY.format(sha="a" * 64).replace("task: text-classification", "task: image-segmentation"),
                     ":4:11: models[0].task: unknown task 'image-segmentation'; known tasks: audio-classification, "
                     "image-classification, speech-recognition, text-classification"),
    "unknown builder": (GOOD_ENTRY.format(sha="a" * 64).replace("builder: toys:keyword", "builder: keywrod"),
                        ":5:14: models[0].builder: unknown builder: no model named 'keywrod'; did you mean 'keyword'?"),
    "dot-dot path": (GOOD_ENTRY.format(sha="a" * 64).replace("uri: weights/", "uri: ../../etc/"),
                     ":10:12: models[0].weights.uri: path '../../etc/small.safetensors' must not contain '..'"),
    "plain http": (GOOD_ENTRY.format(sha="a" * 64).replace("uri: weights/", "uri: http://example.com/"),
                   ":10:12: models[0].weights.uri: 'http://example.com/small.safetensors': weights URLs must use https://"),
    "unknown field": (GOOD_ENTRY.format(sha="a" * 64).replace("    params: 10\n", "    parameters: 10\n"),
                      ":7:17: models[0].parameters: unknown field; known fields:"),
    "wrong type": (GOOD_ENTRY.format(sha="a" * 64).replace("params: 10", "params: ten"),
                   ":7:13: models[0].params: expected a non-negative integer, got 'ten'"),
    "bad licence": (GOOD_ENTRY.format(sha="a" * 64).replace("license: MIT", "license: Apache 2"),
                    ":6:14: models[0].license: 'Apache 2' is not an SPDX licence id"),
    "not a mapping": ("- just\n- a list\n", ":1:1: a catalogue is a mapping"),
    "wrong version": ("version: 2\nmodels: []\n", ":1:10: version: expected 1, got 2"),
    "unknown metric": (GOOD_ENTRY.format(sha="a" * 64).replace("metric: accuracy", "metric: bleu"),
                       ":14:17: models[0].reported[0].metric: no metric for task 'text-classification' named 'bleu'"),
    "duplicate model": (GOOD_ENTRY.format(sha="a" * 64) + GOOD_ENTRY.format(sha="a" * 64).split("models:\n")[1],
                        ":22:11: models[1].name: duplicate model 'keyword-small' (first at", 1),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_malformed_catalogue_is_rejected_with_its_location(tmp_path, registry, case):
    text, expected, *valid = BAD[case]
    path = write(tmp_path, text)
    try:
        specs, problems = read_catalogue(path, registry)
    except CatalogueError as error:
        specs, problems = [], error.problems
    assert len(specs) == (valid[0] if valid else 0)  # the bad entry is never kept
    assert any(p.startswith(str(path)) and expected in p for p in problems), problems


def test_an_oversized_catalogue_is_rejected_before_parsing(tmp_path):
    path = write(tmp_path, "# padding\n" * 50)
    with pytest.raises(CatalogueError, match=r"catalogue.yaml:1:1: catalogue is 500 bytes, over the 100-byte limit"):
        load_yaml(path, max_bytes=100)


def test_non_utf8_text_names_the_line(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"version: 1\nmodels:\n  - name: caf\xe9\n")
    with pytest.raises(CatalogueError, match=r"latin1.yaml:3:1: not UTF-8 text"):
        load_yaml(path)


def test_a_bad_entry_is_skipped_with_a_warning_and_the_good_ones_load(tmp_path, tasks_plugin):
    text = GOOD_ENTRY.format(sha="a" * 64) + """\
  - name: broken
    task: text-classification
    builder: toys:keyword
"""
    path = write(tmp_path, text)

    def register_models(register):
        register("keyword", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT")

    warn = io.StringIO()
    registry = registry_of(tasks_plugin, fake_plugin("toys", register_models=register_models), warn=warn,
                           settings=Settings(catalogues=(path,), builtin_catalogue=False))
    assert [m.name for m in registry.models] == ["keyword", "keyword-small"]
    assert "models[1].license: required field is missing" in warn.getvalue()


def test_an_entry_whose_plugin_is_not_installed_is_unavailable_and_explained(tmp_path, registry):
    path = write(tmp_path, GOOD_ENTRY.format(sha="a" * 64).replace("builder: toys:keyword", "builder: vision:timm"))
    specs, problems = read_catalogue(path, registry)
    assert (specs, problems) == ([], [])
    with pytest.raises(Exception, match=r"'keyword-small' is in the catalogue .* plugin 'vision', which is not installed"):
        registry.get("keyword-small", "model")


def test_the_same_model_in_two_catalogues_is_an_error_naming_the_first(tmp_path, registry):
    first = write(tmp_path, GOOD_ENTRY.format(sha="a" * 64), "one.yaml")
    second = write(tmp_path, GOOD_ENTRY.format(sha="a" * 64), "two.yaml")
    specs, _ = read_catalogue(first, registry)
    registry.add(specs[0])
    specs, problems = read_catalogue(second, registry)
    assert specs == []
    assert "model 'toys:keyword-small' is already defined at" in problems[0] and "one.yaml:3:5" in problems[0]


def test_a_catalogue_the_user_names_must_exist(tasks_plugin, tmp_path):
    from zoo import UsageError

    missing = tmp_path / "mine.yaml"
    with pytest.raises(UsageError, match=r"catalogue .*mine.yaml \(from --registry or ZOO_REGISTRY\) does not exist"):
        registry_of(tasks_plugin, settings=Settings(catalogues=(missing,), builtin_catalogue=False))
    with pytest.raises(UsageError, match="is not a file"):
        registry_of(tasks_plugin, settings=Settings(catalogues=(tmp_path,), builtin_catalogue=False))
