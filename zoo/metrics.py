"""Shared metric builders over torchmetrics, for plugins to register by name.

Plugins own their tasks' metrics; these builders spare each plugin from
writing the same few lines. Each returns a torchmetrics ``Metric``: it
streams (``update`` per batch), and merges across processes on ``compute``
when torch.distributed is initialised. Imported only when a metric is built.

The metric classes are imported from their own torchmetrics modules with the
package ``__init__`` files deferred (:func:`torchmetrics_module`): torchmetrics
1.9's ``__init__`` imports every metric it has, and with them scipy.signal,
torchvision's models and transformers, about 2.5 s of a 5 s evaluation of a
small model (upstream: Lightning-AI/torchmetrics#3457).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import logging
import re
import sys
import types
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from zoo.errors import UsageError

__all__ = ["accuracy", "char_error_rate", "f1_macro", "matthews", "normalize_transcript", "torchmetrics_module",
           "word_error_rate"]


class _DeferredPackage(types.ModuleType):
    """A package whose ``__init__`` runs the first time a name it lacks is asked for.

    Its submodules import as usual, so ``torchmetrics.text.wer`` loads without
    ``torchmetrics/text/__init__`` importing BERTScore and transformers. Code
    that later uses the package (``torchmetrics.Accuracy``,
    ``from torchmetrics.functional import accuracy``) runs the real
    ``__init__`` then, once, and sees the whole package.
    """

    def __getattr__(self, name: str) -> Any:
        if _DEFERRED not in self.__dict__:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        _complete(self)
        return getattr(self, name)


_DEFERRED = "__zoo_deferred_loader__"


def _complete(package: types.ModuleType) -> None:
    """Run a deferred package's ``__init__``.

    Once the metric modules are imported, its parents' go first, the order a
    plain import runs them in (``torchmetrics/text/bleu.py`` imports ``Metric``
    from ``torchmetrics`` while ``text`` initialises). While they are being
    imported, only the package asked for runs (``torchmetrics.utilities``,
    whose ``__init__`` is light), as the metric modules are half-imported then.
    """
    if _DEFERRED not in package.__dict__:
        return
    parent = sys.modules.get(package.__name__.rpartition(".")[0])
    importing = any(isinstance(finder, _DeferPackageInits) for finder in sys.meta_path)
    if isinstance(parent, _DeferredPackage) and not importing:
        _complete(parent)  # may complete this package too, by importing from it
    loader = package.__dict__.pop(_DEFERRED, None)
    if loader is not None:
        package.__loader__ = package.__spec__.loader = loader  # importlib.reload and tools see the real loader
        loader.exec_module(package)


class _DeferringLoader(importlib.abc.Loader):
    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return _DeferredPackage(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:
        module.__dict__[_DEFERRED] = self.loader

    def __getattr__(self, name: str) -> Any:  # get_source, is_package...: the real loader's
        return getattr(self.loader, name)


class _DeferPackageInits(importlib.abc.MetaPathFinder):
    """Finds the packages under ``root`` as :class:`_DeferredPackage`; plain modules as usual."""

    def __init__(self, root: str) -> None:
        self.root = root

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.root and not fullname.startswith(self.root + "."):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.submodule_search_locations is not None and spec.loader is not None:
            spec.loader = _DeferringLoader(spec.loader)
        return spec


@contextmanager
def _deferred_package_inits(root: str) -> Iterator[None]:
    finder = _DeferPackageInits(root)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def torchmetrics_module(name: str) -> types.ModuleType:
    """``torchmetrics.<name>`` (say ``classification.accuracy``), its package ``__init__`` files deferred.

    The classes are torchmetrics' own; only the import order differs. Once
    torchmetrics is imported in full, this is a plain import.
    """
    with _deferred_package_inits("torchmetrics"):
        package = importlib.import_module("torchmetrics")
        # The one name torchmetrics' modules import from the package itself
        # (utilities/prints.py); the real __init__ sets the same logger up when it runs.
        package.__dict__.setdefault("_logger", logging.getLogger("torchmetrics"))
        return importlib.import_module(f"torchmetrics.{name}")


def _num_classes(labels: Sequence[str] | None, metric: str) -> int:
    if not labels:
        raise UsageError(f"metric {metric} needs the model's class labels")
    return len(labels)


# The engine checks every batch's shapes itself (one clear error naming the
# model), so torchmetrics' per-update validation is off by default: it costs
# about a millisecond a batch, which is most of zoo's overhead on small models.


def accuracy(*, labels: Sequence[str] | None, top_k: int = 1, validate_args: bool = False) -> Any:
    """Micro accuracy over all samples; ``top_k=5`` gives top-5 accuracy."""
    MulticlassAccuracy = torchmetrics_module("classification.accuracy").MulticlassAccuracy

    num_classes = _num_classes(labels, "accuracy")
    return MulticlassAccuracy(num_classes=num_classes, top_k=min(top_k, num_classes), average="micro",
                              validate_args=validate_args)


def f1_macro(*, labels: Sequence[str] | None, validate_args: bool = False) -> Any:
    """F1 averaged over classes, each class counting equally."""
    MulticlassF1Score = torchmetrics_module("classification.f_beta").MulticlassF1Score

    return MulticlassF1Score(num_classes=_num_classes(labels, "macro-f1"), average="macro",
                             validate_args=validate_args)


def matthews(*, labels: Sequence[str] | None, validate_args: bool = False) -> Any:
    """Matthews correlation coefficient, multiclass."""
    MulticlassMatthewsCorrCoef = torchmetrics_module("classification.matthews_corrcoef").MulticlassMatthewsCorrCoef

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
    return _normalized(torchmetrics_module("text.wer").WordErrorRate, normalize)


def char_error_rate(*, labels: Sequence[str] | None = None, normalize: bool = True) -> Any:
    """CER over the corpus, after :func:`normalize_transcript`."""
    return _normalized(torchmetrics_module("text.cer").CharErrorRate, normalize)
