"""Catalogue models held as columns: 100,000 entries load as a few lists, not 100,000 records.

The catalogue index (:mod:`zoo.catalogue_index`) stores what listing, filtering, sorting and
name lookups need as one list per field (a *column*): names, plugins, tasks, licences, tag sets,
parameter counts, the first value of each reported metric, and the rows in name order. A
:class:`ModelTable` answers those questions from the columns; a record (a ``ModelSpec``) is made
only for the rows a command returns, and any field outside the columns is read from the index,
entry by entry, on first use (:class:`IndexedModelSpec`).

Strings that repeat (plugins, tasks, licences, tag sets) are stored once and referred to by
position, so a column of 100,000 rows is a list of small ints.
"""

from __future__ import annotations

import bisect
import fnmatch
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final

from zoo.specs import ModelSpec, Origin

__all__ = ["IndexedModelSpec", "ModelTable", "table_columns"]

# Columns every table holds, one value per row (codes: positions in the matching "*_values" list).
_COLUMNS: Final = ("name", "plugin", "where", "task", "license", "tags", "params", "files", "offset")
_CODED: Final = ("plugin", "task", "license", "tags")


class ModelTable:
    """The models of one catalogue index, as columns; rows are numbered in catalogue order.

    ``catalogues``: ``(where_prefix, first_row)`` of each catalogue, in order (a row's ``where`` is
    its catalogue's path, stored once, plus the ``line:column`` in its column). ``read_entry(row)``
    returns the whole entry of a row; ``read_reported()`` the flat reported values of every row.
    """

    def __init__(self, columns: Mapping[str, Any], catalogues: Sequence[tuple[str, int]],
                 read_entry: Callable[[int, int, int], ModelSpec], read_reported: Callable[[], list[list[Any]]]) -> None:
        self._stored = columns  # parsed on first use when they come from an index (see column())
        self._checked: dict[str, Any] = {}
        self.names: list[str] = self.column("name")
        self._starts = [start for _, start in catalogues]
        self._prefixes = [prefix for prefix, _ in catalogues]
        self._read_entry = read_entry
        self._read_reported = read_reported
        self._reported: list[list[Any]] | None = None
        self._row_reads = 0
        self._specs: dict[int, IndexedModelSpec] = {}
        self._by_id: dict[str, int] | None = None
        self._by_name: dict[str, list[int]] | None = None
        self._first: dict[str, int] = {}
        self._lookups = 0

    def __len__(self) -> int:
        return len(self.names)

    def column(self, name: str) -> Any:
        """One column, checked to hold a value per row on first use."""
        found = self._checked.get(name)
        if found is None:
            found = self._stored[name]
            rows = len(self._stored["name"])
            if name.startswith("first:"):
                fits = isinstance(found, list) and len(found) == 2 and len(found[0]) == len(found[1]) <= rows
            elif name in (*_COLUMNS, "order", "crc32"):
                fits = isinstance(found, list) and len(found) == rows + (name == "offset")
            else:
                fits = True
            if not fits:
                raise ValueError(f"column {name!r} does not hold a value for each of {rows} rows")
            self._checked[name] = found
        return found

    def metrics(self) -> list[str]:
        """The metrics some row reports."""
        return [name.removeprefix("first:") for name in self._stored if name.startswith("first:")]

    # -- one row ------------------------------------------------------------
    def value(self, column: str, row: int) -> Any:
        """The row's value in ``column``, decoded (``plugin``, ``task``, ``license``, ``tags``)."""
        stored = self.column(column)[row]
        return self.column(column + "_values")[stored] if column in _CODED else stored

    def id(self, row: int) -> str:
        """``plugin:name`` of a row."""
        return f"{self.value('plugin', row)}:{self.names[row]}"

    def where(self, row: int) -> str:
        """The ``file:line:column`` a row's entry was read from."""
        catalogue = bisect.bisect_right(self._starts, row) - 1
        return self._prefixes[catalogue] + self.column("where")[row]

    def spec(self, row: int) -> IndexedModelSpec:
        """The record of a row: made once, so it stays the same object for the life of the table."""
        spec = self._specs.get(row)
        if spec is None:
            spec = self._specs[row] = IndexedModelSpec._of(self, row)
        return spec

    def whole(self, row: int) -> ModelSpec:
        """A row's whole entry, read from the index."""
        offsets = self.column("offset")
        return self._read_entry(offsets[row], offsets[row + 1] - offsets[row], self.column("crc32")[row])

    def reported_values(self, row: int) -> tuple[tuple[str, float, str], ...]:
        """``(metric, value, dataset)`` of each value a row reports, in order."""
        if self._reported is None:
            if self.few_rows():
                return self.spec(row).whole().reported_values()
            self._reported = self._read_reported()
        flat = self._reported[row]
        return tuple(zip(flat[::3], flat[1::3], flat[2::3]))

    def few_rows(self) -> bool:
        """Whether a row should read its own whole entry rather than a column not parsed yet: true for
        the first 64 asks (``info NAME``, ``list --top 20``: a few small reads, where parsing a column
        of 100,000 values costs milliseconds each), then false (a whole listing: columns)."""
        self._row_reads += 1
        return self._row_reads <= 64

    def field(self, row: int, column: str, name: str) -> Any:
        """A row's ``name`` field: from ``column`` when it is parsed or many rows are read, else from
        the row's whole entry."""
        if column in self._checked or not self.few_rows():
            return self.value(column, row)
        return getattr(self.spec(row).whole(), name)

    # -- lookups -----------------------------------------------------------
    def row_of(self, entry_id: str) -> int | None:
        """The row of ``plugin:name``, or None."""
        if self._by_id is None:
            plugins, codes = self.column("plugin_values"), self.column("plugin")
            self._by_id = {f"{plugins[code]}:{name}": row for row, (name, code) in enumerate(zip(self.names, codes))}
        return self._by_id.get(entry_id)

    def rows_named(self, name: str) -> list[int]:
        """The rows with this short name (several only when plugins share it). The first few lookups
        scan the names (C speed, a millisecond at 100,000); many build an index."""
        if self._by_name is None and self._lookups < 8:
            self._lookups += 1
            rows, start = [], 0
            while True:
                try:
                    start = self.names.index(name, start)
                except ValueError:
                    return rows
                rows.append(start)
                start += 1
        if self._by_name is None:
            first = dict(zip(reversed(self.names), range(len(self.names) - 1, -1, -1)))
            self._by_name = {}
            if len(first) != len(self.names):  # shared names: collect every row of those
                for row, one in enumerate(self.names):
                    if first[one] != row:
                        self._by_name.setdefault(one, [first[one]]).append(row)
            self._first = first
        return self._by_name.get(name) or ([self._first[name]] if name in self._first else [])

    def ids(self) -> Iterator[str]:
        """Every row's ``plugin:name``, in row order."""
        plugins, codes = self.column("plugin_values"), self.column("plugin")
        return (f"{plugins[code]}:{name}" for name, code in zip(self.names, codes))

    # -- many rows ---------------------------------------------------------
    def select(self, pattern: str | None = None, *, task: str | None = None, tag: str | None = None,
               plugin: str | None = None, license: str | None = None) -> list[int]:
        """The rows matching every filter given, in name order (the rules of ``Registry.filter``)."""
        rows = self.column("order")
        for column, wanted in (("task", lambda value: value == task), ("plugin", lambda value: value == plugin),
                               ("license", lambda value: value.lower() == license.lower()),  # type: ignore[union-attr]
                               ("tags", lambda tags: any(fnmatch.fnmatchcase(t, tag) for t in tags))):  # type: ignore[arg-type]
            if {"task": task, "plugin": plugin, "license": license, "tags": tag}[column] is None:
                continue
            codes = {code for code, value in enumerate(self.column(column + "_values")) if wanted(value)}
            if not codes:
                return []
            if len(codes) < len(self.column(column + "_values")):
                stored = self.column(column)
                rows = [row for row in rows if stored[row] in codes]
        if pattern:
            rows = self._matching(rows, pattern)
        return list(rows)

    def _matching(self, rows: list[int], pattern: str) -> list[int]:
        names, plugins, codes = self.names, self.column("plugin_values"), self.column("plugin")
        if any(ch in pattern for ch in "*?["):
            match = re.compile(fnmatch.translate(pattern)).match
            return [row for row in rows if match(names[row]) or match(f"{plugins[codes[row]]}:{names[row]}")]
        # A bare word filters by substring, as in `timm.list_models('*resnet*')` without the stars.
        lowered = pattern.lower()
        return [row for row in rows if lowered in f"{plugins[codes[row]]}:{names[row]}".lower()]

    def first_values(self, metrics: Sequence[str]) -> dict[int, float]:
        """Row -> its first reported value of any metric in ``metrics`` (rows reporting none are absent)."""
        reported = set(self.metrics())
        present = [metric for metric in dict.fromkeys(metrics) if metric in reported]
        if len(present) == 1:
            rows, values = self.column(f"first:{present[0]}")
            return dict(zip(rows, values))
        if not present:
            return {}
        # Several of the names reported: which comes first depends on each entry's own order.
        found = {}
        for row in range(len(self)):
            value = next((value for metric, value, _ in self.reported_values(row) if metric in present), None)
            if value is not None:
                found[row] = value
        return found


class IndexedModelSpec(ModelSpec):
    """A model of a :class:`ModelTable`: the columns answer listing, filtering and sorting; any other
    field reads the whole entry from the index once (a frozen record, equal to the one it stands for).

    Two slots per entry, where a whole ModelSpec is a dozen objects.
    """

    __slots__ = ("_table", "_row", "_whole")

    _table: ModelTable
    _row: int
    _whole: ModelSpec | None

    @classmethod
    def _of(cls, table: ModelTable, row: int) -> IndexedModelSpec:
        spec = cls.__new__(cls)
        object.__setattr__(spec, "_table", table)
        object.__setattr__(spec, "_row", row)
        object.__setattr__(spec, "_whole", None)
        return spec

    def whole(self) -> ModelSpec:
        """The full record, read from the index on first use."""
        if self._whole is None:
            object.__setattr__(self, "_whole", self._table.whole(self._row))
        return self._whole  # type: ignore[return-value]

    name = property(lambda self: self._table.names[self._row])  # type: ignore[assignment]
    plugin = property(lambda self: self._table.value("plugin", self._row))  # type: ignore[assignment]
    id = property(lambda self: self._table.id(self._row))  # type: ignore[assignment]
    @property  # type: ignore[override]
    def origin(self) -> Origin:
        if self._whole is not None or ("where" not in self._table._checked and self._table.few_rows()):
            return self.whole().origin
        return Origin(self.plugin, self._table.where(self._row))

    task = property(lambda self: self._column("task", "task"))  # type: ignore[assignment]
    license = property(lambda self: self._column("license", "license"))  # type: ignore[assignment]
    tags = property(lambda self: tuple(self._column("tags", "tags")))  # type: ignore[assignment]
    params = property(lambda self: self._column("params", "params"))  # type: ignore[assignment]

    def _column(self, column: str, name: str) -> Any:
        if self._whole is not None:
            return getattr(self._whole, name)
        return self._table.field(self._row, column, name)

    def reported_values(self) -> tuple[tuple[str, float, str], ...]:
        if self._whole is not None:
            return self._whole.reported_values()
        return self._table.reported_values(self._row)

    def file_uris(self) -> tuple[tuple[str, str | None], ...]:
        if self._whole is not None or not ("files" in self._table._checked or not self._table.few_rows()):
            return self.whole().file_uris()
        return tuple((uri, sha256) for uri, sha256 in self._table.column("files")[self._row])

    def __eq__(self, other: object) -> bool:
        return self.whole() == (other.whole() if isinstance(other, IndexedModelSpec) else other)

    def __hash__(self) -> int:
        return hash(self.whole())

    def __repr__(self) -> str:
        return repr(self.whole())

    def __reduce_ex__(self, protocol: Any) -> Any:
        return _same, (self.whole(),)  # copies and pickles are plain ModelSpecs


def _same(spec: ModelSpec) -> ModelSpec:
    return spec


def _read_whole(field_name: str) -> property:
    return property(lambda self: getattr(self.whole(), field_name))


for _field in ("description", "builder", "args", "weights", "source", "paper", "default_dataset", "reported",
               "based_on"):
    setattr(IndexedModelSpec, _field, _read_whole(_field))
del _field


def table_columns(specs: Sequence[ModelSpec], where_prefixes: Sequence[str], line_lengths: Sequence[int]
                  ) -> tuple[dict[str, Any], list[list[Any]]]:
    """The columns of ``specs`` (each with the ``where`` prefix of its catalogue and the length of its
    stored line), and the flat reported values of each row."""
    columns: dict[str, Any] = {column: [] for column in _COLUMNS}
    codes: dict[str, dict[Any, int]] = {column: {} for column in _CODED}
    first_values: dict[str, tuple[list[int], list[float]]] = {}
    reported: list[list[Any]] = []
    offset = 0
    for row, (spec, prefix, length) in enumerate(zip(specs, where_prefixes, line_lengths)):
        values = {"plugin": spec.plugin, "task": spec.task, "license": spec.license, "tags": tuple(spec.tags)}
        for column, value in values.items():
            columns[column].append(codes[column].setdefault(value, len(codes[column])))
        columns["name"].append(spec.name)
        columns["where"].append(spec.origin.where[len(prefix):])
        columns["params"].append(spec.params)
        columns["files"].append([list(pair) for pair in spec.file_uris()])
        columns["offset"].append(offset)
        offset += length
        flat: list[Any] = []
        seen = set()
        for metric, value, dataset in spec.reported_values():
            flat += (metric, value, dataset)
            if metric not in seen:
                seen.add(metric)
                rows, numbers = first_values.setdefault(metric, ([], []))
                rows.append(row)
                numbers.append(value)
        reported.append(flat)
    columns["offset"].append(offset)
    for column in _CODED:
        columns[column + "_values"] = [list(value) if column == "tags" else value for value in codes[column]]
    columns.update((f"first:{metric}", [rows, numbers]) for metric, (rows, numbers) in first_values.items())
    columns["order"] = sorted(range(len(specs)), key=lambda row: (specs[row].name.lower(), specs[row].id))
    return columns, reported
