"""The one dataset class every text builder returns, and the helpers they share."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from zoo.errors import SampleError
from zoo.interface import Sample

__all__ = ["TextDataset", "fingerprint_of", "sha256_bytes", "split_rank"]

TASK = "text-classification"


@dataclass
class TextDataset:
    """A map-style list of texts with class targets.

    Rows that could not be read (bad bytes, a missing field, an unknown
    label) stay in place with a reason: reading one raises
    :class:`zoo.SampleError` naming it, so the engine can stop or skip and
    count it, and nothing is silently dropped or replaced.
    """

    labels: tuple[str, ...]
    split: str
    texts: list[Any]  # a str, a (text, text) pair for NLI-style models, or None for an unreadable row
    targets: list[int | None]
    ids: list[str]
    fingerprint: str
    info: Mapping[str, Any] = field(default_factory=dict)
    problems: Mapping[int, str] = field(default_factory=dict)  # row index -> why it cannot be used
    task: str = TASK

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, index: int) -> Sample:
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} samples")
        index %= len(self)
        if index in self.problems:
            raise SampleError(self.ids[index], self.problems[index])
        text = self.texts[index]
        parts = text if isinstance(text, tuple) else (text,)
        if any(part is None or not part.strip() for part in parts):
            raise SampleError(self.ids[index], "empty text: give every row some text or remove it")
        return Sample(input=text, target=self.targets[index], id=self.ids[index])

    def lengths(self) -> list[int]:
        """Characters per text: cheap, and enough for the engine to group similar lengths."""
        return [sum(len(part or "") for part in text) if isinstance(text, tuple) else len(text or "")
                for text in self.texts]

    def label_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(self.labels, 0)
        for index, target in enumerate(self.targets):
            if target is not None and index not in self.problems:
                counts[self.labels[target]] += 1
        return counts


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def split_rank(salt: str, key: str) -> str:
    """A fixed pseudo-random order: sort keys by sha256, the same on every machine and Python."""
    return hashlib.sha256(f"{salt}\x00{key}".encode()).hexdigest()


def fingerprint_of(source_sha256: str, split_definition: Mapping[str, Any], ids: Iterable[str]) -> str:
    """sha256 of the source file, the split rule and the ids served: what a run actually read."""
    digest = hashlib.sha256(source_sha256.encode())
    digest.update(json.dumps(dict(split_definition), sort_keys=True).encode())
    for sample_id in ids:
        digest.update(sample_id.encode() + b"\n")
    return digest.hexdigest()


def label_index(labels: Sequence[str]) -> dict[str, int]:
    return {name: index for index, name in enumerate(labels)}
