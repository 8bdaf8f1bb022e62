"""The Python API; the CLI calls these functions and nothing parallel to them.

Every function takes an optional ``registry``; without it, the default one is
loaded once from the installed plugins and the environment
(``ZOO_DISABLE_PLUGINS``, ``ZOO_STRICT_PLUGINS``, ``ZOO_REGISTRY``...).
"""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable, Sequence
from typing import Any

from zoo.errors import BuilderImportError, UsageError
from zoo.loader import Settings, load_registry
from zoo.registry import Registry
from zoo.specs import DatasetSpec, MetricSpec, ModelSpec, Spec, TaskSpec

__all__ = [
    "build_dataset", "build_metric", "build_model", "catalogue_only", "default_registry", "get", "list_datasets",
    "list_metrics", "list_models", "list_tasks", "resolve_builder", "resolve_import",
]


@functools.lru_cache(maxsize=None)
def _cached_registry(settings: Settings) -> Registry:
    return load_registry(settings=settings)


def default_registry(settings: Settings | None = None) -> Registry:
    """The registry of installed plugins and catalogues, loaded once per settings."""
    return _cached_registry(settings or Settings.from_env())


def _registry(registry: Registry | None) -> Registry:
    return registry if registry is not None else default_registry()


def list_models(pattern: str | None = None, *, task: str | None = None, tag: str | None = None,
                plugin: str | None = None, license: str | None = None,
                registry: Registry | None = None) -> list[ModelSpec]:
    """Models matching every filter, sorted by name (``pattern`` is fnmatch-style)."""
    return _registry(registry).filter("model", pattern, task=task, tag=tag, plugin=plugin, license=license)  # type: ignore[return-value]


def list_datasets(pattern: str | None = None, *, task: str | None = None, tag: str | None = None,
                  plugin: str | None = None, license: str | None = None,
                  registry: Registry | None = None) -> list[DatasetSpec]:
    return _registry(registry).filter("dataset", pattern, task=task, tag=tag, plugin=plugin, license=license)  # type: ignore[return-value]


def list_metrics(pattern: str | None = None, *, task: str | None = None, plugin: str | None = None,
                 registry: Registry | None = None) -> list[MetricSpec]:
    return _registry(registry).filter("metric", pattern, task=task, plugin=plugin)  # type: ignore[return-value]


def list_tasks(pattern: str | None = None, *, plugin: str | None = None,
               registry: Registry | None = None) -> list[TaskSpec]:
    return _registry(registry).filter("task", pattern, plugin=plugin)  # type: ignore[return-value]


def get(name: str, kind: str | None = None, *, task: str | None = None, registry: Registry | None = None) -> Any:
    """One entry by ``plugin:name`` or unique short name."""
    return _registry(registry).get(name, kind, task=task)


def resolve_builder(spec: Spec) -> Callable[..., Any]:
    """Import an entry's builder; an error names the entry and its plugin."""
    target: str = spec.builder  # type: ignore[attr-defined]
    return resolve_import(target, f"{spec.kind} {spec.id} (builder {target!r})")


def resolve_import(target: str, where: str) -> Callable[..., Any]:
    """``"package.module:attr"`` -> the callable; ``where`` names its owner in errors."""
    module_name, _, attribute = target.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as error:
        raise BuilderImportError(f"{where}: cannot import module {module_name!r}: {error}") from error
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise BuilderImportError(f"{where}: module {module_name!r} has no attribute {attribute!r}") from None
    if not callable(obj):
        raise BuilderImportError(f"{where}: {target!r} is not callable")
    return obj  # type: ignore[no-any-return]


def call_builder(spec: Spec, how: str, **kwargs: Any) -> Any:
    """Check the arguments against the builder's signature, then call it."""
    builder = resolve_builder(spec)
    try:
        inspect.signature(builder).bind(**kwargs)
    except TypeError as error:
        params = [name for name in inspect.signature(builder).parameters if name not in ("split", "labels", "weights")]
        raise UsageError(f"{spec.kind} {spec.id}: {error}; it takes {', '.join(params) or 'no arguments'} "
                         f"({how})") from None
    except ValueError:  # no signature (a C function): just call it
        pass
    return builder(**kwargs)


CATALOGUE_ONLY = "zoo_catalogue_only_args"


def catalogue_only(*names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark builder arguments that only a catalogue entry may set, never a user's
    ``--model-arg`` (say, permission to run a repository's own code)::

        @zoo.catalogue_only("remote_code_allowed")
        def build_classifier(*, model, remote_code_allowed=False, trust_remote_code=False): ...
    """
    def mark(builder: Callable[..., Any]) -> Callable[..., Any]:
        setattr(builder, CATALOGUE_ONLY, tuple(names))
        return builder
    return mark


def build_model(name: str | ModelSpec, *, registry: Registry | None = None, **args: Any) -> Any:
    """Build a model; ``args`` override the entry's own builder arguments."""
    spec = name if isinstance(name, ModelSpec) else get(name, "model", registry=registry)
    locked = sorted(set(getattr(resolve_builder(spec), CATALOGUE_ONLY, ())) & set(args))
    if locked:
        raise UsageError(f"model {spec.id}: {', '.join(locked)} can only be set by a reviewed catalogue entry, "
                         "not by a user argument")
    kwargs = {**spec.args, **args}
    if spec.weights is not None:
        kwargs.setdefault("weights", spec.weights)
    return call_builder(spec, "give them with --model-arg KEY=VALUE", **kwargs)


def build_dataset(name: str | DatasetSpec, *, split: str | None = None, registry: Registry | None = None,
                  **args: Any) -> Any:
    """Build one split of a dataset (the entry's default split when not given)."""
    spec = name if isinstance(name, DatasetSpec) else get(name, "dataset", registry=registry)
    split = split or spec.split_or_default
    if split not in spec.splits:
        raise UsageError(f"dataset {spec.id} has no split {split!r}; its splits are {', '.join(spec.splits)}")
    return call_builder(spec, "give them with --dataset-arg KEY=VALUE", split=split, **{**spec.args, **args})


def build_metric(name: str | MetricSpec, *, task: str, labels: Sequence[str] | None = None,
                 registry: Registry | None = None, **args: Any) -> Any:
    """Build a fresh streaming metric for a task (``labels``: the model's classes)."""
    if not isinstance(name, MetricSpec):
        get(task, "task", registry=registry)  # an unknown task is the error to report, not the metric
    spec = name if isinstance(name, MetricSpec) else get(name, "metric", task=task, registry=registry)
    if task not in spec.tasks:
        raise UsageError(f"metric {spec.id} does not apply to task {task!r}; it is for {', '.join(spec.tasks)}")
    return call_builder(spec, "metric arguments", labels=labels, **{**spec.args, **args})
