"""From a dataset to device-ready batches: order, shards, workers and corrupt samples.

Samples are read and preprocessed in DataLoader workers (``model.collate``).
A sample that cannot be read or preprocessed becomes a :class:`Failure` that
travels with its batch, so the main process decides: stop and name it
(``on_error="fail"``) or count and list it (``"skip"``). Never replaced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from zoo.errors import SampleError


@dataclass(frozen=True)
class Failure:
    index: int
    sample_id: str
    reason: str


@dataclass
class Batch:
    indices: list[int]
    ids: list[str]
    inputs: Any
    targets: Any  # LongTensor of model class indices, or a list of transcripts
    failures: list[Failure] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.indices)


class IndexedSamples:
    """``dataset[i]`` -> ``(i, sample)``, or ``(i, Failure)`` for a sample that cannot be read."""

    def __init__(self, dataset: Any) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> tuple[int, Any]:
        try:
            return index, self.dataset[index]
        except SampleError as error:
            return index, Failure(index, error.sample_id, error.reason)
        except Exception as error:  # noqa: BLE001 - a plugin's unexpected error still names the sample
            return index, Failure(index, f"index {index}", f"{type(error).__name__}: {error}")


class Collator:
    """Runs in workers: samples -> model inputs + mapped targets, isolating bad samples."""

    def __init__(self, model: Any, target_map: Sequence[int] | None) -> None:
        self.model = model
        self.target_map = list(target_map) if target_map is not None else None

    def __call__(self, items: list[tuple[int, Any]]) -> Batch:
        good = [(index, sample) for index, sample in items if not isinstance(sample, Failure)]
        failures = [sample for _, sample in items if isinstance(sample, Failure)]
        inputs = None
        while good:
            try:
                inputs = self.model.collate([sample.input for _, sample in good])
                break
            except SampleError as error:  # the model names the position of the bad input
                position = int(error.sample_id) if error.sample_id.isdigit() else None
                if position is None or position >= len(good):
                    raise
                index, sample = good.pop(position)
                failures.append(Failure(index, sample.id, error.reason))
        stats = dict(getattr(self.model, "collate_stats", None) or {}) if good else {}
        return Batch(
            indices=[index for index, _ in good],
            ids=[sample.id for _, sample in good],
            inputs=inputs,
            targets=self._targets([sample.target for _, sample in good]),
            failures=failures,
            stats=stats,
        )

    def _targets(self, targets: list[Any]) -> Any:
        if self.target_map is None:
            return targets
        import torch

        return torch.tensor([self.target_map[t] for t in targets], dtype=torch.long)


# A length-grouped batch closes early, once it holds a quarter of the batch size
# and at least 8 inputs, rather than pad its inputs by more than this fraction
# of their own length.
PADDING_TOLERANCE = 0.05
EARLY_CLOSE_MINIMUM = 8


def batch_order(dataset: Any, indices: list[int], batch_size: int, *, by_length: bool) -> list[list[int]]:
    """Batches of at most ``batch_size`` indices; grouped by input length when the model pads to the longest.

    Sorting by length keeps padding small (the idea of length-grouped batching
    in transformers' Trainer, and of duration buckets in speech toolkits); a
    batch also closes early rather than pad more than :data:`PADDING_TOLERANCE`,
    so a few long clips do not make the batch after them compute (and hold in
    memory) mostly padding. Metrics do not depend on the order or the batches.
    """
    lengths = getattr(dataset, "lengths", None)
    if not (by_length and callable(lengths)):
        return [indices[start:start + batch_size] for start in range(0, len(indices), batch_size)]
    sizes = lengths()
    minimum = min(batch_size, max(EARLY_CLOSE_MINIMUM, batch_size // 4))
    batches: list[list[int]] = []
    batch: list[int] = []
    total = 0
    for index in sorted(indices, key=lambda i: (-sizes[i], i)):
        padded = sizes[batch[0]] * (len(batch) + 1) if batch else 0  # the first is the longest
        if batch and (len(batch) >= batch_size or (len(batch) >= minimum and padded > 0
                                                   and (total + sizes[index]) / padded < 1 - PADDING_TOLERANCE)):
            batches.append(batch)
            batch, total = [], 0
        batch.append(index)
        total += sizes[index]
    if batch:
        batches.append(batch)
    return batches


def make_loader(dataset: Any, model: Any, batches: list[list[int]], target_map: Sequence[int] | None, *,
                num_workers: int, pin_memory: bool) -> Any:
    from torch.utils.data import DataLoader

    return DataLoader(
        IndexedSamples(dataset), batch_sampler=batches, collate_fn=Collator(model, target_map),
        num_workers=num_workers, pin_memory=pin_memory,
        prefetch_factor=4 if num_workers else None,
    )


def _pin(value: Any) -> Any:
    if hasattr(value, "pin_memory") and callable(value.pin_memory):
        return value.pin_memory()
    if isinstance(value, dict):
        return {key: _pin(item) for key, item in value.items()}
    return value


def _pin_batch(self: Batch) -> Batch:
    """DataLoader calls this on a CUDA run so host-to-device copies can be non-blocking."""
    self.inputs, self.targets = _pin(self.inputs), _pin(self.targets)
    return self


Batch.pin_memory = _pin_batch  # type: ignore[attr-defined]
