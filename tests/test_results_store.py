"""The results store (zoo.store): records kept in SQLite, found by request, weights and data, queried,
removed; its schema upgraded in place; several processes writing at once."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest

import zoo
from zoo.errors import UsageError
from zoo.store import (SCHEMA_VERSION, ResultsStore, StoreError, StoreSettings, default_results_path, parse_since,
                       request_key)
from zoo.store import database, schema


def run_record(model="toys:keyword", dataset="toys:reviews", *, status="ok", accuracy=0.85, weights="a" * 64,
               fingerprint="f" * 64, task="text-classification", **request):
    """A run record shaped as zoo.evaluate returns it (only the sections the store reads)."""
    return {
        "zoo_record": 1, "status": status, "task": task,
        "request": {"model": model, "dataset": dataset, "split": "test", "batch_size": 32, "device": "auto",
                    "dtype": "float32", "seed": 0, "model_args": {}, "dataset_args": {}, **request},
        "model": {"id": model, "weights_sha256": weights, "parameters": 4},
        "dataset": {"id": dataset, "split": "test", "fingerprint": fingerprint},
        "metrics": {} if status == "failed" else {"accuracy": accuracy, "macro-f1": 0.81},
        "run": {"device": "cpu", "wall_seconds": 0.5, "samples_per_second": 80.0, "build_seconds": 0.1},
        "versions": {"zoo": zoo.__version__, "torch": "2.14.1"},
        **({"error": "weights missing"} if status == "failed" else {}),
    }


@pytest.fixture
def store(tmp_path):
    with ResultsStore.open(tmp_path / "results.sqlite") as opened:
        yield opened


# -- the request key -----------------------------------------------------------------------------


def test_the_request_key_ignores_how_fast_a_run_goes_and_fills_in_defaults():
    base = {"model": "toys:keyword", "dataset": "toys:reviews", "split": "test"}
    key = request_key(base)
    assert request_key({**base, "batch_size": 1, "num_workers": 4, "device": "cuda:1"}) == key
    assert request_key({**base, "dtype": "float32", "seed": 0, "on_error": "fail", "compile": False,
                        "model_args": {}, "dataset_args": {}, "label_map": None, "metrics": None}) == key
    assert request_key({**base, "metrics": ["macro-f1", "accuracy"]}) == request_key({**base, "metrics": ("accuracy", "macro-f1")})


@pytest.mark.parametrize("change", [{"dtype": "bfloat16"}, {"seed": 1}, {"limit": 10}, {"split": "train"},
                                    {"metrics": ["accuracy"]}, {"model_args": {"keywords": ["good"]}},
                                    {"dataset_args": {"size": 10}}, {"label_map": {"neg": "negative"}},
                                    {"on_error": "skip"}, {"compile": True}, {"channels_last": False},
                                    {"model": "toys:keyword-upper"}, {"dataset": "toys:other"}])
def test_every_option_that_changes_results_changes_the_key(change):
    base = {"model": "toys:keyword", "dataset": "toys:reviews", "split": "test"}
    assert request_key({**base, **change}) != request_key(base)


def test_the_key_of_a_plan_equals_the_key_of_its_record_before_and_after_json(toy_registry):
    from zoo.engine import plan_named, recorded_request

    options = {"limit": 12, "metrics": ("accuracy",), "model_args": {"keywords": ("good", "fine")}, "batch_size": 4}
    planned = recorded_request(plan_named("keyword", "reviews", toy_registry, **options))
    record = zoo.evaluate("keyword", "reviews", registry=toy_registry, **options)
    assert request_key(planned) == request_key(record["request"]) == request_key(json.loads(json.dumps(record))["request"])


def test_a_request_that_is_not_a_mapping_is_one_clear_error():
    with pytest.raises(UsageError, match="a run request is a mapping of run options"):
        request_key(["toys:keyword"])  # type: ignore[arg-type]


# -- adding and finding --------------------------------------------------------------------------


def test_a_stored_run_is_found_by_its_request_weights_and_data_and_nothing_else(store):
    record = run_record()
    record_id = store.add(record)
    found = store.find({**record["request"], "batch_size": 256}, weights_sha256="a" * 64, fingerprint="f" * 64)
    assert found.id == record_id and found.record == record
    assert store.lookup(record["request"]) == record  # weights and data not given: not compared
    assert store.lookup(record["request"], weights_sha256="b" * 64) is None  # other weights
    assert store.lookup(record["request"], fingerprint="0" * 64) is None  # other data
    assert store.lookup({**record["request"], "seed": 1}) is None  # another request
    assert store.lookup(record["request"], kind="bench") is None


def test_the_newest_ok_record_answers_and_a_failed_one_never_does(store):
    older = store.add(run_record(accuracy=0.5))
    newer = store.add(run_record(accuracy=0.75))
    store.add(run_record(status="failed"))
    found = store.find(run_record()["request"])
    assert found.id == newer > older and found.metrics["accuracy"] == 0.75


def test_the_columns_say_what_the_record_says(store):
    stored = store.get(store.add(run_record()))
    assert (stored.kind, stored.status, stored.model, stored.dataset, stored.split, stored.task) == \
        ("run", "ok", "toys:keyword", "toys:reviews", "test", "text-classification")
    assert (stored.weights_sha256, stored.fingerprint, stored.seconds, stored.device) == ("a" * 64, "f" * 64, 0.5, "cpu")
    assert (stored.parameters, stored.samples_per_second) == (4, 80.0)
    assert list(stored.metrics) == ["accuracy", "macro-f1"]  # the record's order: the task's main metric first
    assert datetime.fromisoformat(stored.created_at.replace("Z", "+00:00")) > datetime.now(timezone.utc) - timedelta(minutes=1)
    failed = store.get(store.add(run_record(status="failed")))
    assert failed.status == "failed" and failed.error == "weights missing" and failed.metrics == {}


def test_metrics_are_rows_of_their_own_so_a_leaderboard_ranks_in_sql(store):
    store.add(run_record("toys:a", accuracy=0.6))
    store.add(run_record("toys:b", accuracy=0.9))
    nan = run_record("toys:c")
    nan["metrics"]["accuracy"] = float("nan")  # a metric on degenerate data: kept as null in the JSON only
    nan_id = store.add(nan)
    with sqlite3.connect(store.path) as db:
        ranked = db.execute("SELECT r.model, m.value FROM metrics m JOIN records r ON r.id = m.record_id "
                            "WHERE m.name = 'accuracy' ORDER BY m.value DESC").fetchall()
    assert ranked == [("toys:b", 0.9), ("toys:a", 0.6)]
    assert store.get(nan_id).record["metrics"]["accuracy"] is None


@pytest.mark.parametrize("record,kind,message", [
    ({"status": "ok", "metrics": {}}, "run", "needs its 'request' section"),
    (run_record(), "sweep", "kind is one of run, bench"),
    ({**run_record(), "status": "interrupted"}, "run", "status is one of ok, failed"),
    ({**run_record(), "model": {"id": "x", "object": object()}}, "run", "must be plain JSON data"),
])
def test_a_record_the_store_cannot_keep_is_refused_and_nothing_is_added(store, record, kind, message):
    with pytest.raises(UsageError, match=message):
        store.add(record, kind=kind)
    assert store.count() == 0


def test_many_records_are_added_in_one_transaction_all_or_none(store):
    assert store.add_many([run_record("toys:a"), run_record("toys:b")]) == [1, 2]
    with pytest.raises(UsageError, match="status is one of ok, failed"):
        store.add_many([run_record("toys:c"), {**run_record("toys:d"), "status": "?"}])
    assert [s.model for s in store.query()] == ["toys:b", "toys:a"]


def test_a_bench_record_is_kept_with_its_kind(store):
    bench = {"status": "ok", "task": "image-classification", "model": {"id": "vision:resnet18", "parameters": 11_689_512},
             "metrics": {"samples_per_second": 412.0, "latency_ms_p50": 9.1}, "run": {"device": "cpu"}}
    stored = store.get(store.add(bench, kind="bench"))
    assert stored.kind == "bench" and stored.request_key is None and stored.metrics["samples_per_second"] == 412.0
    assert store.query(kind="run") == [] and [s.id for s in store.query(kind="bench")] == [stored.id]


# -- querying, getting, removing -----------------------------------------------------------------


def test_query_filters_by_pattern_task_kind_status_and_date_newest_first(store):
    ids = [store.add(run_record("vision:resnet18", "vision:digits", task="image-classification")),
           store.add(run_record("vision:resnet50", "vision:imagenet-1k", task="image-classification")),
           store.add(run_record("text:minilm", "text:rotten-tomatoes")),
           store.add(run_record("vision:resnet50", "vision:digits", status="failed", task="image-classification"))]
    assert [s.id for s in store.query()] == ids[::-1]
    assert [s.id for s in store.query(model="resnet*")] == [ids[3], ids[1], ids[0]]  # the name alone matches
    assert [s.id for s in store.query(model="vision:resnet50", status="ok")] == [ids[1]]
    assert [s.id for s in store.query(dataset="digits", task="image-classification")] == [ids[3], ids[0]]
    assert [s.id for s in store.query(task="text-classification")] == [ids[2]]
    assert [s.id for s in store.query(limit=2)] == [ids[3], ids[2]]
    assert [s.id for s in store.query(model="resnet*", limit=1)] == [ids[3]]
    assert store.query(since="1h") == store.query() and store.query(since="2999-01-01") == []
    assert store.query(since=datetime.now(timezone.utc) + timedelta(hours=1)) == []


@pytest.mark.parametrize("text", ["yesterday", "7 days", "-3d", ""])
def test_a_since_that_is_no_date_says_what_is_accepted(text):
    with pytest.raises(UsageError, match=r"give a date \(2026-11-30\)"):
        parse_since(text)


def test_get_an_unknown_id_says_which_ids_there_are(store):
    with pytest.raises(StoreError, match="has no record 3; it holds no records yet"):
        store.get(3)
    store.add(run_record())
    store.add(run_record())
    with pytest.raises(StoreError, match=r"results database .*results.sqlite has no record 7; it holds 2 record\(s\), "
                                         r"ids 1 to 2: see `zoo results list`"):
        store.get(7)


def test_removing_takes_the_metrics_too_and_an_id_is_never_given_again(store):
    first, second = store.add(run_record()), store.add(run_record())
    assert store.remove([first, 99]) == 1
    assert [s.id for s in store.query()] == [second]
    assert store.add(run_record()) == second + 1  # AUTOINCREMENT: `record 1` never names another run
    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT count(*) FROM metrics WHERE record_id = ?", (first,)).fetchone() == (0,)


# -- where the store is --------------------------------------------------------------------------


def test_the_store_is_zoo_results_else_in_the_zoo_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("ZOO_RESULTS", str(tmp_path / "mine.sqlite"))
    assert default_results_path() == tmp_path / "mine.sqlite"
    monkeypatch.delenv("ZOO_RESULTS")
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path / "cache"))
    assert default_results_path() == tmp_path / "cache" / "results.sqlite"


def test_options_override_the_environment():
    env = {"ZOO_RESULTS": "/data/team.sqlite", "ZOO_NO_STORE": "1"}
    assert StoreSettings.from_env(env) == StoreSettings(database.Path("/data/team.sqlite"), enabled=False)
    assert StoreSettings.from_env({"ZOO_RESULTS": "/data/team.sqlite"}, results="here.sqlite").path.name == "here.sqlite"
    assert StoreSettings.from_env({}, no_store=True).enabled is False
    assert StoreSettings.from_env({"ZOO_NO_STORE": "0"}).enabled is True


def test_opening_makes_the_folder_and_a_wal_database_at_the_current_version(tmp_path):
    path = tmp_path / "new" / "folder" / "results.sqlite"
    ResultsStore.open(path).close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_the_python_api_returns_plain_data_and_creates_no_store(tmp_path):
    path = tmp_path / "results.sqlite"
    assert zoo.results(path=path) == [] and not path.exists()
    with ResultsStore.open(path) as store:
        store.add(run_record("vision:resnet18", "vision:digits", task="image-classification"))
        store.add(run_record())
    rows = zoo.results(model="resnet*", path=path)
    assert [row["model"] for row in rows] == ["vision:resnet18"]
    assert json.loads(json.dumps(rows)) == rows  # plain data
    assert rows[0]["record"]["request"]["model"] == "vision:resnet18"
    assert [row["model"] for row in zoo.results(task="text-classification", path=path)] == ["toys:keyword"]


# -- the schema and its migrations ---------------------------------------------------------------


def test_an_empty_file_becomes_a_store(tmp_path):
    path = tmp_path / "results.sqlite"
    path.write_bytes(b"")  # `touch results.sqlite`: a database of version 0
    with ResultsStore.open(path) as store:
        assert store.get(store.add(run_record())).model == "toys:keyword"


def version_1_store(path):
    """A file as zoo wrote it with schema version 1, holding one run."""
    db = sqlite3.connect(path, isolation_level=None)
    schema.MIGRATIONS[0](db)
    db.execute("PRAGMA user_version = 1")
    record = run_record()
    db.execute("INSERT INTO records (kind, status, created_at, request_key, model, dataset, split, task, record) "
               "VALUES ('run', 'ok', '2026-01-02T03:04:05Z', ?, 'toys:keyword', 'toys:reviews', 'test', "
               "'text-classification', ?)", (request_key(record["request"]), json.dumps(record)))
    db.execute("INSERT INTO metrics VALUES (1, 'accuracy', 0.85)")
    db.close()
    return record


def test_a_version_1_store_is_upgraded_in_place_keeping_its_rows(tmp_path):
    path = tmp_path / "results.sqlite"
    record = version_1_store(path)
    with ResultsStore.open(path) as store:
        old = store.get(1)
        assert old.record == record and old.metrics == {"accuracy": 0.85}
        assert (old.parameters, old.samples_per_second) == (4, 80.0)  # version 2's columns, filled from the JSON
        assert store.lookup(record["request"]) == record
        assert store.add(run_record()) == 2
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)


def test_the_next_schema_version_is_one_more_migration(tmp_path, monkeypatch):
    path = tmp_path / "results.sqlite"
    ResultsStore.open(path).close()

    def add_notes(db):
        db.execute("ALTER TABLE records ADD COLUMN notes TEXT")

    monkeypatch.setattr(database, "MIGRATIONS", (*schema.MIGRATIONS, add_notes))
    monkeypatch.setattr(database, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    ResultsStore.open(path).close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION + 1,)
        assert "notes" in [row[1] for row in db.execute("PRAGMA table_info(records)")]


def test_a_migration_that_fails_leaves_the_file_at_its_old_version_with_its_rows(tmp_path, monkeypatch):
    path = tmp_path / "results.sqlite"
    version_1_store(path)

    def broken(db):
        db.execute("ALTER TABLE records ADD COLUMN half_done TEXT")
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(database, "MIGRATIONS", (schema.MIGRATIONS[0], broken))
    with pytest.raises(StoreError, match=r"results database .*results.sqlite: cannot open it: disk I/O error"):
        ResultsStore.open(path)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (1,)
        assert "half_done" not in [row[1] for row in db.execute("PRAGMA table_info(records)")]
        assert db.execute("SELECT count(*) FROM records").fetchone() == (1,)


# -- several writers at once ---------------------------------------------------------------------

WRITER = """
import os, sys, time
from zoo.store import ResultsStore
path, go, writer, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
while not os.path.exists(go):
    time.sleep(0.005)
for index in range(count):
    with ResultsStore.open(path) as store:  # a process per zoo run: each opens, adds, closes
        store.add({"status": "ok", "request": {"model": f"w{writer}", "seed": index},
                   "model": {"id": f"w{writer}"}, "metrics": {"accuracy": index / count}})
"""


def test_processes_writing_at_once_lose_nothing_and_corrupt_nothing(tmp_path):
    """N processes x M adds, started together on a store none of them created: N x M whole records."""
    path, go = tmp_path / "results.sqlite", tmp_path / "go"
    writers, adds = 4, 25
    processes = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(go), str(n), str(adds)])
                 for n in range(writers)]
    time.sleep(0.5)  # every writer is waiting at the line
    go.touch()
    assert [process.wait(timeout=120) for process in processes] == [0] * writers
    with ResultsStore.open(path) as store:
        stored = store.query()
        assert len(stored) == writers * adds == len({s.id for s in stored})
        for n in range(writers):
            mine = sorted(s.record["request"]["seed"] for s in stored if s.model == f"w{n}")
            assert mine == list(range(adds))
        assert all(len(s.metrics) == 1 for s in stored)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert os.path.getsize(path) > 0
