"""What to run: the request a user makes, and the plan it becomes once checked.

Everything that can be checked is checked here, before any dataset or weights
load: option values and types (a hand-edited record included), names, tasks,
metrics, split, device and dtype.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from zoo.engine import devices, objects
from zoo.engine.distributed import World, current_world
from zoo.engine.outputs import task_for
from zoo.errors import UsageError, ZooError
from zoo.registry import Registry
from zoo.specs import DatasetSpec, MetricSpec, ModelSpec, TaskSpec

__all__ = ["ON_ERROR", "Plan", "RunRequest", "plan"]

ON_ERROR = ("fail", "skip")


@dataclass(frozen=True)
class RunRequest:
    """What the user asked for; stored in the record so ``zoo run --from`` repeats it.

    ``model`` (and ``dataset``) is None when an object no catalogue entry built
    was evaluated (see :mod:`zoo.engine.objects`): such a run cannot be repeated.
    """

    model: str | None
    dataset: str | None = None
    split: str | None = None
    metrics: tuple[str, ...] | None = None
    batch_size: int = 32
    num_workers: int | None = None  # None: chosen from the CPU count
    device: str = "auto"
    dtype: str = "float32"  # bfloat16, float16: the forward pass under torch.autocast
    channels_last: bool | None = None  # None: on for image models (see zoo.engine.devices)
    compile: bool = False  # torch.compile the model's module
    limit: int | None = None
    seed: int = 0
    on_error: str = "fail"
    label_map: Mapping[str, str] | None = None
    model_args: Mapping[str, Any] = field(default_factory=dict)
    dataset_args: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problem = _field_problem(self)
        if problem:
            raise UsageError(f"run request: {problem}")

    @classmethod
    def from_record(cls, saved: Mapping[str, Any], *, where: str = "run record", **overrides: Any) -> RunRequest:
        """The request a record holds, with ``overrides`` (None or empty: keep the recorded value;
        builder arguments are merged into the recorded ones). ``where`` names the record in errors."""
        if saved.get("replayable") is False:
            reasons = saved.get("not_replayable_because") or ["it evaluated an object no catalogue entry built"]
            raise UsageError(f"{where}: this run cannot be repeated: {'; '.join(map(str, reasons))} "
                             "(the record still says what was evaluated)")
        fields = saved.get("request")
        if not isinstance(fields, Mapping):
            raise UsageError(f"{where}: 'request' must be a mapping of run options, not {type(fields).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(fields) - known)
        if unknown:
            raise UsageError(f"{where}: request.{unknown[0]} is not a run option; known: {', '.join(sorted(known))}")
        if "model" not in fields:
            raise UsageError(f"{where}: request.model is missing")
        fields = {**fields, **{k: v for k, v in overrides.items() if v not in (None, {}, ())}}
        for key in ("model_args", "dataset_args"):
            if overrides.get(key) and isinstance(saved["request"].get(key), Mapping):
                fields[key] = {**saved["request"][key], **overrides[key]}
        if isinstance(fields.get("metrics"), list):
            fields["metrics"] = tuple(fields["metrics"])
        problem = _field_problem(fields)
        if problem:
            raise UsageError(f"{where}: request.{problem}")
        return cls(**fields)


# Each field's accepted types, and how to say it.
_FIELD_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "model": ((str, type(None)), "a name"), "dataset": ((str, type(None)), "a name"), "split": ((str, type(None)), "a name"),
    "metrics": ((tuple, type(None)), "a list of metric names"), "batch_size": ((int,), "an integer"),
    "num_workers": ((int, type(None)), "an integer"), "device": ((str,), "a device name"),
    "dtype": ((str,), "a dtype name"),
    "channels_last": ((bool, type(None)), "true, false or null (chosen for the model)"),
    "compile": ((bool,), "true or false"), "limit": ((int, type(None)), "an integer"), "seed": ((int,), "an integer"),
    "on_error": ((str,), "fail or skip"), "label_map": ((Mapping, type(None)), "a mapping of label names"),
    "model_args": ((Mapping,), "a mapping"), "dataset_args": ((Mapping,), "a mapping"),
}


def _field_problem(request: Any) -> str | None:
    """The first field of a request (a RunRequest or a dict of its fields) of the wrong type, said for a user."""
    values = request if isinstance(request, Mapping) else {name: getattr(request, name) for name in _FIELD_TYPES}
    for name, (types, what) in _FIELD_TYPES.items():
        if name not in values:
            continue
        value = values[name]
        wrong = not isinstance(value, types) or (isinstance(value, bool) and bool not in types)
        if name == "metrics" and not wrong and value is not None:
            wrong = not all(isinstance(m, str) for m in value)
        if name == "label_map" and not wrong and value is not None:
            wrong = not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
        if wrong:
            return f"{name} must be {what}, not {_shown(value)}"
    return None


def _shown(value: Any) -> str:
    """A wrong value as an error quotes it: short builtins as written, anything else by its type
    (a model object's repr is pages long)."""
    if type(value).__module__ != "builtins":
        return f"a {objects.type_name(value)} object"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass
class Plan:
    """A request checked against the registry and the machine; nothing built yet.

    ``model_object`` / ``dataset_object``: a built object to evaluate instead of
    building the entry; ``model`` / ``dataset`` is then the entry it was built
    from, or None when no entry built it.
    """

    request: RunRequest
    model: ModelSpec | None
    dataset: DatasetSpec | None
    task: TaskSpec
    metrics: list[MetricSpec]
    split: str
    device: str
    dtype: Any
    world: World
    model_object: Any = None
    dataset_object: Any = None

    @property
    def model_label(self) -> str:
        """How messages name the model: ``model plugin:name`` or ``model object package.Class``."""
        return f"model {self.model.id}" if self.model else f"model object {objects.type_name(self.model_object)}"

    @property
    def dataset_label(self) -> str:
        return f"dataset {self.dataset.id}" if self.dataset else f"dataset object {objects.type_name(self.dataset_object)}"


def plan(request: RunRequest, registry: Registry, *, model_object: Any = None, dataset_object: Any = None) -> Plan:
    """Check a request; ``model_object`` / ``dataset_object`` are built objects given instead of
    names (checked by :mod:`zoo.engine.objects`, which also fills the request from them)."""
    if request.on_error not in ON_ERROR:
        raise UsageError(f"--on-error must be one of {', '.join(ON_ERROR)}, not {request.on_error!r}")
    if request.batch_size < 1:
        raise UsageError(f"--batch-size must be at least 1, not {request.batch_size}")
    if request.limit is not None and request.limit < 1:
        raise UsageError(f"--limit must be at least 1, not {request.limit}")
    if request.num_workers is not None and request.num_workers < 0:
        raise UsageError(f"--num-workers must be 0 or more, not {request.num_workers}")
    for option, arguments, reserved in (("--model-arg", request.model_args, ("registry", "progress")),
                                        ("--dataset-arg", request.dataset_args, ("split", "registry", "progress"))):
        taken = sorted(set(arguments) & set(reserved))
        if taken:
            raise UsageError(f"{option} {taken[0]}: that name is zoo's own, not a builder argument "
                             f"({', '.join(reserved)} are taken)")
    for option, value in (("--dataset", request.dataset), ("--split", request.split)):
        if value is not None and not value.strip():
            raise UsageError(f"{option} needs a name, not an empty string")
    if model_object is not None:
        origin = objects.built_from(model_object, ModelSpec)
        model = origin.spec if origin else None
        model_task, model_label = model_object.task, objects.describe(model_object, "model")
    elif request.model is None:
        raise UsageError("run request: name a model")
    else:
        model = registry.get(request.model, "model")
        model_task, model_label = model.task, f"model {model.id}"
    if dataset_object is not None:
        origin = objects.built_from(dataset_object, DatasetSpec)
        dataset = origin.spec if origin else None
        dataset_task, dataset_label = dataset_object.task, objects.describe(dataset_object, "dataset")
    else:
        dataset_name = request.dataset or (model.default_dataset if model else None)
        if dataset_name is None:
            raise UsageError(f"{model_label} names no default dataset: pass --dataset NAME "
                             f"(see `zoo list datasets --task {model_task}`)")
        dataset = registry.get(dataset_name, "dataset")
        dataset_task, dataset_label = dataset.task, f"dataset {dataset.id}"
    if dataset_task != model_task:
        raise UsageError(f"{model_label} is for task {model_task!r} but {dataset_label} is for {dataset_task!r}; "
                         f"see `zoo list datasets --task {model_task}`")
    task = task_for(registry, model_task, model_label, from_registry=model is not None)
    metric_names = request.metrics or task.default_metrics
    metrics = []
    for name in metric_names:
        try:
            # The model's own plugin's metric of that name first, then the task owner's.
            metrics.append(registry.metric(name, task.name, prefer=(model.plugin,) if model is not None else ()))
        except ZooError:
            known = ", ".join(sorted({m.name for m in registry.filter("metric", task=task.name)}))
            raise UsageError(f"unknown metric {name!r} for task {task.name!r}; known: {known}") from None
    if request.label_map and task.target != "class":
        raise UsageError(f"--label-map maps class labels; task {task.name!r} has transcripts, not classes")
    if request.channels_last and task.input != "image":
        raise UsageError(f"--channels-last is a memory format for image batches; task {task.name!r} "
                         f"takes {task.input}")
    if dataset_object is not None:
        split = dataset_object.split
    else:
        split = request.split or dataset.split_or_default
    if dataset_object is None and split not in dataset.splits:
        raise UsageError(f"dataset {dataset.id} has no split {split!r}; its splits are {', '.join(dataset.splits)}")
    if model is not None and model_object is None:
        from zoo import api

        api.require_weights(model, request.model_args, name=request.model)  # before torch is imported
    device = devices.resolve_device(request.device)
    dtype = devices.resolve_dtype(request.dtype)
    world = current_world(device)
    if world.size > 1 and device.startswith("cuda"):
        device = f"cuda:{world.local_rank}"
    return Plan(request, model, dataset, task, metrics, split, device, dtype, world, model_object, dataset_object)
