"""``zoo.evaluate``: one evaluation loop for every task.

A checked :class:`~zoo.engine.planning.Plan` (nothing built yet) becomes a
run: output paths are checked, the dataset and the model are built, labels
matched by name, and batches stream through ``model.forward`` under
``torch.inference_mode()`` into streaming metrics.
"""

from __future__ import annotations

import os
import random
import sys
import time
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from zoo import api
from zoo.engine import data, devices, labels, objects, record
from zoo.engine.planning import Plan, RunRequest, plan
from zoo.engine.outputs import checked_outputs
from zoo.engine.predictions import PredictionWriter
from zoo.engine.replay import ReplaySource
from zoo.errors import UsageError, ZooError
from zoo.registry import Registry

__all__ = ["EvaluationInterrupted", "compare", "evaluate", "evaluate_many", "failed_record", "plan_named", "recorded_request",
           "run"]


class EvaluationInterrupted(ZooError):
    """Ctrl-C during a run: what was done is reported, no record is written."""

    exit_code = 130


def _seed(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _num_workers(requested: int | None, batches: int, device: str) -> int:
    if requested is not None:
        return requested
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if batches <= 2:
        return 0  # nothing to overlap
    if device == "cpu":
        # On the CPU the forward pass already uses every core; a worker only
        # pays off when there are cores to spare for preprocessing.
        return 0 if cores <= 4 else min(4, cores // 4)
    return min(8, max(1, cores // 2))


def _count_parameters(model: Any) -> int | None:
    counter = getattr(model, "num_parameters", None)
    return counter() if callable(counter) else None


def _progress(total: int, enabled: bool, description: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, unit="sample", desc=description, disable=not enabled, file=sys.stderr,
                dynamic_ncols=True, leave=False)


def _is_oom(error: BaseException) -> bool:
    import torch

    return isinstance(error, torch.cuda.OutOfMemoryError)


def _loop(p: Plan, dataset: Any, model: Any, target_map: list[int] | None, indices: list[int], batch_size: int,
          save_predictions: Any, progress: bool, registry: Registry, how: devices.Execution,
          scored: list[int] | None = None) -> dict[str, Any]:
    """One pass over the samples; returns metric objects and counts.

    ``scored``: for a dataset with a partial label space, the model classes it is scored on, one per
    dataset class: the model's outputs are cut to those columns and targets stay the dataset's own."""
    import torch

    by_length = bool(getattr(model, "bucket_by_length", False))
    batches = data.batch_order(dataset, indices, batch_size, by_length=by_length)
    workers = _num_workers(p.request.num_workers, len(batches), p.device)
    cuda = p.device.startswith("cuda")
    targets_to = list(range(len(scored))) if scored else target_map  # scored: the dataset's own class indices
    loader = data.make_loader(dataset, model, batches, targets_to, num_workers=workers, pin_memory=cuda)
    scored_labels = [model.labels[index] for index in scored] if scored else model.labels
    columns = torch.tensor(scored, dtype=torch.long, device=p.device) if scored else None
    metrics = {spec.name: api.build_metric(spec, task=p.task.name, labels=scored_labels, registry=registry).to(p.device)
               for spec in p.metrics}
    failures: list[data.Failure] = []
    stats: dict[str, int] = {}
    done = 0
    bar = _progress(len(indices), progress and p.world.is_main,
                    p.model.name if p.model else type(p.model_object).__name__)
    started = time.perf_counter()
    predictions = PredictionWriter(None, None)  # nothing staged yet: closing it is a no-op
    try:
        # Staged inside the try: a Ctrl-C or SIGTERM at any moment after this removes the staging file.
        predictions = PredictionWriter(save_predictions, scored_labels, getattr(model, "score_kind", "logits"))
        with torch.inference_mode():
            for batch in loader:
                failures += batch.failures
                if batch.failures and p.request.on_error == "fail":
                    first = batch.failures[0]
                    where = p.dataset.id if p.dataset else p.dataset_label
                    raise UsageError(f"sample {first.sample_id} of {where} [{p.split}]: {first.reason} "
                                     "(pass --on-error skip to skip and count such samples)")
                for key, value in batch.stats.items():
                    stats[key] = stats.get(key, 0) + value
                if len(batch):
                    with how.forward_context():  # autocast for bfloat16 / float16
                        outputs = model.forward(how.inputs(batch.inputs, non_blocking=cuda))
                    targets = devices.move(batch.targets, p.device, None, non_blocking=cuda)
                    outputs = checked_outputs(outputs, len(batch), model.labels, p.task, p.model_label)
                    if columns is not None:
                        outputs = outputs.index_select(1, columns)
                    for metric in metrics.values():
                        metric.update(outputs, targets)
                    predictions.write(batch, outputs)
                done += len(batch)
                bar.update(len(batch) + len(batch.failures))
    except KeyboardInterrupt:
        predictions.close(keep=False)
        bar.close()
        partial = _compute(metrics) if done else {}
        shown = ", ".join(f"{k} {v:.4f}" for k, v in partial.items()) or "no metrics yet"
        raise EvaluationInterrupted(f"interrupted after {done} of {len(indices)} samples ({shown}); "
                                    "no record was written") from None
    except BaseException:
        predictions.close(keep=False)
        bar.close()
        raise
    elapsed = time.perf_counter() - started
    bar.close()
    predictions.close(keep=True)
    return {"metrics": metrics, "failures": failures, "done": done, "seconds": elapsed, "workers": workers,
            "stats": stats}


def _compute(metrics: Mapping[str, Any]) -> dict[str, float]:
    return {name: float(metric.compute()) for name, metric in metrics.items()}


def _build(p: Plan, registry: Registry, dataset: Any = None, model: Any = None, *,
           progress: bool = False) -> tuple[Any, Any]:
    """The dataset and model to evaluate: the objects given, or built from their entries."""
    if dataset is None:
        dataset = p.dataset_object
    if dataset is None:
        dataset = api.build_dataset(p.dataset, split=p.split, registry=registry, progress=progress,
                                    **p.request.dataset_args)
    if model is None:
        model = p.model_object
    if model is None:
        model = api.build_model(p.model, registry=registry, progress=progress, **p.request.model_args)
    return dataset, model


def run(p: Plan, registry: Registry, *, dataset: Any = None, save_predictions: Any = None,
        output: Any = None, progress: bool = False, replay: ReplaySource | None = None,
        model: Any = None) -> dict[str, Any]:
    """Carry out a checked plan: build, match labels, evaluate, and return (and write) the record.

    ``dataset`` / ``model``: the plan's entries already built (a comparison builds its dataset
    once; a lookup in the results store builds what identifies the request), used as they are.

    ``replay``: the recorded run this one repeats; its weights and data are compared with
    what was built before anything is evaluated (see :mod:`zoo.engine.replay`).
    """
    record.check_writable(output if p.world.is_main else None)
    record.check_writable(save_predictions)
    _seed(p.request.seed)
    started_at = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    build_started = time.perf_counter()
    dataset, model = _build(p, registry, dataset, model, progress=progress)
    replayed = None
    if replay is not None:
        replayed = replay.check({"model": {"id": p.model.id, "weights_sha256": getattr(model, "weights_sha256", None)},
                                 "dataset": {"fingerprint": getattr(dataset, "fingerprint", None)}})
    target_map = None
    if p.task.target == "class":
        target_map = labels.target_mapping(model.labels, dataset.labels, p.request.label_map,
                                           model=p.model_label, dataset=p.dataset_label)
    # A dataset of a subset of the model's classes that asks for it (ImageNet-R, -A) is scored on those
    # classes alone, as timm's validate.py --valid-labels does: the model's other outputs are dropped.
    scored = target_map if target_map is not None and getattr(dataset, "partial_label_space", False) else None
    how = devices.execution(model, device=p.device, dtype=p.request.dtype, image_input=p.task.input == "image",
                            channels_last=p.request.channels_last, compile=p.request.compile, name=p.model_label)
    restore = devices.prepare(model, how)
    build_seconds = time.perf_counter() - build_started
    total = len(dataset)
    indices = list(range(total if p.request.limit is None else min(p.request.limit, total)))
    shard = p.world.shard(indices)
    batch_size = p.request.batch_size
    try:
        while True:
            try:
                result = _loop(p, dataset, model, target_map, shard, batch_size, save_predictions, progress, registry,
                               how, scored)
                break
            except Exception as error:
                if not _is_oom(error) or batch_size == 1:
                    raise
                batch_size //= 2
                print(f"zoo: CUDA out of memory; retrying {p.model.id if p.model else p.model_label} with batch size {batch_size}", file=sys.stderr)
                import torch

                torch.cuda.empty_cache()
    finally:
        restore()  # a model object given to zoo.evaluate gets its own module back
    metrics = _compute(result["metrics"])  # torchmetrics merges states across ranks here
    gathered = p.world.gather({"failures": [asdict(f) for f in result["failures"]], "done": result["done"],
                               "seconds": result["seconds"], "stats": result["stats"]})
    failures = sorted((f for g in gathered for f in g["failures"]), key=lambda f: f["index"])
    evaluated = sum(g["done"] for g in gathered)
    seconds = max(g["seconds"] for g in gathered)
    stats: dict[str, int] = {}
    for g in gathered:
        for key, value in g["stats"].items():
            stats[key] = stats.get(key, 0) + value
    run = {
        "zoo_record": record.RECORD_VERSION,
        "status": "ok",
        "request": recorded_request(p),
        "task": p.task.name,
        "model": _model_section(p, model, registry),
        "dataset": _dataset_section(p, dataset, total, registry),
        "metrics": metrics,
        "reported": record.compare_reported(p.model, (p.dataset.id, p.dataset.name), p.split, metrics, p.request.limit)
                    if p.model and p.dataset else [],
        "samples": {"evaluated": evaluated, "skipped": len(failures), "skipped_samples": failures, **stats},
        "run": {
            "started_at": started_at, "device": p.device, "dtype": p.request.dtype, "autocast": how.autocast,
            "channels_last": how.channels_last, "compile": how.compile, "batch_size": batch_size,
            "batch_size_requested": p.request.batch_size, "num_workers": result["workers"],
            "seed": p.request.seed, "on_error": p.request.on_error, "world_size": p.world.size,
            "build_seconds": round(build_seconds, 3), "wall_seconds": round(seconds, 3),
            "samples_per_second": round(evaluated / seconds, 2) if seconds > 0 else None,
        },
        "versions": record.library_versions(),
    }
    not_replayable = objects.not_replayable(p.model_object, p.dataset_object)
    run["replayable"] = not not_replayable
    if not_replayable:
        run["not_replayable_because"] = not_replayable
    if replayed is not None:
        run["replay"] = replayed
    if output is not None and p.world.is_main:
        record.write_json(output, run)
    return run


def recorded_request(p: Plan) -> dict[str, Any]:
    """The ``request`` section of the plan's record, as the record will hold it: model and dataset
    as ids, the split chosen, builder arguments as JSON can hold them. Its
    :func:`zoo.store.request_key` is the key the results store finds the record by."""
    return {**asdict(p.request), "model": p.model.id if p.model else None,
            "dataset": p.dataset.id if p.dataset else None, "split": p.split,
            "model_args": objects.recordable(p.request.model_args),
            "dataset_args": objects.recordable(p.request.dataset_args)}


def _model_section(p: Plan, model: Any, registry: Registry) -> dict[str, Any]:
    """What was evaluated: the entry (when there is one), its weights, and the object's class,
    task and labels when an object was given instead of a name."""
    spec = p.model
    section = {
        "id": spec.id if spec else None, "plugin_version": _plugin_version(registry, spec.plugin) if spec else None,
        "builder": spec.builder if spec else None,
        "args": objects.recordable({**spec.args, **p.request.model_args}) if spec else None,
        "weights": asdict(spec.weights) if spec and spec.weights else None,
        "weights_sha256": getattr(model, "weights_sha256", None),
        # A template built with random_init: its numbers measure nothing (zoo.templates).
        "random_weights": bool(getattr(model, "random_weights", False)),
        "parameters": _count_parameters(model), "config": dict(getattr(model, "config", {}) or {}),
        "license": spec.license if spec else None,
    }
    if p.model_object is not None:
        section.update(_built_object(model))
    return section


def _built_object(built: Any) -> dict[str, Any]:
    """What a record says of an object given already built (no registry entry describes it)."""
    labels = getattr(built, "labels", None)
    return {"object": objects.type_name(built), "task": built.task, "labels": list(labels) if labels is not None else None}


def _dataset_section(p: Plan, dataset: Any, size: int, registry: Registry) -> dict[str, Any]:
    spec = p.dataset
    section = {
        "id": spec.id if spec else None, "plugin_version": _plugin_version(registry, spec.plugin) if spec else None,
        "split": p.split, "args": objects.recordable({**spec.args, **p.request.dataset_args}) if spec else None,
        "size": size, "limit": p.request.limit, "fingerprint": getattr(dataset, "fingerprint", None),
        "license": spec.license if spec else None,
    }
    if getattr(dataset, "partial_label_space", False):
        section["partial_label_space"] = True  # scored on its own classes alone
    if p.dataset_object is not None:
        section.update(_built_object(dataset))
    return section


def failed_record(p: Plan, error: BaseException) -> dict[str, Any]:
    """The record of a run that could not be carried out: its request (so ``--from`` can retry
    it), what it was, and why it failed; no metrics."""
    reason = str(error) if isinstance(error, ZooError) else f"{type(error).__name__}: {error}"
    return {
        "zoo_record": record.RECORD_VERSION,
        "status": "failed",
        "error": reason,
        "request": recorded_request(p),
        "task": p.task.name,
        "model": {"id": p.model.id, "builder": p.model.builder, "license": p.model.license},
        "dataset": {"id": p.dataset.id, "split": p.split},
        "metrics": {},
        "versions": record.library_versions(),
    }


def _plugin_version(registry: Registry, plugin: str) -> str | None:
    found = registry.plugin(plugin)
    return found.version if found else None


def _request(model: str | None, dataset: str | None, options: Mapping[str, Any]) -> RunRequest:
    fields = {k: v for k, v in options.items() if v is not None}
    known = {f.name for f in dataclasses.fields(RunRequest)} - {"model", "dataset"}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise UsageError(f"unknown run option {unknown[0]!r}; known: {', '.join(sorted(known))}")
    if isinstance(fields.get("metrics"), list):  # a bare string stays one, and is refused
        fields["metrics"] = tuple(fields["metrics"])
    return RunRequest(model=model, dataset=dataset, **fields)


def plan_named(model: str, dataset: str | None, registry: Registry, **options: Any) -> Plan:
    """The checked plan of evaluating catalogue entries by name, with ``options`` the fields of
    :class:`RunRequest` (None: the default), as :func:`evaluate` makes it; nothing is built."""
    return plan(_request(model, dataset, options), registry)


def evaluate(model: Any, dataset: Any = None, *, registry: Registry | None = None,
             save_predictions: str | os.PathLike[str] | None = None, output: str | os.PathLike[str] | None = None,
             progress: bool = False, **options: Any) -> dict[str, Any]:
    """Evaluate one model on one dataset split and return the run record.

    ``model`` and ``dataset`` are names, or built objects (what zoo.build_model
    and zoo.build_dataset return, or your own zoo.Model / zoo.Dataset); the
    record's ``replayable`` says whether ``zoo run --from`` can repeat the run.
    ``options`` are the fields of :class:`RunRequest`: split, metrics,
    batch_size, num_workers, device, dtype (bfloat16/float16: autocast),
    channels_last (None: on for image models), compile, limit, seed,
    on_error, label_map, model_args, dataset_args.
    """
    registry = registry if registry is not None else api.default_registry()
    model_name, model_object, options = objects.model_request(model, options, where="zoo.evaluate")
    dataset_name, dataset_object, options = objects.dataset_request(dataset, options, where="zoo.evaluate")
    checked = plan(_request(model_name, dataset_name, options), registry, model_object=model_object,
                   dataset_object=dataset_object)
    return run(checked, registry, save_predictions=save_predictions, output=output, progress=progress)


def evaluate_many(models: Sequence[str], dataset: str | None = None, *, registry: Registry | None = None,
                  progress: bool = False, **options: Any) -> list[dict[str, Any]]:
    """Evaluate several models on the same samples, one after another; one record each.

    A model that cannot be built or run does not stop the others: its record has
    ``status: "failed"`` and the ``error``, and the others are evaluated (see :func:`compare`).
    """
    registry = registry if registry is not None else api.default_registry()
    plans = [plan(_request(name, dataset, options), registry) for name in models]  # check all before building any
    return compare(plans, registry, progress=progress)


def compare(plans: Sequence[Plan], registry: Registry, *, progress: bool = False,
            replays: Sequence[ReplaySource | None] | None = None) -> list[dict[str, Any]]:
    """Carry out checked plans on the same samples, one after another; one record each.

    Requests that make no sense were refused when planned. What can only fail once
    tried (weights missing, a label mismatch, a model that raises) fails that model
    alone: its record says ``status: "failed"`` with the reason and the next model
    runs. Ctrl-C still stops everything.
    """
    samples = {(p.dataset.id, p.split) for p in plans}
    if len(samples) > 1:  # one table over different data would compare nothing
        defaults = ", ".join(f"{p.model.id} on {p.dataset.id} [{p.split}]" for p in plans)
        raise UsageError(f"models are compared on the same samples, but these would run on different data ({defaults}); "
                         "pass --dataset (and --split) to choose one")
    first = plans[0]
    dataset_built = api.build_dataset(first.dataset, split=first.split, registry=registry, progress=progress,
                                      **first.request.dataset_args)
    records = []
    for index, p in enumerate(plans):
        replay = replays[index] if replays else None
        try:
            records.append(run(p, registry, dataset=dataset_built, progress=progress, replay=replay))
        except EvaluationInterrupted:
            raise
        except Exception as error:  # noqa: BLE001 - one model's failure is its row in the table, not the end
            records.append(failed_record(p, error))
    return records
