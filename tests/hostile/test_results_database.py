"""Hostile results databases: a file that is not one, is damaged, belongs to another program or
to a newer zoo, or is not a file at all. Each is one line naming the file, before anything runs,
and the file is left exactly as it was: never recreated, never a row lost."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing

import pytest
from click.testing import CliRunner

from zoo.cli import make_cli
from zoo.store import SCHEMA_VERSION, ResultsStore


@pytest.fixture
def zoo_cli(toy_registry):
    def run(*args):
        return CliRunner().invoke(make_cli(lambda settings: toy_registry), list(args), catch_exceptions=False)
    return run


def a_store_with_one_run(path):
    with ResultsStore.open(path) as store:
        store.add({"status": "ok", "request": {"model": "toys:keyword"}, "model": {"id": "toys:keyword"},
                   "metrics": {"accuracy": 0.85}})


def not_a_database(path):
    path.write_bytes(b"model,accuracy\nresnet18,0.69\n" * 200)  # someone's CSV, saved under the wrong name


def damaged(path):
    a_store_with_one_run(path)
    with open(path, "r+b") as handle:  # the header and the schema page overwritten: a disk error, a bad copy
        handle.write(b"\xde\xad\xbe\xef" * 64)


def another_programs_database(path):
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE contacts (name TEXT, email TEXT)")
        db.execute("INSERT INTO contacts VALUES ('Ada', 'ada@example.org')")


def from_a_newer_zoo(path):
    a_store_with_one_run(path)
    with closing(sqlite3.connect(path)) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")


@pytest.mark.parametrize("make,says", [
    (not_a_database, "it is damaged or not a SQLite database (file is not a database); zoo will not overwrite it"),
    (damaged, "it is damaged or not a SQLite database"),
    (another_programs_database, "is a SQLite database, but not zoo's: it has table(s) contacts and no zoo schema version"),
    (from_a_newer_zoo, f"has schema version {SCHEMA_VERSION + 1}, newer than this zoo reads ({SCHEMA_VERSION}): it was "
                       "written by a newer zoo; upgrade zoo"),
])
def test_a_database_zoo_cannot_use_is_one_line_naming_it_and_is_left_as_it_was(zoo_cli, tmp_path, make, says):
    path = tmp_path / "results.sqlite"
    make(path)
    before = path.read_bytes()
    for command in (["run", "keyword", "--dataset", "reviews", "--results", str(path)],
                    ["results", "list", "--results", str(path)], ["results", "rm", "1", "--yes", "--results", str(path)]):
        result = zoo_cli(*command)
        assert result.exit_code == 2, command
        assert result.stdout == ""  # refused before anything ran
        [line] = result.stderr.splitlines()
        assert line.startswith(f"zoo: error: results database {path}") and says in line, line
        assert "--results (or set ZOO_RESULTS)" in line or "move it aside" in line
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["results.sqlite"]  # no -wal, no -journal, no copy beside it


@pytest.mark.parametrize("kind", ["a directory", "a named pipe (FIFO)"])
def test_a_path_that_is_not_a_file_is_one_line(zoo_cli, tmp_path, monkeypatch, kind):
    path = tmp_path / "results.sqlite"
    os.mkdir(path) if kind == "a directory" else os.mkfifo(path)
    monkeypatch.setenv("ZOO_RESULTS", str(path))  # (--results PATH of a directory is refused by the option itself)
    result = zoo_cli("run", "keyword", "--dataset", "reviews")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (f"zoo: error: results database {path} is {kind}, not a file; give the path of a file "
                             "with --results or ZOO_RESULTS\n")


def test_a_folder_that_cannot_be_made_is_one_line(zoo_cli, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    result = zoo_cli("run", "keyword", "--dataset", "reviews", "--results", str(tmp_path / "a-file" / "results.sqlite"))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"zoo: error: results database {tmp_path / 'a-file' / 'results.sqlite'}: cannot "
                                    f"create its folder {tmp_path / 'a-file'} (")
