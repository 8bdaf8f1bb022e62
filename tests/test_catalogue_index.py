"""The catalogue index: catalogues checked once, then loaded from the zoo cache until anything changes."""

from __future__ import annotations

import copy
import io
import json
import os
import pickle
import subprocess
import sys

import pytest

import zoo
from zoo import catalogue_index
from zoo.catalogue_index import index_folder
from zoo.testing import fake_plugin, registry_of
from zoo.loader import Settings


def entry(name: str, **changes):
    return {"name": name, "task": "text-classification", "builder": "toys:keyword", "license": "MIT", "params": 10,
            "reported": [{"metric": "accuracy", "value": 0.75, "dataset": "toys:reviews", "split": "test",
                          "source": "https://example.org/card"}], **changes}


def write_lines(path, *entries):
    path.write_text("".join(json.dumps(item) + "\n" for item in entries))
    return path


def toys(keywords=("good",)):
    def register_models(register):
        register("keyword", task="text-classification", builder="zoo.testing.toy:build_keyword_model",
                 license="MIT", args={"keywords": list(keywords)})
    return fake_plugin("toys", register_models=register_models)


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def load(catalogue, *plugins, warn=None):
    settings = Settings(builtin_catalogue=False, catalogues=(catalogue,))
    return registry_of(*(plugins or (toys(),)), settings=settings, warn=warn)


def never_parse(monkeypatch):
    """Reading a catalogue file now fails the test: whatever loads must come from the index."""
    def refuse(*args, **kwargs):
        raise AssertionError("the catalogue was parsed again")
    monkeypatch.setattr(catalogue_index, "read_catalogue", refuse)


def test_the_second_load_comes_from_the_index_with_the_same_entries_and_warnings(tmp_path, monkeypatch):
    path = write_lines(tmp_path / "mirror.jsonl", entry("first"), entry("unlicensed", license="Apache 2"))
    first_warnings, second_warnings = io.StringIO(), io.StringIO()
    first = load(path, warn=first_warnings)
    assert [p.name for p in index_folder().iterdir()] and "toys:first" in first.entries["model"]
    never_parse(monkeypatch)
    second = load(path, warn=second_warnings)
    assert second.entries["model"]["toys:first"] == first.entries["model"]["toys:first"]  # origin, args, weights...
    assert second.get("first").origin.where == f"{path}:1:1"
    assert second_warnings.getvalue() == first_warnings.getvalue() != ""  # the bad entry is still reported


def test_an_edited_catalogue_is_read_again(tmp_path):
    path = write_lines(tmp_path / "mirror.jsonl", entry("first"))
    load(path)
    write_lines(path, entry("first"), entry("second"))
    assert "toys:second" in load(path).entries["model"]
    write_lines(path, entry("frist"))  # same size, written within the same file-time tick
    assert sorted(load(path).entries["model"]) == ["toys:frist", "toys:keyword"]


def test_a_touched_catalogue_is_read_again_once_its_content_is_no_longer_checked(tmp_path, monkeypatch):
    monkeypatch.setattr(catalogue_index, "SETTLED_AFTER_NS", 0)  # size and times alone decide
    path = write_lines(tmp_path / "mirror.jsonl", entry("first"))
    load(path)
    parsed = []
    monkeypatch.setattr(catalogue_index, "read_catalogue",
                        lambda *args, **kwargs: parsed.append(args[0]) or ([], []))
    load(path)
    assert parsed == []
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    load(path)
    assert parsed == [path]


def test_the_index_is_never_used_when_the_plugins_differ(tmp_path):
    path = write_lines(tmp_path / "mirror.jsonl", entry("first"))
    assert load(path).get("first").args == {"keywords": ["good"]}
    assert load(path, toys(keywords=("great",))).get("first").args == {"keywords": ["great"]}  # the builder's new args
    without_toys = load(path, fake_plugin("other"))
    assert "toys:first" not in without_toys.entries["model"]
    assert [aside.name for aside in without_toys.unavailable] == ["first"]


@pytest.mark.parametrize("damage", ["truncated", "garbage", "wrong entries"])
def test_a_corrupt_index_is_one_line_and_rebuilt(tmp_path, damage):
    path = write_lines(tmp_path / "mirror.jsonl", entry("first"))
    load(path)
    (index,) = index_folder().iterdir()
    text = index.read_text()
    header, body = text.split("\n", 1)
    index.write_text({"truncated": text[: len(text) // 2], "garbage": "\x00\x01 not json",
                      "wrong entries": header + "\n" + body.replace('"name"', '"nom"')}[damage])
    warnings = io.StringIO()
    registry = load(path, warn=warnings)
    assert "toys:first" in registry.entries["model"]
    (line,) = warnings.getvalue().splitlines()
    assert line.startswith(f"zoo: warning: catalogue index {index}: ") and line.endswith(
        "; rebuilding it from the catalogues")
    quiet = io.StringIO()
    assert "toys:first" in load(path, warn=quiet).entries["model"] and quiet.getvalue() == ""  # rebuilt and whole


def test_an_unwritable_cache_leaves_zoo_working(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_CACHE", str(write_lines(tmp_path / "a-file-not-a-folder", entry("x"))))
    path = write_lines(tmp_path / "mirror.jsonl", entry("first"))
    warnings = io.StringIO()
    assert "toys:first" in load(path, warn=warnings).entries["model"] and warnings.getvalue() == ""


BUILD_IN_A_PROCESS = """
import sys
from pathlib import Path
from zoo.loader import Settings
from zoo.testing import fake_plugin, registry_of

def register_models(register):
    register("keyword", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT")

registry = registry_of(fake_plugin("toys", register_models=register_models),
                       settings=Settings(builtin_catalogue=False, catalogues=(Path(sys.argv[1]),)), warn=sys.stderr)
print(len(registry.entries["model"]))
"""


@pytest.mark.slow
def test_processes_building_the_index_at_once_each_get_every_entry(tmp_path):
    path = write_lines(tmp_path / "mirror.jsonl", *(entry(f"model-{i}") for i in range(2000)))
    processes = [subprocess.Popen([sys.executable, "-c", BUILD_IN_A_PROCESS, str(path)], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(4)]
    results = [process.communicate(timeout=120) for process in processes]
    assert [(out.strip(), err) for out, err in results] == [("2001", "")] * 4  # no process saw half an index
    assert [p.name.startswith(".building-") for p in index_folder().iterdir()] == [False]  # one index, no leftovers
    out, err = subprocess.Popen([sys.executable, "-c", BUILD_IN_A_PROCESS, str(path)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True).communicate(timeout=120)
    assert (out.strip(), err) == ("2001", "")


def cli_output(registry, *args):
    from click.testing import CliRunner

    from zoo.cli.app import make_cli

    result = CliRunner().invoke(make_cli(lambda settings: registry), list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_entries_from_the_index_read_as_the_catalogue_s_own(tmp_path, monkeypatch):
    """Indexed entries hold only a summary until a field outside it is asked for; nothing shows it."""
    path = write_lines(tmp_path / "mirror.jsonl", entry("first", tags=["small", "cnn"], description="the first"),
                       entry("second", params=None, reported=[]), entry("third", weights={"uri": "models/third.bin"}))
    settings = {"builtin_catalogue": False, "catalogues": (path,)}
    direct = registry_of(toys(), settings=Settings(**settings, catalogue_index=False))
    load(path)  # builds the index
    never_parse(monkeypatch)
    indexed = registry_of(toys(), settings=Settings(**settings))
    assert type(indexed.get("first")).__name__ == "IndexedModelSpec"  # the mechanism under test is in use
    for args in (["list", "--json"], ["list", "--sort", "accuracy", "--json"], ["list", "--tag", "cnn"],
                 ["list", "--sort", "params"], ["info", "first", "--json"], ["info", "third"], ["info", "second"]):
        assert cli_output(indexed, *args) == cli_output(direct, *args), args
    for name in ("first", "second", "third"):
        plain, lazy = direct.get(name), indexed.get(name)
        assert lazy == plain and plain == lazy and repr(lazy) == repr(plain)
        assert lazy.reported_values() == plain.reported_values() and lazy.origin == plain.origin
        assert type(pickle.loads(pickle.dumps(lazy))) is type(copy.deepcopy(lazy)) is type(plain)


def test_only_the_entries_asked_for_are_read_whole(tmp_path):
    path = write_lines(tmp_path / "mirror.jsonl", *(entry(f"model-{i}", reported=[
        {"metric": "accuracy", "value": i / 100, "dataset": "toys:reviews", "source": "https://example.org"}])
        for i in range(50)))
    load(path)
    registry = load(path)
    best = zoo.list_models(task="text-classification", sort="accuracy", top=3, registry=registry)
    assert [spec.name for spec in best] == ["model-49", "model-48", "model-47"]
    assert zoo.get("model-7", registry=registry).args == {"keywords": ["good"]}
    whole = [spec.name for spec in registry.entries["model"].values() if getattr(spec, "_whole", None) is not None]
    assert whole == ["model-7"]


def test_an_entry_damaged_after_loading_is_one_line_and_the_next_command_rebuilds(tmp_path):
    """Only the columns are checksummed on load; each whole entry is checked when it is read."""
    path = write_lines(tmp_path / "mirror.jsonl", entry("first", description="the first"))
    load(path)
    registry = load(path)
    (index,) = index_folder().iterdir()
    data = index.read_bytes()
    at = data.rindex(b"the first")
    index.write_bytes(data[:at] + b"the frist" + data[at + len(b"the first"):])  # same size, other bytes
    with pytest.raises(zoo.errors.UsageError, match=f"catalogue index {index}: an entry cannot be read .*checksum"
                                                    ".*removed and is rebuilt by the next command"):
        registry.get("first").description
    assert not index.exists()
    assert load(path).get("first").description == "the first"
