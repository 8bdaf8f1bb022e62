"""The common interface every builder returns, for every task.

This module imports nothing heavy: plugins subclass or satisfy these types and
import torch themselves, inside the builders the registry resolves lazily.

A **model** knows its task and labels, turns a list of raw inputs into a batch
on the CPU (:meth:`Model.collate`, run in data-loader workers) and a batch on
the device into outputs (:meth:`Model.forward`): logits ``[B, C]`` for
classification tasks, a list of transcripts for speech recognition.

A **dataset** is map-style: ``len(ds)`` and ``ds[i] -> Sample``.

A **metric** streams: ``update(preds, target)`` per batch, ``compute()`` at the
end; torchmetrics metrics satisfy it, including merging across processes.

:func:`zoo.build_model` and :func:`zoo.build_dataset` attach a
:class:`BuiltFrom` to what they return (``model.built_from``), so a run of a
built object can still name its catalogue entry and be repeated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol, runtime_checkable

__all__ = ["Audio", "BuiltFrom", "Dataset", "Metric", "Model", "SCORE_KINDS", "Sample", "TorchModel"]

SCORE_KINDS: Final = ("logits", "probabilities", "one-hot")
"""What a classifier's outputs are (its ``score_kind``), so predictions show a score that means
something: ``"logits"`` are shown as softmax probabilities, ``"probabilities"`` as they are, and
``"one-hot"`` (a decision with no confidence) as the top label alone, with score None."""


@dataclass(frozen=True)
class Audio:
    """A mono float32 waveform (a 1-D numpy array) and its sampling rate in Hz."""

    waveform: Any
    sampling_rate: int

    @property
    def seconds(self) -> float:
        """The clip's duration."""
        return len(self.waveform) / self.sampling_rate


@dataclass(frozen=True)
class Sample:
    """One item of a dataset.

    ``input`` is a ``str`` (text), a PIL image or HWC uint8 array (image) or an
    :class:`Audio`; ``target`` is a class index into the dataset's ``labels``
    or a transcript; ``id`` names the sample for error messages and saved
    predictions (a file path relative to the dataset root, or ``row 17``).
    """

    input: Any
    target: Any
    id: str


@dataclass(frozen=True)
class BuiltFrom:
    """The catalogue entry a model or dataset was built from, and the builder arguments
    given on top of the entry's own (``split`` too, for a dataset).

    ``zoo.build_model`` and ``zoo.build_dataset`` set it as the ``built_from``
    attribute of what they return; an evaluation of the object records the
    entry and can be repeated with ``zoo run --from``. zoo cannot see changes
    made to the object after it was built (say, fine-tuning).
    """

    spec: Any  # the ModelSpec or DatasetSpec
    args: Mapping[str, Any] = field(default_factory=dict)
    split: str | None = None


@runtime_checkable
class Model(Protocol):
    """What every model builder returns.

    Optional attributes the engine reads when present: ``score_kind`` (one of
    :data:`SCORE_KINDS`, default ``"logits"``), ``bucket_by_length``,
    ``collate_stats``, ``weights_sha256``, ``config``, ``num_parameters()``,
    and ``embed(batch)`` (a collated batch on the device -> features
    ``[B, D]``: what :func:`zoo.embed` returns). :class:`TorchModel` adds
    ``predict(inputs)``; any model gets the same from :func:`zoo.predict`.
    """

    task: str
    labels: Sequence[str] | None  # class names, in output order; None for transcripts

    def collate(self, inputs: list[Any]) -> Any:
        """Raw inputs -> a batch of CPU tensors (tokenise, resize, features).

        Raise :class:`zoo.errors.SampleError` naming the input's position for
        an input that cannot be used (say, an empty text)."""

    def forward(self, batch: Any) -> Any:
        """A batch already on the model's device -> logits ``[B, C]`` or transcripts."""

    def to(self, device: str, dtype: Any = None) -> Model:
        """Move to a device (and floating dtype); return self."""


@runtime_checkable
class Dataset(Protocol):
    """What every dataset builder returns: map-style, with its labels and split.

    ``ds[i]`` is a :class:`Sample` whose ``target`` indexes ``labels`` (or is a transcript,
    with ``labels`` None); a sample that cannot be read raises :class:`zoo.errors.SampleError`.
    Optional attributes the engine reads when present: ``fingerprint`` (the hex sha256 of the
    data served, recorded and compared by ``zoo run --from``) and ``lengths()`` (cheap
    per-sample sizes, for batching inputs of similar length together) and ``partial_label_space``
    (True when the classes are a subset of a model's that the model is scored on alone, its other
    outputs dropped, as timm's validate.py ``--valid-labels`` scores ImageNet-R and -A).
    """

    task: str
    labels: Sequence[str] | None
    split: str

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> Sample: ...


@runtime_checkable
class Metric(Protocol):
    """Streaming metric state (torchmetrics.Metric satisfies it).

    The engine calls ``to(device)``, which returns the metric, before the first :meth:`update`.
    """

    def update(self, preds: Any, target: Any) -> None:
        """Add one batch. ``preds``: float32 logits ``[B, C]`` on the run's device, one column
        per model label, or a list of ``B`` transcripts. ``target``: a ``torch.long`` tensor
        ``[B]`` of class indices in the *model's* label order, on the same device, or a list of
        ``B`` reference transcripts."""

    def compute(self) -> Any:
        """The value over every batch added: a number or a 0-d tensor, recorded as ``float``."""

    def reset(self) -> None:
        """Forget every batch added (zoo builds a fresh metric for each run instead)."""


@dataclass
class TorchModel:
    """A convenient base for models that wrap one ``torch.nn.Module``.

    Subclasses implement :meth:`collate` and :meth:`forward`; this class moves
    the module, counts parameters and carries the card details (``config``)
    that the run record stores: preprocessing, input size, max length...
    """

    task: str
    labels: Sequence[str] | None
    module: Any
    config: Mapping[str, Any] = field(default_factory=dict)
    weights_sha256: str | None = None
    # Set by models whose batches are padded to the longest input (text,
    # audio): the engine then groups inputs of similar length together.
    bucket_by_length: bool = False
    device: str = "cpu"
    dtype: Any = None
    # What forward's outputs are, for predictions: one of SCORE_KINDS.
    score_kind: str = "logits"

    def to(self, device: str, dtype: Any = None) -> TorchModel:
        """Move the module to a device (and floating dtype), put it in eval mode; return self."""
        self.module.to(device=device, dtype=dtype)
        self.module.eval()
        self.device, self.dtype = str(device), dtype
        return self

    def num_parameters(self) -> int:
        """The module's parameter count, recorded in the run record."""
        return sum(p.numel() for p in self.module.parameters())

    def collate(self, inputs: list[Any]) -> Any:
        """Raw inputs -> a batch on the CPU; subclasses implement it (see :meth:`Model.collate`)."""
        raise NotImplementedError(f"{type(self).__name__} must implement collate()")

    def forward(self, batch: Any) -> Any:
        """A batch on the device -> outputs; subclasses implement it (see :meth:`Model.forward`)."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward()")

    def predict(self, inputs: Any, top_k: int = 5, *, batch_size: int = 32, registry: Any = None) -> list[dict[str, Any]]:
        """Predictions for raw inputs on the model's current device, as :func:`zoo.predict` gives them.

        ``inputs``: one input or a list (file paths, texts, PIL images, arrays,
        :class:`Audio`, as the task allows); ``registry`` knows the task's input
        loader (default: the installed plugins'). Imports the engine (torch).
        """
        from zoo.engine.predict import predict_with

        return predict_with(self, inputs, top_k=top_k, batch_size=batch_size, registry=registry)
