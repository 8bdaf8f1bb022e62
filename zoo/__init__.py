"""zoo: one registry of models, datasets and metrics, filled by plugins.

Importing zoo is cheap: nothing here imports torch, timm or transformers.
"""

from __future__ import annotations

from zoo.api import (build_dataset, build_metric, build_model, catalogue_only, default_registry, get, list_datasets,
                     list_metrics, list_models, list_tasks, resolve_builder)
from zoo.errors import (AmbiguousNameError, BuilderImportError, CatalogueError, LabelMismatchError,
                        MissingArtifactError, NotFoundError, PluginError, SampleError, UsageError, ZooError)
from zoo.hookspecs import hookimpl
from zoo.interface import Audio, Dataset, Metric, Model, Sample, TorchModel
from zoo.loader import Settings, load_registry
from zoo.registry import Registry
from zoo.specs import DatasetSpec, MetricSpec, ModelSpec, TaskSpec, WeightsSpec

__version__ = "0.1.0"

__all__ = [
    "AmbiguousNameError",
    "Audio",
    "BuilderImportError",
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
    "Sample",
    "SampleError",
    "Settings",
    "TaskSpec",
    "TorchModel",
    "UsageError",
    "WeightsSpec",
    "ZooError",
    "__version__",
    "build_dataset",
    "build_metric",
    "build_model",
    "catalogue_only",
    "default_registry",
    "evaluate",
    "get",
    "hookimpl",
    "list_datasets",
    "list_metrics",
    "list_models",
    "list_tasks",
    "load_registry",
    "resolve_builder",
]


def evaluate(*args, **kwargs):  # type: ignore[no-untyped-def]
    """Evaluate models on a dataset; see :func:`zoo.engine.evaluate` (imports torch)."""
    from zoo.engine import evaluate as _evaluate

    return _evaluate(*args, **kwargs)
