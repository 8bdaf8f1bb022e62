"""Built models and datasets given to ``zoo.evaluate``, ``zoo.predict`` or ``zoo.embed`` instead of names.

An object is checked against the :class:`zoo.Model` / :class:`zoo.Dataset`
protocol and named by its type in every message, never by its ``repr`` (a
torch module prints pages). One that :func:`zoo.build_model` or
:func:`zoo.build_dataset` returned carries a :class:`zoo.BuiltFrom`, so its
run names the catalogue entry, its arguments and its weights, and can be
repeated; any other object is recorded by its class and cannot be rebuilt.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from zoo.errors import UsageError
from zoo.interface import BuiltFrom
from zoo.specs import DatasetSpec, ModelSpec

__all__ = ["built_from", "check_dataset", "check_model", "dataset_request", "describe", "model_request",
           "not_replayable", "recordable", "type_name"]

MODEL_MEMBERS = ("task", "labels", "collate", "forward", "to")
DATASET_MEMBERS = ("task", "labels", "split", "__len__", "__getitem__")


def type_name(obj: Any) -> str:
    """``package.module.Class`` (just ``Class`` for builtins): how an object is named to a user."""
    cls = type(obj)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def built_from(obj: Any, spec_type: type) -> BuiltFrom | None:
    """The registry entry the object was built from, when zoo built it (and it is of ``spec_type``)."""
    origin = getattr(obj, "built_from", None)
    return origin if isinstance(origin, BuiltFrom) and isinstance(origin.spec, spec_type) else None


def describe(obj: Any, kind: str) -> str:
    """``model plugin:name`` for an object zoo built, ``model object package.Class`` otherwise."""
    origin = built_from(obj, ModelSpec if kind == "model" else DatasetSpec)
    return f"{kind} {origin.spec.id}" if origin else f"{kind} object {type_name(obj)}"


def _is_torch_module(obj: Any) -> bool:
    return any(cls.__name__ == "Module" and cls.__module__.startswith("torch.nn") for cls in type(obj).__mro__)


def _missing(obj: Any, members: tuple[str, ...]) -> list[str]:
    return [member for member in members if not hasattr(obj, member)]


def check_model(obj: Any, *, where: str) -> None:
    """A model object satisfies :class:`zoo.Model`, or one line says what it is and what it lacks."""
    missing = _missing(obj, MODEL_MEMBERS)
    if missing:
        if _is_torch_module(obj):
            hint = ("; a torch module is not a zoo model: build one with zoo.build_model(NAME), or wrap the module "
                    "in a zoo.TorchModel subclass that implements collate and forward")
        elif not _missing(obj, DATASET_MEMBERS):
            hint = "; it is a dataset: pass it as the dataset"
        else:
            hint = "; pass a model name, or an object with task, labels, collate, forward and to"
        raise UsageError(f"{where}: the model must be a name or a zoo.Model, not a {type_name(obj)} "
                         f"(it has no {', '.join(missing)}){hint}")
    _check_task_and_labels(obj, "model", where)


def check_dataset(obj: Any, *, where: str) -> None:
    """A dataset object satisfies :class:`zoo.Dataset`, or one line says what it is and what it lacks."""
    missing = _missing(obj, DATASET_MEMBERS)
    if missing:
        hint = ("; it is a model: pass it as the model" if not _missing(obj, MODEL_MEMBERS)
                else "; pass a dataset name, or a map-style object with task, labels, split, len() and [i] -> zoo.Sample")
        raise UsageError(f"{where}: the dataset must be a name or a zoo.Dataset, not a {type_name(obj)} "
                         f"(it has no {', '.join(missing)}){hint}")
    _check_task_and_labels(obj, "dataset", where)
    if not isinstance(obj.split, str):
        raise UsageError(f"{where}: dataset object {type_name(obj)}: split must be a name (a str), "
                         f"not a {type_name(obj.split)}")


def _check_task_and_labels(obj: Any, kind: str, where: str) -> None:
    if not isinstance(obj.task, str):
        raise UsageError(f"{where}: {kind} object {type_name(obj)}: task must be a task name (a str), "
                         f"not a {type_name(obj.task)}")
    labels = obj.labels
    if labels is not None and (isinstance(labels, str) or not all(isinstance(label, str) for label in labels)):
        raise UsageError(f"{where}: {kind} object {type_name(obj)}: labels must be a list of class names "
                         "(or None for transcripts)")


def model_request(model: Any, options: Mapping[str, Any], *, where: str) -> tuple[str | None, Any, dict[str, Any]]:
    """A name, or a checked model object: ``(entry id or None, the object or None, run options)``.

    An object zoo built stands for its entry and arguments, so the run can be repeated.
    """
    options = dict(options)
    if isinstance(model, str):
        return model, None, options
    check_model(model, where=where)
    if options.get("model_args"):
        raise UsageError(f"{where}: model_args build a model, but {describe(model, 'model')} is already built; "
                         "give builder arguments to zoo.build_model instead")
    origin = built_from(model, ModelSpec)
    if origin is None:
        return None, model, options
    return origin.spec.id, model, {**options, "model_args": dict(origin.args)}


def dataset_request(dataset: Any, options: Mapping[str, Any], *, where: str) -> tuple[str | None, Any, dict[str, Any]]:
    """A name (or None: the model's default), or a checked dataset object, as :func:`model_request`."""
    options = dict(options)
    if dataset is None or isinstance(dataset, str):
        return dataset, None, options
    check_dataset(dataset, where=where)
    described = describe(dataset, "dataset")
    if options.get("dataset_args"):
        raise UsageError(f"{where}: dataset_args build a dataset, but {described} is already built; "
                         "give builder arguments to zoo.build_dataset instead")
    if options.get("split") not in (None, dataset.split):
        raise UsageError(f"{where}: {described} is its {dataset.split!r} split, not {options['split']!r}; "
                         f"build that split with zoo.build_dataset(NAME, split={options['split']!r})")
    origin = built_from(dataset, DatasetSpec)
    options["split"] = dataset.split
    if origin is None:
        return None, dataset, options
    return origin.spec.id, dataset, {**options, "dataset_args": dict(origin.args)}


def not_replayable(model: Any, dataset: Any) -> list[str]:
    """Why ``zoo run --from`` could not rebuild what was evaluated (empty: it can)."""
    reasons = []
    for obj, kind, spec_type in ((model, "model", ModelSpec), (dataset, "dataset", DatasetSpec)):
        if obj is None:
            continue
        origin = built_from(obj, spec_type)
        if origin is None:
            reasons.append(f"the {kind} is a {type_name(obj)} object that no catalogue entry built")
        elif not _jsonable(origin.args):
            reasons.append(f"{kind} {origin.spec.id} was built with arguments a record cannot hold "
                           f"({', '.join(sorted(k for k, v in origin.args.items() if not _jsonable(v)))})")
    return reasons


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def recordable(args: Mapping[str, Any]) -> dict[str, Any]:
    """Builder arguments as a JSON record can hold them: a Python object becomes ``<its type>``."""
    return {key: value if _jsonable(value) else f"<{type_name(value)} object>" for key, value in args.items()}
