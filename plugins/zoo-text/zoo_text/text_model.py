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

    After each :meth:`collate`, ``collate_stats`` holds that batch's counts,
    ``{"truncated": texts cut at max_length}``; the engine reads it in the
    worker that collated and sums it into the run record's ``samples``.
    """

    batcher: TextBatcher | None = None
    bucket_by_length: bool = True
    collate_stats: dict[str, int] = field(default_factory=dict)

    def collate(self, inputs: list[Any]) -> dict[str, Any]:
        if self.batcher is None:
            raise UsageError(f"{type(self).__name__} was built without a tokenizer")
        batch, truncated = self.batcher(inputs)
        self.collate_stats = {"truncated": truncated}
        return batch

    def forward(self, batch: dict[str, Any]) -> Any:
        return self.module(**batch).float()

    def embed(self, batch: dict[str, Any]) -> Any:
        """Sentence features ``[B, H]`` (:func:`zoo.embed`): the pooled representation the
        classification head sees, as the module's own ``embed`` computes it."""
        embed = getattr(self.module, "embed", None)
        if not callable(embed):
            raise UsageError(f"{type(self).__name__}: its module {type(self.module).__name__} gives no embeddings")
        return embed(**batch).float()


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
