"""The results store: every run and bench record, kept in one SQLite file.

One file, the standard library's ``sqlite3``, no server. Concurrent writers
(two ``zoo run`` at once, a sweep's jobs) are safe: the database is in WAL
mode, a writer waits up to :data:`BUSY_TIMEOUT_S` for another, and every write
is one ``BEGIN IMMEDIATE`` transaction, so a record is there whole or not at
all (``synchronous=NORMAL``: a power cut may lose the last records, never the file). A file that is not a zoo results database, is damaged, or was written by a
newer zoo is one :class:`StoreError` naming it; it is never recreated or
overwritten.
"""

from __future__ import annotations

import fnmatch
import json
import math
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Final

from zoo.errors import UsageError, ZooError
from zoo.files import cache_root, not_a_regular_file
from zoo.printable import strict_json
from zoo.store.keys import request_key
from zoo.store.schema import MIGRATIONS, SCHEMA_VERSION, TABLES

__all__ = ["BUSY_TIMEOUT_S", "KINDS", "ResultsStore", "StoreError", "StoreSettings", "StoredRecord",
           "default_results_path", "local_time", "parse_since"]

BUSY_TIMEOUT_S: Final = 60.0
"""How long a writer waits for another to finish before giving up."""

KINDS: Final = ("run", "bench")
"""The kinds of record kept: ``zoo run``'s and ``zoo bench``'s."""

STATUSES: Final = ("ok", "failed")
_WHAT_TO_DO = "move it aside or pass --results (or set ZOO_RESULTS) to use another file"


class StoreError(ZooError):
    """The results database cannot be used as asked; the message names the file."""


def default_results_path() -> Path:
    """Where results are kept: ``$ZOO_RESULTS`` when set, else ``results.sqlite`` in zoo's cache folder."""
    configured = os.environ.get("ZOO_RESULTS", "").strip()
    return Path(configured).expanduser() if configured else cache_root() / "results.sqlite"


@dataclass(frozen=True)
class StoreSettings:
    """Whether and where ``zoo run`` keeps its records: from the environment, overridden by options."""

    path: Path
    enabled: bool = True

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, results: str | os.PathLike[str] | None = None,
                 no_store: bool = False) -> StoreSettings:
        """``ZOO_RESULTS`` (the file) and ``ZOO_NO_STORE=1`` (keep nothing), then the options
        ``--results PATH`` and ``--no-store``; an option left unset keeps the environment's value."""
        env = os.environ if environ is None else environ
        configured = (env.get("ZOO_RESULTS") or "").strip()
        path = (Path(results) if results is not None else Path(configured) if configured
                else cache_root() / "results.sqlite")
        disabled = no_store or (env.get("ZOO_NO_STORE") or "").strip().lower() in ("1", "true", "yes", "on")
        return cls(path.expanduser(), not disabled)


@dataclass(frozen=True)
class StoredRecord:
    """One stored record: the columns queries use, and ``record``, the whole record as it was added."""

    id: int
    kind: str
    status: str
    created_at: str  # UTC, ISO 8601
    model: str | None
    dataset: str | None
    split: str | None
    task: str | None
    request_key: str | None
    weights_sha256: str | None
    fingerprint: str | None
    metrics: dict[str, float]
    seconds: float | None
    device: str | None
    record: dict[str, Any] = field(repr=False)
    error: str | None = None
    parameters: int | None = None
    samples_per_second: float | None = None

    @property
    def local_time(self) -> str:
        """``created_at`` in this machine's time zone, to the minute: ``2026-11-30 14:02``."""
        return local_time(self.created_at)

    def to_dict(self) -> dict[str, Any]:
        """Plain data: every field, the record included."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


_COLUMNS: Final = ("id", "kind", "status", "created_at", "model", "dataset", "split", "task", "request_key",
                   "weights_sha256", "fingerprint", "seconds", "device", "record", "error", "parameters",
                   "samples_per_second")


class ResultsStore:
    """A results database, open. ``ResultsStore.open(path)``; use it as a context manager, or ``close()`` it."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection

    # -- opening -----------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None) -> ResultsStore:
        """Open (creating it, and its folder, when missing) the database at ``path``
        (None: :func:`default_results_path`), upgrading an older schema in place."""
        path = Path(path).expanduser() if path is not None else default_results_path()
        _check_path(path)
        try:
            connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                         check_same_thread=False)
        except sqlite3.Error as error:
            raise StoreError(f"results database {path}: cannot open it ({error}); {_WHAT_TO_DO}") from None
        store = cls(path, connection)
        try:
            with store._errors("cannot open it"):
                connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
                store._migrate()
                # WAL once the file is known to be ours: readers never block the writer, nor it them.
                if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    connection.execute("PRAGMA journal_mode = WAL")
                # In WAL mode NORMAL never corrupts the file; a power cut may lose the last records, not older ones.
                connection.execute("PRAGMA synchronous = NORMAL")
                connection.execute("PRAGMA foreign_keys = ON")
        except BaseException:
            connection.close()
            raise
        return store

    def _migrate(self) -> None:
        version = self._version()
        if version == SCHEMA_VERSION:
            return
        self._refuse_newer(version)
        with self._transaction():
            version = self._version()  # another process may have upgraded it while this one waited
            self._refuse_newer(version)
            if version == 0:
                foreign = sorted(name for (name,) in self._db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'") if name not in TABLES)
                if foreign:
                    raise StoreError(f"results database {self.path} is a SQLite database, but not zoo's: it has "
                                     f"table(s) {', '.join(foreign[:5])} and no zoo schema version; {_WHAT_TO_DO}")
            for migrate in MIGRATIONS[version:]:
                migrate(self._db)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _refuse_newer(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise StoreError(f"results database {self.path} has schema version {version}, newer than this zoo "
                             f"reads ({SCHEMA_VERSION}): it was written by a newer zoo; upgrade zoo, or "
                             f"pass --results (or set ZOO_RESULTS) to use another file")

    # -- transactions and errors -------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write: ``BEGIN IMMEDIATE`` takes the write lock first (waiting for another writer),
        so the transaction never fails half-way on a lock; any error rolls it back whole."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as error:
            raise StoreError(f"results database {self.path}: {doing}: {_explained(error)}") from None

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._db.close()

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ResultsStore({str(self.path)!r})"

    # -- writing -----------------------------------------------------------------------------------

    def add(self, record: Mapping[str, Any], *, kind: str = "run") -> int:
        """Keep a record (a run record, ok or failed, or a bench record); returns its id."""
        return self.add_many([record], kind=kind)[0]

    def add_many(self, records: Iterable[Mapping[str, Any]], *, kind: str = "run") -> list[int]:
        """Keep several records in one transaction (all or none); returns their ids, in order."""
        rows = [(_row(record, kind), _numeric_metrics(record.get("metrics"))) for record in records]
        ids = []
        with self._errors("cannot add the record"), self._transaction():
            for row, metrics in rows:
                cursor = self._db.execute(
                    f"INSERT INTO records ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", tuple(row.values()))
                record_id = int(cursor.lastrowid)  # type: ignore[arg-type]
                self._db.executemany("INSERT INTO metrics (record_id, name, value) VALUES (?, ?, ?)",
                                     [(record_id, name, value) for name, value in metrics.items()])
                ids.append(record_id)
        return ids

    def remove(self, ids: Iterable[int]) -> int:
        """Remove these records (and their metrics), all in one transaction; returns how many were removed."""
        wanted = sorted({int(i) for i in ids})
        if not wanted:
            return 0
        removed = 0
        with self._errors("cannot remove records"), self._transaction():
            for chunk in _chunks(wanted, 500):
                marks = ", ".join("?" * len(chunk))
                self._db.execute(f"DELETE FROM metrics WHERE record_id IN ({marks})", chunk)
                removed += self._db.execute(f"DELETE FROM records WHERE id IN ({marks})", chunk).rowcount
        return removed

    # -- reading -----------------------------------------------------------------------------------

    def find(self, request: Mapping[str, Any], *, weights_sha256: str | None = None, fingerprint: str | None = None,
             kind: str = "run") -> StoredRecord | None:
        """The newest ``ok`` record of this request (see :func:`~zoo.store.request_key`), and of these
        weights and data when given; None when there is none."""
        where = ["request_key = ?", "kind = ?", "status = 'ok'"]
        values: list[Any] = [request_key(request), kind]
        for column, value in (("weights_sha256", weights_sha256), ("fingerprint", fingerprint)):
            if value is not None:
                where.append(f"{column} = ?")
                values.append(value)
        found = self._select(f"WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT 1", values)
        return found[0] if found else None

    def lookup(self, request: Mapping[str, Any], *, weights_sha256: str | None = None,
               fingerprint: str | None = None, kind: str = "run") -> dict[str, Any] | None:
        """The whole record :meth:`find` finds, or None."""
        found = self.find(request, weights_sha256=weights_sha256, fingerprint=fingerprint, kind=kind)
        return found.record if found else None

    def query(self, *, model: str | None = None, dataset: str | None = None, task: str | None = None,
              kind: str | None = None, status: str | None = None, since: str | date | datetime | None = None,
              limit: int | None = None) -> list[StoredRecord]:
        """Records matching every filter, newest first.

        ``model`` and ``dataset`` are names or fnmatch patterns, matched against the whole id
        (``plugin:name``) and the name alone; ``since`` a date, a datetime or what
        :func:`parse_since` reads (``2026-11-30``, ``7d``); ``limit`` keeps the newest N.
        """
        if kind is not None and kind not in KINDS:
            raise UsageError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        if status is not None and status not in STATUSES:
            raise UsageError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
        if limit is not None and limit < 1:
            raise UsageError(f"limit must be at least 1, not {limit}")
        where, values = [], []
        for column, value in (("task", task), ("kind", kind), ("status", status)):
            if value is not None:
                where.append(f"{column} = ?")
                values.append(value)
        if since is not None:
            where.append("created_at >= ?")
            values.append(_utc_text(parse_since(since) if isinstance(since, str) else since))
        patterns = {column: value for column, value in (("model", model), ("dataset", dataset)) if value is not None}
        clause = f"WHERE {' AND '.join(where)} " if where else ""
        if not patterns and limit is not None:
            return self._select(f"{clause}ORDER BY id DESC LIMIT ?", [*values, limit])
        found = [row for row in self._select(f"{clause}ORDER BY id DESC", values)
                 if all(_matches(getattr(row, column), pattern) for column, pattern in patterns.items())]
        return found[:limit] if limit is not None else found

    def get(self, record_id: int) -> StoredRecord:
        """The record of this id, or a :class:`StoreError` saying which ids there are."""
        found = self._select("WHERE id = ?", [int(record_id)])
        if found:
            return found[0]
        with self._errors("cannot read it"):
            count, low, high = self._db.execute("SELECT count(*), min(id), max(id) FROM records").fetchone()
        held = (f"it holds {count} record(s), ids {low} to {high}: see `zoo results list`" if count
                else "it holds no records yet (`zoo run MODEL --dataset DATASET` adds one)")
        raise StoreError(f"results database {self.path} has no record {record_id}; {held}")

    def count(self) -> int:
        """How many records the store holds."""
        with self._errors("cannot read it"):
            return int(self._db.execute("SELECT count(*) FROM records").fetchone()[0])

    def _select(self, tail: str, values: Iterable[Any]) -> list[StoredRecord]:
        with self._errors("cannot read it"):
            rows = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM records {tail}", tuple(values)).fetchall()
            metrics: dict[int, dict[str, float]] = {row[0]: {} for row in rows}
            for chunk in _chunks(list(metrics), 500):
                for record_id, name, value in self._db.execute(
                        f"SELECT record_id, name, value FROM metrics WHERE record_id IN ({', '.join('?' * len(chunk))})",
                        chunk):
                    metrics[record_id][name] = value
        return [self._stored(row, metrics[row[0]]) for row in rows]

    def _stored(self, row: tuple[Any, ...], metrics: dict[str, float]) -> StoredRecord:
        values = dict(zip(_COLUMNS, row))
        try:
            record = json.loads(values["record"])
        except ValueError as error:
            raise StoreError(f"results database {self.path}: record {values['id']} is damaged (its JSON does not "
                             f"parse: {error}); remove it with `zoo results rm {values['id']}`") from None
        # The record's own order (the task's metrics first), not the side table's.
        ordered = {name: metrics[name] for name in (record.get("metrics") or {}) if name in metrics}
        return StoredRecord(**{**values, "record": record, "metrics": {**ordered, **metrics}})


# -- what a record becomes as a row ----------------------------------------------------------------


def _row(record: Mapping[str, Any], kind: str) -> dict[str, Any]:
    if kind not in KINDS:
        raise UsageError(f"a stored record's kind is one of {', '.join(KINDS)}, not {kind!r}")
    if not isinstance(record, Mapping):
        raise UsageError(f"a stored record is a mapping (a run or bench record), not {type(record).__name__}")
    status = record.get("status", "ok")
    if status not in STATUSES:
        raise UsageError(f"a stored record's status is one of {', '.join(STATUSES)}, not {status!r}")
    request = record.get("request")
    if kind == "run" and not isinstance(request, Mapping):
        raise UsageError("a run record to store needs its 'request' section (what zoo.evaluate and zoo run return)")
    # A bench record's figures are in its `bench` section: device, samples/s (at its largest batch), build seconds.
    figures = "bench" if kind == "bench" else "run"
    model, dataset, run = (_section(record, name) for name in ("model", "dataset", figures))
    versions = _section(record, "versions")
    try:
        text = json.dumps(strict_json(dict(record)), allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError) as error:
        raise UsageError(f"a stored record must be plain JSON data (what zoo.evaluate returns): {error}") from None
    return {
        "kind": kind, "status": status, "created_at": _utc_text(datetime.now(timezone.utc)),
        "request_key": request_key(request) if isinstance(request, Mapping) else None,
        "model": _text(model.get("id")), "dataset": _text(dataset.get("id")),
        "split": _text(dataset.get("split") or (request or {}).get("split")), "task": _text(record.get("task")),
        "weights_sha256": _text(model.get("weights_sha256")), "fingerprint": _text(dataset.get("fingerprint")),
        "seconds": _number(run.get("wall_seconds", run.get("seconds"))), "device": _text(run.get("device")),
        "zoo_version": _text(versions.get("zoo")), "torch_version": _text(versions.get("torch")),
        "error": _text(record.get("error")), "record": text,
        "parameters": _number(model.get("parameters"), integer=True),
        "samples_per_second": _number(run.get("samples_per_second")),
        "build_seconds": _number(run.get("build_seconds")),
    }


def _section(record: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = record.get(name)
    if isinstance(value, str) and name in ("model", "dataset"):
        return {"id": value}
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _number(value: Any, *, integer: bool = False) -> float | int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return int(value) if integer else float(value)


def _numeric_metrics(metrics: Any) -> dict[str, float]:
    """The metrics a leaderboard can rank by: finite numbers (a NaN or a nested value stays in the JSON only)."""
    if not isinstance(metrics, Mapping):
        return {}
    return {str(name): float(value) for name, value in metrics.items() if _number(value) is not None}


def _matches(value: str | None, pattern: str) -> bool:
    if value is None:
        return False
    name = value.rpartition(":")[2]
    if any(ch in pattern for ch in "*?["):
        return fnmatch.fnmatchcase(value, pattern) or fnmatch.fnmatchcase(name, pattern)
    return pattern in (value, name)


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _explained(error: sqlite3.Error) -> str:
    text = str(error)
    if isinstance(error, sqlite3.DatabaseError) and ("not a database" in text or "malformed" in text):
        return (f"it is damaged or not a SQLite database ({text}); zoo will not overwrite it: {_WHAT_TO_DO} "
                "(a partly damaged file can often still be read with the sqlite3 tool's .recover)")
    if "locked" in text or "busy" in text:
        return f"{text}: another process held it for over {BUSY_TIMEOUT_S:.0f} s; try again"
    if "readonly" in text or "read-only" in text:
        return f"{text}: this user cannot write it (or its folder); {_WHAT_TO_DO}"
    return f"{text}; {_WHAT_TO_DO}"


def _check_path(path: Path) -> None:
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):  # not there yet, or a file where its folder should be
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"results database {path}: cannot create its folder {path.parent} "
                             f"({error.strerror or error}); {_WHAT_TO_DO}") from None
        return
    except OSError as error:
        raise StoreError(f"results database {path}: cannot read it ({error.strerror or error}); {_WHAT_TO_DO}") from None
    kind = not_a_regular_file(info.st_mode)
    if kind:
        raise StoreError(f"results database {path} is {kind}, not a file; give the path of a file "
                         "with --results or ZOO_RESULTS")


# -- dates -----------------------------------------------------------------------------------------


def parse_since(text: str) -> datetime:
    """``2026-11-30`` or ``2026-11-30T14:00`` (this machine's time zone unless one is given), or a
    span back from now: ``30m``, ``12h``, ``7d``, ``2w``."""
    value = text.strip()
    units = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    if value[:-1].isdigit() and value[-1:].lower() in units:
        return datetime.now(timezone.utc) - timedelta(**{units[value[-1].lower()]: int(value[:-1])})
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--since {text!r}: give a date (2026-11-30), a date and time (2026-11-30T14:00) "
                         "or a span back from now (12h, 7d, 2w)") from None
    return parsed


def _utc_text(moment: date | datetime) -> str:
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    if moment.tzinfo is None:
        moment = moment.astimezone()  # a naive time is this machine's
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_time(created_at: str) -> str:
    """A stored ``created_at`` (UTC) in this machine's time zone, to the minute: ``2026-11-30 14:02``."""
    try:
        moment = datetime.fromisoformat(created_at.replace("Z", "+00:00"))
    except ValueError:
        return created_at
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")
