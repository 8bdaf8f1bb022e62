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

import hashlib
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, Final, TextIO

from zoo.catalogue import read_catalogue
from zoo.errors import CatalogueError
from zoo.files import cache_root
from zoo.printable import printable
from zoo.registry import Registry, Unavailable
from zoo.specs import ModelSpec, Origin, ReportedMetric, WeightsSpec

__all__ = ["CatalogueRead", "INDEX_FORMAT", "index_folder", "read_catalogues"]

INDEX_FORMAT: Final = 1
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
                       "unavailable": [asdict(entry) for entry in aside], "models": [_plain(s) for s in specs]})
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
    """The catalogues stored at ``location`` for ``key``, rebuilt as specs; None to read the files."""
    try:
        with open(location, "rb") as handle:
            # The first line says which catalogues and plugins it holds: a stale index costs one line.
            header = json.loads(handle.readline())
            if not isinstance(header, dict) or header.get("format") != INDEX_FORMAT:
                _say_rebuilt(location, "it is not an index this zoo wrote", warn)
                return None
            if header.get("key") != key:
                return None  # an edited catalogue or other plugins: rebuilt quietly, that is its job
            catalogues = json.loads(handle.read())
    except (FileNotFoundError, NotADirectoryError):
        return None  # none built yet, or no cache folder to keep one in
    except (OSError, ValueError) as error:
        _say_rebuilt(location, f"it cannot be read ({type(error).__name__}: {error})", warn)
        return None
    try:
        return [(Path(read["path"]), read["namespace"], [_spec(fields) for fields in read["models"]],
                 [str(problem) for problem in read["problems"]], [Unavailable(**entry) for entry in read["unavailable"]])
                for read in catalogues]
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        _say_rebuilt(location, f"its entries are malformed ({type(error).__name__}: {error})", warn)
        return None


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
    """Write the index (a header line, then the catalogues) to a temporary file and rename it into
    place; a cache that cannot be written leaves zoo working, just slower."""
    import tempfile  # only when an index is written: importing it costs every command ~3 ms

    staging: Path | None = None
    try:
        location.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=location.parent, prefix=".building-", suffix=".json",
                                         delete=False, encoding="utf-8") as handle:
            staging = Path(handle.name)
            handle.write(json.dumps({"format": INDEX_FORMAT, "key": key}) + "\n")
            json.dump(catalogues, handle, separators=(",", ":"), allow_nan=False)
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
