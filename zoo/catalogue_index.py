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

import gc
import hashlib
import json
import os
import sys
import time
import weakref
import zlib
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, Final, TextIO

from zoo.catalogue import read_catalogue
from zoo.errors import CatalogueError, UsageError
from zoo.files import cache_root
from zoo.printable import printable
from zoo.registry import Registry, Unavailable
from zoo.specs import ModelSpec, Origin, ReportedMetric, WeightsSpec

__all__ = ["CatalogueRead", "INDEX_FORMAT", "index_folder", "read_catalogues"]

INDEX_FORMAT: Final = 2
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
    if key is not None:
        _store(location, key, stored)
    return reads


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
    """The catalogues stored at ``location`` for ``key``, as summary records; None to read the files.

    Only the header and the summaries are parsed; the whole file is checksummed (crc32, ~0.3 ms a
    MB), so a damaged index is caught here, never later when an entry is opened.
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
            summary_line = handle.readline()
            entries_at = handle.tell()
            checksum, size = zlib.crc32(summary_line), len(summary_line)
            for block in iter(lambda: handle.read(1 << 20), b""):
                checksum, size = zlib.crc32(block, checksum), size + len(block)
            if (checksum, size) != (header.get("crc32"), header.get("bytes")):
                _say_rebuilt(location, "it is damaged (its checksum or size does not match)", warn)
                return None
            summary = _without_collection(json.loads, summary_line)
            # The file stays open for the entries asked for later: a concurrent rebuild renames a new
            # index into place, and this one's offsets must keep pointing into this one's bytes.
            entries = _StoredEntries(location, os.dup(handle.fileno()), entries_at)
        except (OSError, ValueError) as error:
            _say_rebuilt(location, f"it cannot be read ({type(error).__name__}: {error})", warn)
            return None
    try:
        return _without_collection(_records, summary, entries)
    except (KeyError, TypeError, ValueError, AttributeError, StopIteration) as error:
        _say_rebuilt(location, f"its entries are malformed ({type(error).__name__}: {error})", warn)
        return None


def _records(summary: dict[str, Any], entries: _StoredEntries) -> list[Any]:
    cached, rows = [], iter(summary["rows"])
    for read in summary["catalogues"]:
        source = _CatalogueEntries(entries, str(read["where_prefix"]))
        specs = [_IndexedModelSpec.from_row(next(rows), source) for _ in range(read["count"])]
        cached.append((Path(read["path"]), read["namespace"], specs, [str(problem) for problem in read["problems"]],
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
    for path, namespace, specs, problems, aside in cached:
        registry.unavailable += aside
        for spec in specs:
            registry.add(spec)
        reads.append((path, namespace, specs, problems))
    return reads


class _StoredEntries:
    """The whole entries of one loaded index, read one at a time by offset (``os.pread``: no shared
    file position). The descriptor is closed when the last record that needs it is gone."""

    def __init__(self, location: Path, descriptor: int, start: int) -> None:
        self.location = location
        self.descriptor = descriptor
        self.start = start
        weakref.finalize(self, os.close, descriptor)

    def read(self, offset: int, length: int) -> ModelSpec:
        try:
            return _spec(json.loads(os.pread(self.descriptor, length, self.start + offset)))
        except (OSError, ValueError, KeyError, TypeError) as error:
            # The checksum matched when it was loaded: only a failing disk gets here.
            raise UsageError(f"catalogue index {self.location}: an entry cannot be read ({type(error).__name__}: "
                             f"{error}); delete the file and run the command again") from None


class _CatalogueEntries:
    """What the records of one catalogue share: the index they are read from and the start of their
    ``where`` (the catalogue's path, stored once rather than in every row)."""

    __slots__ = ("entries", "where_prefix")

    def __init__(self, entries: _StoredEntries, where_prefix: str) -> None:
        self.entries = entries
        self.where_prefix = where_prefix


# What an entry's summary row holds, in order: enough to list, filter and sort without the whole entry;
# then (metric, value, dataset) of each reported value, flat. One list per entry.
_ROW: Final = ("name", "plugin", "where", "task", "license", "tags", "params", "offset", "length")
_REPORTED_AT: Final = len(_ROW)


def _row(spec: ModelSpec, where_prefix: str, offset: int, length: int) -> list[Any]:
    return [spec.name, spec.plugin, spec.origin.where[len(where_prefix):], spec.task, spec.license, list(spec.tags),
            spec.params, offset, length, *(value for values in spec.reported_values() for value in values)]


def _where_prefix(path: str, specs: list[ModelSpec]) -> str:
    """``path:`` when every entry's ``where`` starts with it (as a catalogue's own entries do), else ''."""
    prefix = f"{path}:"
    return prefix if all(spec.origin.where.startswith(prefix) for spec in specs) else ""


class _IndexedModelSpec(ModelSpec):
    """A model loaded from the index: its summary row answers listing, filtering and sorting; any other
    field reads the whole entry from the index once (a frozen record, equal to the one it stands for).

    One row list and two slots per entry, where a whole ModelSpec is a dozen objects: 100,000 of these
    load in a fraction of the time and memory.
    """

    __slots__ = ("_summary", "_source", "_whole")

    _summary: list[Any]
    _source: _CatalogueEntries
    _whole: ModelSpec | None

    @classmethod
    def from_row(cls, row: list[Any], source: _CatalogueEntries) -> _IndexedModelSpec:
        if not isinstance(row, list) or len(row) < _REPORTED_AT or (len(row) - _REPORTED_AT) % 3:
            raise ValueError(f"a summary row holds {len(_ROW)} fields and 3 per reported value, not {row!r}")
        spec = cls.__new__(cls)
        object.__setattr__(spec, "_summary", row)
        object.__setattr__(spec, "_source", source)
        object.__setattr__(spec, "_whole", None)
        return spec

    def whole(self) -> ModelSpec:
        """The full record, read from the index on first use."""
        if self._whole is None:
            object.__setattr__(self, "_whole", self._source.entries.read(self._summary[7], self._summary[8]))
        return self._whole  # type: ignore[return-value]

    name = property(lambda self: self._summary[0])  # type: ignore[assignment]
    plugin = property(lambda self: self._summary[1])  # type: ignore[assignment]
    id = property(lambda self: f"{self._summary[1]}:{self._summary[0]}")  # type: ignore[assignment]
    origin = property(lambda self: Origin(self._summary[1], self._source.where_prefix + self._summary[2]))  # type: ignore[assignment]
    task = property(lambda self: self._summary[3])  # type: ignore[assignment]
    license = property(lambda self: self._summary[4])  # type: ignore[assignment]
    tags = property(lambda self: tuple(self._summary[5]))  # type: ignore[assignment]
    params = property(lambda self: self._summary[6])  # type: ignore[assignment]

    def reported_values(self) -> tuple[tuple[str, float, str], ...]:
        flat = self._summary[_REPORTED_AT:]
        return tuple(zip(flat[::3], flat[1::3], flat[2::3]))

    def __eq__(self, other: object) -> bool:
        return self.whole() == (other.whole() if isinstance(other, _IndexedModelSpec) else other)

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
    setattr(_IndexedModelSpec, _field, _read_whole(_field))
del _field


def _plain(spec: ModelSpec) -> dict[str, Any]:
    fields = asdict(spec)
    del fields["kind"]
    return fields


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

    Three parts: a header line (format, key, checksum and size of the rest), one line of summaries
    (each catalogue's problems and entries set aside; a row per entry, see ``_ROW``), then each
    whole entry on a line of its own, found by the offset in its row.
    """
    import tempfile  # only when an index is written: importing it costs every command ~3 ms

    staging: Path | None = None
    try:
        lines: list[bytes] = []
        rows: list[list[Any]] = []
        offset = 0
        described = []
        for read in catalogues:
            prefix = _where_prefix(read["path"], read["models"])
            for spec in read["models"]:
                line = json.dumps(_plain(spec), separators=(",", ":"), allow_nan=False).encode() + b"\n"
                rows.append(_row(spec, prefix, offset, len(line)))
                lines.append(line)
                offset += len(line)
            described.append({**{k: v for k, v in read.items() if k != "models"}, "count": len(read["models"]),
                              "where_prefix": prefix})
        summary = {"catalogues": described, "rows": rows}
        summary_line = json.dumps(summary, separators=(",", ":"), allow_nan=False).encode() + b"\n"
        checksum = zlib.crc32(summary_line)
        for line in lines:
            checksum = zlib.crc32(line, checksum)
        header = {"format": INDEX_FORMAT, "key": key, "crc32": checksum, "bytes": len(summary_line) + offset}
        location.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=location.parent, prefix=".building-", suffix=".json",
                                         delete=False) as handle:
            staging = Path(handle.name)
            handle.write(json.dumps(header).encode() + b"\n")
            handle.write(summary_line)
            handle.writelines(lines)
        os.replace(staging, location)
    except (OSError, TypeError, ValueError):
        if staging is not None:
            staging.unlink(missing_ok=True)
        return
    _remove_stale(location)


def _remove_stale(kept: Path) -> None:
    cutoff = time.time() - STALE_AFTER_SECONDS
    try:
        for path in kept.parent.iterdir():
            if path != kept and path.suffix == ".json" and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
    except OSError:
        pass
