"""A run answered from the results store, when the same request on the same weights and data is there.

Three things must match a stored ``ok`` record, each found without evaluating anything:

* the request: :func:`zoo.store.request_key` of the plan's recorded request (model and
  dataset ids, split, limit, dtype, metrics, label map, builder arguments, seed...);
* the weights: the catalogue's pinned sha256 when the entry pins one and no
  ``--model-arg`` is given (zoo checks every pinned file before a builder reads it);
  otherwise the model is built (not run) and asked for its ``weights_sha256``;
* the data: the dataset split is built and its ``fingerprint`` read (cheap next to
  evaluating it: building reads and hashes the data, but decodes no sample).

A model or a dataset that cannot say what it is (no sha256, no fingerprint) is always run;
so is a request whose builder or builder arguments in the catalogue changed since the stored
run (a catalogue edit to the preprocessing, say). What was built for the lookup is handed on
to the run, so nothing is built twice.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zoo import api
from zoo.engine import objects
from zoo.engine.evaluate import _seed, recorded_request, run
from zoo.engine.planning import Plan
from zoo.printable import strict_json
from zoo.registry import Registry

__all__ = ["Lookup", "evaluate_or_answer", "look_up", "same_entries"]


@dataclass
class Lookup:
    """What a lookup found (``stored``: the record answering the request, or None) and what it built
    to find out (handed on to the run); ``why_not`` says why a request could not be answered at all."""

    stored: Any = None  # a zoo.store.StoredRecord
    dataset: Any = None
    model: Any = None
    build_seconds: float = 0.0
    why_not: str | None = None


def look_up(p: Plan, registry: Registry, store: Any, *, progress: bool = False) -> Lookup:
    """Find the stored record that answers plan ``p`` in ``store`` (a :class:`zoo.store.ResultsStore`)."""
    if p.model is None or p.dataset is None or p.model_object is not None or p.dataset_object is not None:
        return Lookup(why_not="an object was given instead of a catalogue entry")
    if p.world.size > 1:
        return Lookup(why_not="a distributed run (every rank must run)")
    request = recorded_request(p)
    if not _plain(request):
        return Lookup(why_not="a builder argument is a Python object")
    started = time.perf_counter()
    _seed(p.request.seed)  # as the run would, before it builds anything (a model's random init included)
    dataset = api.build_dataset(p.dataset, split=p.split, registry=registry, progress=progress,
                                **p.request.dataset_args)
    fingerprint = getattr(dataset, "fingerprint", None)
    model = None
    pin = p.model.weights.sha256 if p.model.weights is not None else None
    if pin is not None and not p.request.model_args:
        weights = pin
    else:
        model = api.build_model(p.model, registry=registry, progress=progress, **p.request.model_args)
        weights = getattr(model, "weights_sha256", None)
    built = Lookup(dataset=dataset, model=model, build_seconds=time.perf_counter() - started)
    if fingerprint is None or weights is None:
        built.why_not = "the dataset has no fingerprint" if fingerprint is None else "the model reports no weights sha256"
        return built
    found = store.find(request, weights_sha256=weights, fingerprint=fingerprint)
    if found is not None and same_entries(found.record, p):
        built.stored = found
    return built


def evaluate_or_answer(p: Plan, registry: Registry, store: Any, *, rerun: bool = False, progress: bool = False,
                       save_predictions: Any = None) -> tuple[dict[str, Any], Any]:
    """The record of plan ``p``: the stored one that answers it (and the :class:`zoo.store.StoredRecord`),
    or a fresh run's (and None). ``rerun``, ``save_predictions`` (which needs the samples) or no
    ``store`` always run. Adds nothing to the store: the caller does, once it has shown the results."""
    if store is None or rerun or save_predictions is not None:
        return run(p, registry, save_predictions=save_predictions, progress=progress), None
    found = look_up(p, registry, store, progress=progress)
    if found.stored is not None:
        return found.stored.record, found.stored
    record = run(p, registry, dataset=found.dataset, model=found.model, progress=progress)
    if found.build_seconds and isinstance(record.get("run"), dict):  # what the lookup built counts as building
        record["run"]["build_seconds"] = round(record["run"]["build_seconds"] + found.build_seconds, 3)
    return record, None


def _plain(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


def _canonical(value: Any) -> str:
    return json.dumps(strict_json(value), sort_keys=True, default=str)


def same_entries(stored: Mapping[str, Any], p: Plan) -> bool:
    """Whether the stored run built the model and dataset as this plan will: same builder, same arguments."""
    model, dataset = stored.get("model") or {}, stored.get("dataset") or {}
    now_model = objects.recordable({**p.model.args, **p.request.model_args})  # type: ignore[union-attr]
    now_dataset = objects.recordable({**p.dataset.args, **p.request.dataset_args})  # type: ignore[union-attr]
    return (model.get("builder") == p.model.builder  # type: ignore[union-attr]
            and _canonical(model.get("args")) == _canonical(now_model)
            and _canonical(dataset.get("args")) == _canonical(now_dataset))


_same_entries = same_entries  # the name zoo.sweep first imported
