"""The run record: everything needed to trust a number and to repeat it."""

from __future__ import annotations

import json
import os
import platform
import tempfile
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from zoo.errors import UsageError
from zoo.plugins import CORE_DISTRIBUTION
from zoo.printable import strict_json
from zoo.specs import ModelSpec

RECORD_VERSION = 1
MAX_RECORD_BYTES = 256 * 1024 * 1024  # a comparison of many models with their skipped samples fits easily
# The name each version is recorded under -> its distribution (zoo's core is published as model-zoo-registry).
LIBRARIES = {"torch": "torch", "torchmetrics": "torchmetrics", "timm": "timm", "transformers": "transformers",
             "zoo": CORE_DISTRIBUTION}


def library_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name, distribution in LIBRARIES.items():
        try:
            versions[name] = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def output_target(path: str | os.PathLike[str]) -> Path:
    """Where writing ``path`` lands: a symlink is written through (the file it points to is
    replaced, atomically, in that file's folder), never replaced by a regular file."""
    return Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)


def check_writable(path: str | os.PathLike[str] | None) -> None:
    """Fail before any model loads when the record could not be written."""
    if path is None:
        return
    target = output_target(path)
    parent = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise UsageError(f"cannot write {path}: it is a directory")
    if target.exists():
        from zoo.files import not_a_regular_file

        kind = not_a_regular_file(target.stat().st_mode)
        if kind:  # a device or a FIFO would be replaced by a file, or block the run at its very end
            raise UsageError(f"cannot write {path}: it is {kind}; give the path of a regular file")
    if not parent.is_dir():
        raise UsageError(f"cannot write {target}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise UsageError(f"cannot write {target}: permission denied")


def staging_file(path: str | os.PathLike[str]) -> tuple[int, str]:
    """A temporary file beside ``path`` to rename onto it, with the mode a plain ``open`` would give.

    mkstemp makes files only their owner can read (0600); a record renamed
    into place would keep that. It gets the mode of the file it replaces, or
    the umask's default for a new file, so others (CI, a shared machine) can read it.
    """
    target = output_target(path)
    fd, staging = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".", prefix=f".{target.name}.",
                                   suffix=".tmp")
    try:
        mode = target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.fchmod(fd, mode)
    return fd, staging


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write via a temporary file in the same directory, then rename: never a partial file."""
    target = output_target(path)
    fd, staging = staging_file(target)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(staging, target)
    except BaseException:
        if os.path.exists(staging):
            os.unlink(staging)
        raise


def write_json(path: str | os.PathLike[str], data: Any) -> None:
    write_atomic(path, json.dumps(strict_json(data), indent=2, allow_nan=False) + "\n")




def compare_reported(spec: ModelSpec, dataset_ids: tuple[str, ...], split: str,
                     metrics: Mapping[str, float], limit: int | None) -> list[dict[str, Any]]:
    """Catalogue values for this dataset and split, beside the reproduced ones."""
    rows = []
    for reported in spec.reported:
        if reported.dataset not in dataset_ids or (reported.split and reported.split != split):
            continue
        reproduced = metrics.get(reported.metric)
        rows.append({
            "metric": reported.metric, "reported": reported.value, "reproduced": reproduced,
            "difference": None if reproduced is None else round(reproduced - reported.value, 6),
            "source": reported.source, "comparable": limit is None,
        })
    return rows


def load_record(path: str | os.PathLike[str]) -> dict[str, Any]:
    from zoo.files import read_bounded

    raw = read_bounded(path, limit=MAX_RECORD_BYTES, what="run record")
    try:
        record = json.loads(raw.decode("utf-8"))
    except ValueError as error:  # UnicodeDecodeError and JSONDecodeError both
        raise UsageError(f"cannot read run record {path}: {error}") from None
    except RecursionError:
        raise UsageError(f"cannot read run record {path}: nested too deeply to be a zoo run record") from None
    if isinstance(record, dict) and (record.get("kind") == "bench" or "benches" in record):
        raise UsageError(f"{path} is a zoo bench record, not a run record: `zoo run --from` repeats runs; "
                         "`zoo bench MODEL` measures a model again")
    if not isinstance(record, dict) or ("request" not in record and "runs" not in record):
        raise UsageError(f"{path} is not a zoo run record (no 'request' section, nor the 'runs' of a comparison)")
    # A comparison's record holds one run record per model; each must be of a version this zoo reads.
    for run in record["runs"] if isinstance(record.get("runs"), list) else [record]:
        version = run.get("zoo_record") if isinstance(run, dict) else None
        if version != RECORD_VERSION:
            raise UsageError(f"{path} is a run record of version {version!r}; this zoo {_zoo_version()} reads "
                             f"version {RECORD_VERSION} (use the zoo that wrote it)")
    return record


def _zoo_version() -> str:
    from zoo import __version__

    return __version__
