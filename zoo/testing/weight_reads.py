"""Which weight files a builder reads, and whether zoo hashed each one (so a pin could be checked).

A builder that opens a checkpoint zoo never hashed — ``safetensors.load_file(weights.uri)``
instead of the ``weights.path`` zoo checked, or a second file it found on its own — could
be loading anything. The conformance kit builds every model under :func:`watch_weight_reads`
and fails those that read such a file.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = ["WEIGHT_SUFFIXES", "WeightReads", "watch_weight_reads"]

WEIGHT_SUFFIXES: Final = (".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".pkl", ".npz", ".h5", ".onnx", ".msgpack")


@dataclass
class WeightReads:
    """Weight files opened while watching, and those zoo hashed (``zoo.weights.sha256_file``)."""

    opened: set[str] = field(default_factory=set)
    hashed: set[str] = field(default_factory=set)

    @property
    def unchecked(self) -> list[str]:
        return sorted(self.opened - self.hashed)


_watchers: list[WeightReads] = []
_hook_installed = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event != "open" or not _watchers or not args or not isinstance(args[0], (str, bytes, os.PathLike)):
        return
    path = os.fsdecode(args[0])
    if path.lower().endswith(WEIGHT_SUFFIXES):
        for watcher in _watchers:
            watcher.opened.add(os.path.realpath(path))


@contextlib.contextmanager
def watch_weight_reads() -> Iterator[WeightReads]:
    """Record the weight files opened, and those hashed by zoo, inside the block."""
    global _hook_installed
    from zoo.weights import _hashed_files

    if not _hook_installed:  # audit hooks cannot be removed: one, idle unless something watches
        sys.addaudithook(_audit)
        _hook_installed = True
    reads = WeightReads()
    _watchers.append(reads)
    token = _hashed_files.set(reads.hashed)
    try:
        yield reads
    finally:
        _hashed_files.reset(token)
        _watchers.remove(reads)
