"""The model object both text builders return: tokenize in collate, logits in forward."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from zoo.errors import UsageError
from zoo.interface import TorchModel

from zoo_text.tokenizing import TextBatcher

__all__ = ["TextClassifier", "label_names"]


@dataclass
class TextClassifier(TorchModel):
    """A :class:`zoo.TorchModel` over a module that maps a tokenized batch to logits ``[B, C]``.

    ``stats`` is what the engine copies into the run record:
    ``{"truncated": texts cut at max_length, "texts": texts seen}``.
    """

    batcher: TextBatcher | None = None
    bucket_by_length: bool = True
    _truncated: list[Any] = field(default_factory=list, repr=False)
    _texts: int = 0

    def collate(self, inputs: list[Any]) -> dict[str, Any]:
        if self.batcher is None:
            raise UsageError(f"{type(self).__name__} was built without a tokenizer")
        return self.batcher(inputs)

    def forward(self, batch: dict[str, Any]) -> Any:
        batch = dict(batch)
        truncated = batch.pop("num_truncated", None)
        if truncated is not None:
            self._truncated.append(truncated)  # a tensor; summed when read, so no device sync per batch
        self._texts += int(batch["input_ids"].shape[0])
        return self.module(**batch).float()

    @property
    def stats(self) -> dict[str, int]:
        return {"truncated": int(sum(int(t) for t in self._truncated)), "texts": self._texts}

    def reset_stats(self) -> None:
        self._truncated, self._texts = [], 0


def label_names(from_config: Sequence[str], override: Sequence[str] | str | None, *, what: str) -> tuple[str, ...]:
    """The model's class names in output order: the config's, or the catalogue's renaming of them."""
    if override is None:
        return tuple(from_config)
    names = [n.strip() for n in override.split(",")] if isinstance(override, str) else [str(n) for n in override]
    if len(names) != len(from_config):
        raise UsageError(f"{what}: labels lists {len(names)} names but the model has {len(from_config)} outputs "
                         f"({', '.join(from_config)}); give one name per output, in output order")
    if len(set(names)) != len(names):
        raise UsageError(f"{what}: labels has duplicate names: {', '.join(names)}")
    return tuple(names)
