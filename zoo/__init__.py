"""zoo: one registry of models, datasets and metrics, filled by plugins.

Importing zoo is cheap: nothing here imports torch, timm or transformers.
"""

from __future__ import annotations

from zoo.api import (bench, build_dataset, build_metric, build_model, catalogue_only, default_registry, embed,
                     evaluate, get, leaderboard, list_datasets, list_metrics, list_models, list_tasks, predict, pull,
                     resolve_builder, results)
from zoo.errors import (AmbiguousNameError, BuilderImportError, CatalogueError, LabelMismatchError,
                        MissingArtifactError, NotFoundError, PluginError, SampleError, UsageError, ZooError)
from zoo.hookspecs import hookimpl
from zoo.interface import SCORE_KINDS, Audio, BuiltFrom, Dataset, Metric, Model, Sample, TorchModel
from zoo.loader import Settings, load_registry
from zoo.registry import Registry
from zoo.specs import DatasetSpec, MetricSpec, ModelSpec, TaskSpec, WeightsSpec

__version__ = "0.1.0"
"""The version of zoo's core, as run records and ``zoo --version`` give it."""

__all__ = [
    "AmbiguousNameError",
    "Audio",
    "BuilderImportError",
    "BuiltFrom",
    "CatalogueError",
    "Dataset",
    "DatasetSpec",
    "LabelMismatchError",
    "Metric",
    "MetricSpec",
    "MissingArtifactError",
    "Model",
    "ModelSpec",
    "NotFoundError",
    "PluginError",
    "Registry",
    "SCORE_KINDS",
    "Sample",
    "SampleError",
    "Settings",
    "TaskSpec",
    "TorchModel",
    "UsageError",
    "WeightsSpec",
    "ZooError",
    "__version__",
    "bench",
    "build_dataset",
    "build_metric",
    "build_model",
    "catalogue_only",
    "default_registry",
    "embed",
    "evaluate",
    "get",
    "hookimpl",
    "leaderboard",
    "list_datasets",
    "list_metrics",
    "list_models",
    "list_tasks",
    "load_registry",
    "predict",
    "pull",
    "resolve_builder",
    "results",
]
