"""The results database's schema, as the list of migrations that build it.

``PRAGMA user_version`` is the number of migrations applied. Opening a store
applies the missing ones in order, in one transaction with the version bump, so
a file is always at some version and never half-upgraded; a file of a higher
version than :data:`SCHEMA_VERSION` is refused (it belongs to a newer zoo).
The next schema change is one more function appended to :data:`MIGRATIONS`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Final

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "TABLES"]


def _v1_records_and_metrics(db: sqlite3.Connection) -> None:
    """Version 1: one row per record, with the columns queries filter on, and its metrics in a side
    table (one row per metric) so a leaderboard can rank by any metric in SQL."""
    _execute_each(db, """
        CREATE TABLE records (
            id INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: an id removed is never given again
            kind TEXT NOT NULL,                    -- run | bench
            status TEXT NOT NULL,                  -- ok | failed
            created_at TEXT NOT NULL,              -- UTC, ISO 8601 (YYYY-MM-DDTHH:MM:SSZ)
            request_key TEXT,                      -- zoo.store.request_key of the record's request
            model TEXT,
            dataset TEXT,
            split TEXT,
            task TEXT,
            weights_sha256 TEXT,
            fingerprint TEXT,                      -- the dataset's
            seconds REAL,                          -- wall seconds of the evaluation
            device TEXT,
            zoo_version TEXT,
            torch_version TEXT,
            error TEXT,                            -- why a failed record failed
            record TEXT NOT NULL                   -- the whole record, JSON
        );
        CREATE INDEX records_by_request ON records (request_key, kind, status);
        CREATE INDEX records_by_date ON records (created_at);
        CREATE TABLE metrics (
            record_id INTEGER NOT NULL REFERENCES records (id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            value REAL NOT NULL,
            PRIMARY KEY (record_id, name)
        );
        CREATE INDEX metrics_by_name ON metrics (name, value);
    """)


def _v2_cost_columns(db: sqlite3.Connection) -> None:
    """Version 2: the costs a leaderboard plots a metric against (parameters, samples per second,
    build seconds) as columns, filled for the rows already there from their JSON."""
    for column, kind in (("parameters", "INTEGER"), ("samples_per_second", "REAL"), ("build_seconds", "REAL")):
        db.execute(f"ALTER TABLE records ADD COLUMN {column} {kind}")
    db.execute("""UPDATE records SET parameters = json_extract(record, '$.model.parameters'),
                                     samples_per_second = json_extract(record, '$.run.samples_per_second'),
                                     build_seconds = json_extract(record, '$.run.build_seconds')""")
    db.execute("CREATE INDEX records_by_model ON records (model, dataset)")


def _execute_each(db: sqlite3.Connection, script: str) -> None:
    """Each statement of ``script`` in the caller's transaction (``executescript`` would commit it first)."""
    for statement in script.split(";"):
        lines = [line.split("--")[0] for line in statement.splitlines()]
        if "".join(lines).strip():
            db.execute("\n".join(lines))


MIGRATIONS: Final[tuple[Callable[[sqlite3.Connection], None], ...]] = (_v1_records_and_metrics, _v2_cost_columns)
"""Migration ``i`` takes a database from version ``i`` to ``i + 1``."""

SCHEMA_VERSION: Final = len(MIGRATIONS)
"""The version this zoo writes."""

TABLES: Final = frozenset({"records", "metrics", "sqlite_sequence"})
"""The tables of a zoo results database (sqlite_sequence is SQLite's, for AUTOINCREMENT)."""
