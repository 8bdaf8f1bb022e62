"""The catalogue index: catalogues parsed and checked once, then loaded as one JSON file.

Reading 100,000 catalogue entries means parsing and checking each one against
the registry; doing that in every ``zoo list`` is most of its time. The first
command that reads a set of catalogues stores the checked entries (plain JSON:
their fields and origin ``file:line:column``), the problems and the entries set
aside, in ``<zoo cache>/index/``; later commands load that file instead.

An index is used only while it is exactly what reading the catalogues would
give. Its key is a hash of the core's version, everything the plugins registered
(entries, fields and plugin states: builders, tasks and metrics decide what is
valid) and, for each catalogue, its path, size, modification and change times
(``st_mtime_ns``, ``st_ctime_ns``) and inode, taken before it is read, and for a
file changed in the last two seconds (file times tick coarsely) its sha256 too:
any edit changes the key, and the next command rebuilds. It is written to a temporary
file and renamed into place, so concurrent commands each see a whole index or
none. An index that cannot be read or does not hold what it should is rebuilt,
with one line saying so. ``zoo validate`` never uses it: it is the check.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import os
import sys
import time
import weakref
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, Final, NoReturn, TextIO

from zoo.catalogue import read_catalogue
from zoo.catalogue_table import ModelTable, table_columns
from zoo.errors import CatalogueError, UsageError
from zoo.files import cache_root
from zoo.printable import printable
from zoo.registry import Registry, Unavailable
from zoo.specs import ModelSpec, Origin, ReportedMetric, WeightsSpec

__all__ = ["CatalogueRead", "INDEX_FORMAT", "TableRows", "entry_names", "index_folder", "read_catalogues"]

INDEX_FORMAT: Final = 5
STALE_AFTER_SECONDS: Final = 7 * 24 * 3600  # indexes of catalogue sets nobody read for a week are removed
SETTLED_AFTER_NS: Final = 2 * 10**9  # a catalogue changed in the last 2 s is keyed by its content too

CatalogueRead = tuple[Path, "str | None", list[ModelSpec], list[str]]  # (path, plugin, specs, problems)


def index_folder() -> Path:
    """Where indexes live: ``<zoo cache>/index`` (``$ZOO_CACHE``, default ``~/.cache/zoo``)."""
    return cache_root() / "index"


def read_catalogues(files: Sequence[tuple[Path, str | None]], registry: Registry, *,
                    warn: TextIO | None = None, use_index: bool = True) -> list[CatalogueRead]:
    """Read every catalogue in order, adding its entries to ``registry``: from the index when it is
    current, else by parsing and checking each file (and then storing the index).

    Each file's entries are added before the next file is read: an id is defined once across the set.
    """
    if not files:
        return []
    warn = sys.stderr if warn is None else warn
    from zoo import __version__

    files = [(Path(path), namespace) for path, namespace in files]
    # Paths as given and absolute: origins and errors show them as given.
    identity = json.dumps([INDEX_FORMAT, __version__, [(str(path), str(path.absolute()), ns) for path, ns in files]])
    location = index_folder() / (hashlib.sha256(identity.encode()).hexdigest()[:32] + ".json")
    key = _key(identity, files, registry) if use_index else None
    if key is not None:
        cached = _load(location, key, warn)
        if cached is not None:
            return _apply(cached, registry)
    # Reading makes millions of small objects that all live until the index is written: the cyclic
    # collector would scan them again and again for nothing (a fifth of a 100,000-entry rebuild).
    reads, stored = _without_collection(_read_files, files, registry)
    if key is not None:
        _without_collection(_store, location, key, stored)
    return reads


def _read_files(files: Sequence[tuple[Path, str | None]], registry: Registry
                ) -> tuple[list[CatalogueRead], list[dict[str, Any]]]:
    """Parse and check each catalogue, adding its entries to ``registry``; what an index stores of each."""
    reads = []
    aside_before = len(registry.unavailable)
    stored: list[dict[str, Any]] = []
    for path, namespace in files:
        try:
            specs, problems = read_catalogue(path, registry, namespace=namespace)
        except CatalogueError as error:
            specs, problems = [], error.problems
        for spec in specs:
            registry.add(spec)
        aside = registry.unavailable[aside_before:]
        aside_before = len(registry.unavailable)
        reads.append((path, namespace, specs, problems))
        stored.append({"path": str(path), "namespace": namespace, "problems": problems,
                       "unavailable": [asdict(entry) for entry in aside], "models": specs})
    return reads, stored


def _key(identity: str, files: Sequence[tuple[Path, str | None]], registry: Registry) -> str | None:
    """What the index must match, or None when a catalogue cannot be examined (then nothing is cached)."""
    digest = hashlib.sha256(identity.encode())
    now = time.time_ns()
    for path, _ in files:
        try:
            info = os.stat(path)
            digest.update(f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}\n".encode())
            # File times tick coarsely (milliseconds): a file written just now could be written again
            # within the same tick at the same size. Its content decides until it has settled.
            if max(info.st_mtime_ns, info.st_ctime_ns) > now - SETTLED_AFTER_NS:
                with open(path, "rb") as handle:
                    for block in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(block)
        except OSError:
            return None
    digest.update(repr([(r.name, r.version, r.status) for r in registry.plugins]).encode())
    for kind in sorted(registry.entries):
        digest.update(repr(sorted(registry.entries[kind].items())).encode())
    digest.update(repr(registry.unavailable).encode())
    return digest.hexdigest()


def _load(location: Path, key: str, warn: TextIO) -> list[Any] | None:
    """The catalogues stored at ``location`` for ``key``, with their models as one table; None to
    read the files.

    Only the header is parsed here, and the columns' bytes read and checksummed (crc32): a damaged
    or truncated index is caught now. Each column is parsed when first used, and each whole entry is
    checked against its own checksum when it is read.
    """
    try:
        handle = open(location, "rb")
    except (FileNotFoundError, NotADirectoryError):
        return None  # none built yet, or no cache folder to keep one in
    except OSError as error:
        _say_rebuilt(location, f"it cannot be read ({type(error).__name__}: {error})", warn)
        return None
    with handle:
        try:
            # The first line says which catalogues and plugins it holds: a stale index costs one line.
            header = json.loads(handle.readline())
            if not isinstance(header, dict) or header.get("format") != INDEX_FORMAT:
                _say_rebuilt(location, "it is not an index this zoo wrote", warn)
                return None
            if header.get("key") != key:
                return None  # an edited catalogue or other plugins: rebuilt quietly, that is its job
            body_at = handle.tell()
            columns_bytes = int(header["columns_bytes"])
            block = handle.read(columns_bytes)
            if (os.fstat(handle.fileno()).st_size - body_at != int(header["bytes"])
                    or zlib.crc32(block) != header.get("crc32")):
                _say_rebuilt(location, "it is damaged (its checksum or size does not match)", warn)
                return None
            # The file stays open for the entries asked for later: a concurrent rebuild renames a new
            # index into place, and this one's offsets must keep pointing into this one's bytes.
            stored = _StoredEntries(location, os.dup(handle.fileno()), body_at + columns_bytes, header)
            columns = _Columns(block, header["columns"], location)
        except (OSError, ValueError, KeyError, TypeError) as error:
            _say_rebuilt(location, f"it cannot be read ({type(error).__name__}: {error})", warn)
            return None
    try:
        return _catalogues(columns, stored)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        _say_rebuilt(location, f"its entries are malformed ({type(error).__name__}: {error})", warn)
        return None


class _Columns(Mapping[str, Any]):
    """The columns of a loaded index, each parsed from its bytes on first use (``list --top`` and
    ``info`` use a few of a dozen)."""

    def __init__(self, block: bytes, spans: dict[str, list[int]], location: Path) -> None:
        self._block, self._spans, self._location = block, spans, location
        self._parsed: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._parsed:
            start, length = self._spans[name]
            try:
                self._parsed[name] = _without_collection(json.loads, self._block[start:start + length])
            except ValueError as error:  # the checksum matched: only a zoo that wrote it wrong gets here
                _damaged(self._location, f"column {name!r}", error)
        return self._parsed[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._spans)

    def __len__(self) -> int:
        return len(self._spans)


def _catalogues(columns: Mapping[str, Any], stored: _StoredEntries) -> list[Any]:
    """(path, namespace, rows, problems, entries set aside) of each catalogue, and the table of every model."""
    described, starts, first = columns["catalogues"], [], 0
    for read in described:
        starts.append((str(read["where_prefix"]), first))
        first += int(read["count"])
    table = ModelTable(columns, starts, stored.read, stored.read_reported)
    if first != len(table):
        raise ValueError(f"the catalogues count {first} entries and the table holds {len(table)}")
    cached = []
    for read, (_, start) in zip(described, starts):
        cached.append((Path(read["path"]), read["namespace"], TableRows(table, start, start + int(read["count"])),
                       [str(problem) for problem in read["problems"]],
                       [Unavailable(**entry) for entry in read["unavailable"]]))
    return cached


def _without_collection(function: Any, *args: Any) -> Any:
    """``function(*args)`` with the cyclic garbage collector paused: building 100,000 rows at once
    otherwise triggers collections that scan every row built so far (three quarters of the time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return function(*args)
    finally:
        if enabled:
            gc.enable()


def _say_rebuilt(location: Path, why: str, warn: TextIO) -> None:
    print(f"zoo: warning: catalogue index {location}: {printable(why)}; rebuilding it from the catalogues", file=warn)


def _apply(cached: list[Any], registry: Registry) -> list[CatalogueRead]:
    reads = []
    for path, namespace, rows, problems, aside in cached:
        registry.unavailable += aside
        reads.append((path, namespace, rows, problems))
    if cached:
        registry.add_table(cached[0][2].table)
    return reads


class TableRows(Sequence[ModelSpec]):
    """The models of one catalogue in an index's table, as a sequence (records made when asked for)."""

    def __init__(self, table: ModelTable, start: int, stop: int) -> None:
        self.table, self.start, self.stop = table, start, stop

    def __len__(self) -> int:
        return self.stop - self.start

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self.table.spec(row) for row in range(self.start, self.stop)[index]]
        return self.table.spec(range(self.start, self.stop)[index])

    def names(self) -> list[str]:
        """The models' names, without making their records."""
        return self.table.names[self.start:self.stop]


def entry_names(specs: Sequence[ModelSpec]) -> list[str]:
    """The names of a catalogue's models (from the table's column when they come from the index)."""
    return specs.names() if isinstance(specs, TableRows) else [spec.name for spec in specs]


class _StoredEntries:
    """The whole entries of one loaded index, read one at a time by offset (``os.pread``: no shared
    file position) and checked against their own crc32. The descriptor is closed when the last
    record that needs it is gone."""

    def __init__(self, location: Path, descriptor: int, start: int, header: dict[str, Any]) -> None:
        self.location = location
        self.descriptor = descriptor
        self.reported_at = start
        self.reported_bytes = int(header["reported_bytes"])
        self.reported_crc32 = header["reported_crc32"]
        self.start = start + self.reported_bytes
        self.checksums: list[int] | None = None  # set by the table: its "crc32" column
        weakref.finalize(self, os.close, descriptor)

    def read(self, offset: int, length: int, checksum: int) -> ModelSpec:
        try:
            line = os.pread(self.descriptor, length, self.start + offset)
            if zlib.crc32(line) != checksum:
                raise ValueError("its checksum does not match")
            return _spec(json.loads(line))
        except (OSError, ValueError, KeyError, TypeError) as error:
            self._failed(error)

    def read_reported(self) -> list[list[Any]]:
        """Every row's reported values, flat: one line, read when many rows are listed."""
        try:
            line = os.pread(self.descriptor, self.reported_bytes, self.reported_at)
            if zlib.crc32(line) != self.reported_crc32:
                raise ValueError("its checksum does not match")
            return _without_collection(json.loads, line)  # type: ignore[no-any-return]
        except (OSError, ValueError) as error:
            self._failed(error)

    def _failed(self, error: Exception) -> NoReturn:
        _damaged(self.location, "an entry", error)


def _damaged(location: Path, what: str, error: Exception) -> NoReturn:
    """Part of an index found damaged after it was checked on load (a failing disk, another program):
    the index is removed, so the next command rebuilds it from the catalogues, and this one stops."""
    try:
        os.unlink(location)
    except OSError:
        pass
    raise UsageError(f"catalogue index {location}: {what} cannot be read ({type(error).__name__}: {error}); "
                     "the index was removed and is rebuilt by the next command: run it again") from None


def _where_prefix(path: str, specs: list[ModelSpec]) -> str:
    """``path:`` when every entry's ``where`` starts with it (as a catalogue's own entries do), else ''."""
    prefix = f"{path}:"
    return prefix if all(spec.origin.where.startswith(prefix) for spec in specs) else ""


def _plain(spec: ModelSpec) -> dict[str, Any]:
    """An entry's fields for JSON: records as dicts, one level at a time (``dataclasses.asdict`` deep-copies
    every value, half the time of a 100,000-entry rebuild)."""
    fields = {name: getattr(spec, name) for name in _MODEL_FIELDS}
    fields["origin"] = {"plugin": spec.origin.plugin, "where": spec.origin.where}
    if spec.weights is not None:
        fields["weights"] = {name: getattr(spec.weights, name) for name in _WEIGHTS_FIELDS}
    fields["reported"] = [{name: getattr(reported, name) for name in _REPORTED_FIELDS} for reported in spec.reported]
    return fields


_MODEL_FIELDS: Final = tuple(f.name for f in dataclasses.fields(ModelSpec) if f.name != "kind")
_WEIGHTS_FIELDS: Final = tuple(f.name for f in dataclasses.fields(WeightsSpec))
_REPORTED_FIELDS: Final = tuple(f.name for f in dataclasses.fields(ReportedMetric))


def _spec(fields: dict[str, Any]) -> ModelSpec:
    """A stored entry back as a ModelSpec (its fields were checked when the index was built)."""
    origin = fields.pop("origin")
    weights = fields.pop("weights")
    return ModelSpec(origin=Origin(**origin), weights=WeightsSpec(**weights) if weights is not None else None,
                     tags=tuple(fields.pop("tags")),
                     reported=tuple(ReportedMetric(**reported) for reported in fields.pop("reported")), **fields)


def _store(location: Path, key: str, catalogues: list[dict[str, Any]]) -> None:
    """Write the index to a temporary file and rename it into place; a cache that cannot be written
    leaves zoo working, just slower.

    Four parts: a header line (format, key, where each column is, checksums and sizes); the columns,
    one JSON value each (:mod:`zoo.catalogue_table`; with each catalogue's problems and entries set
    aside, and each entry's crc32); one line of every model's reported values; then each whole entry
    on a line of its own, found by the offsets in its column.
    """
    import tempfile  # only when an index is written: importing it costs every command ~3 ms

    staging: Path | None = None
    try:
        lines: list[bytes] = []
        specs: list[ModelSpec] = []
        prefixes: list[str] = []
        described = []
        for read in catalogues:
            prefix = _where_prefix(read["path"], read["models"])
            for spec in read["models"]:
                lines.append(json.dumps(_plain(spec), separators=(",", ":"), allow_nan=False).encode() + b"\n")
                specs.append(spec)
                prefixes.append(prefix)
            described.append({**{k: v for k, v in read.items() if k != "models"}, "count": len(read["models"]),
                              "where_prefix": prefix})
        columns, reported = table_columns(specs, prefixes, [len(line) for line in lines])
        columns["crc32"] = [zlib.crc32(line) for line in lines]
        columns["catalogues"] = described
        spans, parts, at = {}, [], 0
        for name, values in columns.items():
            part = json.dumps(values, separators=(",", ":"), allow_nan=False).encode()
            spans[name] = [at, len(part)]
            parts.append(part)
            at += len(part)
        block = b"".join(parts)
        reported_line = _json_line(reported)
        header = {"format": INDEX_FORMAT, "key": key, "columns": spans, "columns_bytes": len(block),
                  "crc32": zlib.crc32(block), "reported_bytes": len(reported_line),
                  "reported_crc32": zlib.crc32(reported_line),
                  "bytes": len(block) + len(reported_line) + columns["offset"][-1]}
        location.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=location.parent, prefix=".building-", suffix=".json",
                                         delete=False) as handle:
            staging = Path(handle.name)
            handle.write(json.dumps(header, separators=(",", ":")).encode() + b"\n")
            handle.write(block)
            handle.write(reported_line)
            handle.writelines(lines)
        os.replace(staging, location)
    except (OSError, TypeError, ValueError):
        if staging is not None:
            staging.unlink(missing_ok=True)
        return
    _remove_stale(location)


def _json_line(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), allow_nan=False).encode() + b"\n"


def _remove_stale(kept: Path) -> None:
    cutoff = time.time() - STALE_AFTER_SECONDS
    try:
        for path in kept.parent.iterdir():
            if path != kept and path.suffix == ".json" and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
    except OSError:
        pass
