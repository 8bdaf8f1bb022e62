"""Shared metric builders over torchmetrics, for plugins to register by name.

Plugins own their tasks' metrics; these builders spare each plugin from
writing the same few lines. Each returns a torchmetrics ``Metric``: it
streams (``update`` per batch), and merges across processes on ``compute``
when torch.distributed is initialised. Imported only when a metric is built.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from zoo.errors import UsageError

__all__ = ["accuracy", "char_error_rate", "f1_macro", "matthews", "normalize_transcript",
           "word_error_rate"]


def _num_classes(labels: Sequence[str] | None, metric: str) -> int:
    if not labels:
        raise UsageError(f"metric {metric} needs the model's class labels")
    return len(labels)


# The engine checks every batch's shapes itself (one clear error naming the
# model), so torchmetrics' per-update validation is off by default: it costs
# about a millisecond a batch, which is most of zoo's overhead on small models.


def accuracy(*, labels: Sequence[str] | None, top_k: int = 1, validate_args: bool = False) -> Any:
    """Micro accuracy over all samples; ``top_k=5`` gives top-5 accuracy."""
    from torchmetrics.classification import MulticlassAccuracy

    num_classes = _num_classes(labels, "accuracy")
    return MulticlassAccuracy(num_classes=num_classes, top_k=min(top_k, num_classes), average="micro",
                              validate_args=validate_args)


def f1_macro(*, labels: Sequence[str] | None, validate_args: bool = False) -> Any:
    """F1 averaged over classes, each class counting equally."""
    from torchmetrics.classification import MulticlassF1Score

    return MulticlassF1Score(num_classes=_num_classes(labels, "macro-f1"), average="macro",
                             validate_args=validate_args)


def matthews(*, labels: Sequence[str] | None, validate_args: bool = False) -> Any:
    """Matthews correlation coefficient, multiclass."""
    from torchmetrics.classification import MulticlassMatthewsCorrCoef

    return MulticlassMatthewsCorrCoef(num_classes=_num_classes(labels, "mcc"), validate_args=validate_args)


_PUNCTUATION = re.compile(r"[^\w\s']|(?<!\w)'|'(?!\w)")


def normalize_transcript(text: str) -> str:
    """Lower case, NFKC, punctuation removed (inner apostrophes kept), spaces collapsed."""
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(_PUNCTUATION.sub(" ", text).split())


def _normalized(metric_cls: Any, normalize: bool) -> Any:
    class Normalized(metric_cls):  # type: ignore[misc, valid-type]
        def update(self, preds: Any, target: Any) -> None:
            if normalize:
                preds = [normalize_transcript(p) for p in preds]
                target = [normalize_transcript(t) for t in target]
            super().update(preds, target)

    Normalized.__name__ = metric_cls.__name__
    return Normalized()


def word_error_rate(*, labels: Sequence[str] | None = None, normalize: bool = True) -> Any:
    """WER over the corpus (errors / reference words), after :func:`normalize_transcript`."""
    from torchmetrics.text import WordErrorRate

    return _normalized(WordErrorRate, normalize)


def char_error_rate(*, labels: Sequence[str] | None = None, normalize: bool = True) -> Any:
    """CER over the corpus, after :func:`normalize_transcript`."""
    from torchmetrics.text import CharErrorRate

    return _normalized(CharErrorRate, normalize)
