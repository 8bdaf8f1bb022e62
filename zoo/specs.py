"""The typed records every registry entry is stored as.

Plugins never build these directly: they call ``register(...)`` with plain
keyword arguments (or write a catalogue entry), :mod:`zoo.schema` checks the
fields and the registry turns them into these frozen records.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

__all__ = [
    "KINDS",
    "DatasetSpec",
    "MetricSpec",
    "ModelSpec",
    "Origin",
    "ReportedMetric",
    "Spec",
    "TaskSpec",
    "WeightsSpec",
    "spec_from_fields",
]

Kind = Literal["task", "model", "dataset", "metric"]
KINDS: Final[tuple[Kind, ...]] = ("task", "model", "dataset", "metric")


@dataclass(frozen=True)
class Origin:
    """Where an entry came from: the plugin that owns it and the exact place."""

    plugin: str
    where: str  # "hook register_models" or "path/registry.yaml:12:5"

    def __str__(self) -> str:
        return f"{self.where} (plugin {self.plugin!r})"


@dataclass(frozen=True)
class WeightsSpec:
    """Where a model's weights come from and how to check them."""

    uri: str  # https://..., hf-hub:org/repo[@rev][/file], timm:arch.tag, package:dist[==version]/path, or a path
    sha256: str | None = None  # of the file; of a folder, its manifest (see zoo.weights.sha256_folder)
    format: str | None = None  # safetensors | pickle | hf | timm
    # Set by zoo before a builder runs: the local file or folder, its pin already checked
    # (zoo.api.build_model); builders read this, never the uri.
    path: str | None = None

    def __post_init__(self) -> None:
        # A pin that pins nothing ('' or YAML's 0 for 000...0) must not pass as "checked".
        problem = pin_problem(self.sha256)
        if problem:
            from zoo.errors import UsageError

            raise UsageError(f"weights {self.uri}: {problem}")


def pin_problem(pin: Any) -> str | None:
    """Why a sha256 pin is unusable (None is no pin at all, which is allowed)."""
    if pin is None:
        return None
    if not isinstance(pin, str):
        return (f"the sha256 pin {pin!r} is a {type(pin).__name__}, not 64 hex characters; quote it "
                "(YAML reads 000...0 as the number 0)")
    if not re.fullmatch(r"[0-9a-f]{64}", pin):
        shown = repr(pin) if len(pin) <= 20 else repr(pin[:17] + "...")
        return f"the sha256 pin {shown} is not 64 lowercase hex characters; copy it exactly, or leave it out"
    return None


@dataclass(frozen=True)
class ReportedMetric:
    """A published or reproduced metric value and the protocol that produced it."""

    metric: str
    value: float
    dataset: str
    split: str | None = None
    source: str | None = None  # a URL for published numbers, "zoo run" for reproduced ones
    dataset_args: Mapping[str, Any] = field(default_factory=dict)
    protocol: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Spec:
    """Fields shared by every kind of entry."""

    name: str
    origin: Origin
    description: str = ""

    kind: Kind = field(init=False, default="task")

    @property
    def plugin(self) -> str:
        return self.origin.plugin

    @property
    def id(self) -> str:
        """The qualified id, ``plugin:name``; unambiguous everywhere."""
        return f"{self.origin.plugin}:{self.name}"


@dataclass(frozen=True)
class TaskSpec(Spec):
    """What a sample is, what a model returns and which metrics apply by default."""

    target: Literal["class", "text"] = "class"
    input: Literal["text", "image", "audio"] = "text"
    default_metrics: tuple[str, ...] = ()
    input_loader: str | None = None  # import string: turns a CLI argument into a raw input

    kind: Kind = field(init=False, default="task")


@dataclass(frozen=True)
class ModelSpec(Spec):
    """A model: a builder import string, its arguments and everything a card shows."""

    task: str = ""
    builder: str = ""  # import string "package.module:function"
    args: Mapping[str, Any] = field(default_factory=dict)
    weights: WeightsSpec | None = None
    license: str = "NOASSERTION"
    tags: tuple[str, ...] = ()
    params: int | None = None
    source: str | None = None
    paper: str | None = None
    default_dataset: str | None = None
    reported: tuple[ReportedMetric, ...] = ()
    based_on: str | None = None  # the registered model whose builder a catalogue entry reuses
    # A template is a generic builder (``timm``, ``hf-ctc``), not a model: it has trained weights only when
    # given them, through its own ``weights`` or one of ``weights_args`` (``checkpoint``, ``model``).
    # Built with neither, zoo refuses unless random weights are asked for (``random_init=True``).
    template: bool = False
    weights_args: tuple[str, ...] | None = None

    kind: Kind = field(init=False, default="model")

    def reported_values(self) -> tuple[tuple[str, float, str], ...]:
        """``(metric, value, dataset)`` of each reported value, in order: what listing and sorting show.

        An entry loaded from the catalogue index answers this from its summary, without reading the
        whole entry (see :mod:`zoo.catalogue_index`).
        """
        return tuple((reported.metric, reported.value, reported.dataset) for reported in self.reported)

    def file_uris(self) -> tuple[tuple[str, str | None], ...]:
        """``(uri, sha256 pin)`` of each file the model needs: its weights, then each ``package:`` or
        ``hf-hub:`` URI its builder arguments name (an ``encoder``); what ``zoo list`` looks up on disk
        (:mod:`zoo.presence`). An entry loaded from the catalogue index may answer this from a column,
        without reading the whole entry, as it answers :meth:`reported_values`."""
        found = [(self.weights.uri, self.weights.sha256)] if self.weights is not None else []
        return (*found, *((uri, None) for uri in _argument_uris(self.args)))


def _argument_uris(value: Any) -> list[str]:
    """The ``package:`` and ``hf-hub:`` strings anywhere in builder arguments."""
    if isinstance(value, str):
        return [value] if value.startswith(("package:", "hf-hub:")) else []
    if isinstance(value, Mapping):
        return [uri for item in value.values() for uri in _argument_uris(item)]
    if isinstance(value, (list, tuple)):
        return [uri for item in value for uri in _argument_uris(item)]
    return []


@dataclass(frozen=True)
class DatasetSpec(Spec):
    """A dataset: a builder import string, its splits, licence and citation."""

    task: str = ""
    builder: str = ""
    args: Mapping[str, Any] = field(default_factory=dict)
    splits: tuple[str, ...] = ("test",)
    default_split: str | None = None
    license: str = "NOASSERTION"
    citation: str | None = None
    source: str | None = None
    tags: tuple[str, ...] = ()
    size: Mapping[str, int] = field(default_factory=dict)  # samples per split

    kind: Kind = field(init=False, default="dataset")

    @property
    def split_or_default(self) -> str:
        """The split used when none is asked for: ``default_split``, else the first of ``splits``."""
        return self.default_split or self.splits[0]


@dataclass(frozen=True)
class MetricSpec(Spec):
    """A streaming metric for one or more tasks."""

    tasks: tuple[str, ...] = ()
    builder: str = ""
    args: Mapping[str, Any] = field(default_factory=dict)
    higher_is_better: bool = True
    # The values the metric can take; reported values outside it are refused. zoo's
    # metrics are fractions (the torchmetrics scale), so [0, 1] unless said otherwise;
    # None is an open end (a word error rate can exceed 1).
    range: tuple[float | None, float | None] = (0.0, 1.0)

    kind: Kind = field(init=False, default="metric")


def spec_from_fields(kind: str, data: Mapping[str, Any], origin: Origin) -> Spec:
    """Checked fields -> the frozen record of that kind."""
    values = {key: value for key, value in data.items() if value is not None}
    for key in ("tags", "splits", "tasks", "default_metrics", "range", "weights_args"):
        if key in values:
            values[key] = tuple(values[key])
    if kind == "task":
        return TaskSpec(origin=origin, **values)
    if kind == "metric":
        return MetricSpec(origin=origin, **values)
    if kind == "dataset":
        return DatasetSpec(origin=origin, **values)
    if "weights" in values:
        values["weights"] = WeightsSpec(**values["weights"])
    if "reported" in values:
        values["reported"] = tuple(ReportedMetric(**item) for item in values["reported"])
    return ModelSpec(origin=origin, **values)
