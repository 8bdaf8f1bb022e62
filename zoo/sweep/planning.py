"""A sweep's plan: one job per (model, dataset, split), each checked, each looked up in the store.

Every job is planned by the engine (:func:`zoo.engine.plan_named`) before any runs: a wrong
name, metric or option stops the sweep before it starts. Pairs that cannot go together (a
model and a dataset of different tasks, a split a dataset lacks) are left out and said; if
nothing is left, that is the error. A job whose request the results store already holds
(status ok; the same builder and arguments; the pinned weights when the model pins them; the
same data, by the dataset's fingerprint) is ``stored``, and a sweep skips it: a sweep stopped half-way and started again runs only the
jobs it had not finished.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zoo.engine import objects
from zoo.engine.planning import Plan
from zoo.errors import UsageError, ZooError
from zoo.registry import Registry
from zoo.sweep.jobs import SweepJob, job_name, needed_registry

__all__ = ["PlannedJob", "SweepPlan", "plan_sweep"]


@dataclass
class PlannedJob:
    """A job and what this process knows of it: its checked ``plan``, its record's ``request``
    section (the store's key), and the ``stored`` record answering it (None: it must run)."""

    job: SweepJob
    plan: Plan
    request: dict[str, Any]
    stored: Any = None  # a zoo.store.StoredRecord

    @property
    def state(self) -> str:
        """``stored`` (the store holds its record: skipped) or ``to run``."""
        return "stored" if self.stored is not None else "to run"


@dataclass
class SweepPlan:
    """The jobs of a sweep, in order, and the pairs left out (each with why)."""

    jobs: list[PlannedJob]
    left_out: list[str] = field(default_factory=list)
    results: Path | None = None  # the results store the states were read from (None: no store)

    @property
    def to_run(self) -> list[PlannedJob]:
        """The jobs the store does not hold yet."""
        return [planned for planned in self.jobs if planned.stored is None]

    def rows(self) -> list[dict[str, Any]]:
        """One plain row per job: job, model, dataset, split, state (what ``--dry-run`` prints)."""
        return [{"job": p.job.name, "model": p.job.model, "dataset": p.job.dataset, "split": p.job.split,
                 "state": p.state} for p in self.jobs]


def plan_sweep(models: Sequence[str], datasets: Sequence[str] = (), splits: Sequence[str] = (), *,
               registry: Registry | None = None, results: str | Path | None = None, rerun: bool = False,
               check_device: bool = True, **options: Any) -> SweepPlan:
    """Plan one job per (model, dataset, split); nothing is built or run.

    ``models``: names or fnmatch patterns (``'resnet*'``), as ``zoo run`` takes them.
    ``datasets``: none means each model's default dataset. ``splits``: none means each
    dataset's default split. ``results``: the results store to look jobs up in (default
    ``$ZOO_RESULTS``, else the one in zoo's cache; ``ZOO_NO_STORE=1``: none); ``rerun``: run
    every job, stored or not. ``check_device``: check ``device`` on this machine (the local
    executor); a cluster's jobs check it where they run. ``options``: the run options of
    :func:`zoo.evaluate` (``limit``, ``batch_size``, ``device``, ``dtype``...).
    """
    from zoo import api
    from zoo.engine import plan_named, recorded_request

    registry = registry if registry is not None else api.default_registry()
    models, datasets, splits = ([names] if isinstance(names, str) else list(names)  # one name is a list of one
                                for names in (models, datasets, splits))
    if not models:
        raise UsageError("name the models to sweep: zoo sweep MODEL... --dataset DATASET (see `zoo list`)")
    names = api.expand_models(models, registry=registry)
    device = options.get("device")
    checked_options = options if check_device else {**options, "device": "cpu"}
    jobs: list[PlannedJob] = []
    left_out: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    for model in names:
        model_spec = registry.get(model, "model")
        for dataset in list(dict.fromkeys(datasets)) or [None]:
            if dataset is not None:
                dataset_spec = registry.get(dataset, "dataset")
                if dataset_spec.task != model_spec.task:
                    left_out.append(f"{model_spec.id} on {dataset_spec.id}: the model is for {model_spec.task!r}, "
                                    f"the dataset for {dataset_spec.task!r}")
                    continue
            for split in list(dict.fromkeys(splits)) or [None]:
                try:
                    checked = plan_named(model_spec.id, dataset, registry, split=split, **checked_options)
                except ZooError as error:
                    if split is None or "has no split" not in str(error):
                        raise
                    left_out.append(str(error))
                    continue
                key = (checked.model.id, checked.dataset.id, checked.split)  # type: ignore[union-attr]
                if key in seen:
                    continue
                seen.add(key)
                request = checked.request if check_device else dataclasses.replace(checked.request, device=device or "auto")
                job = SweepJob(name=job_name(*key), model=key[0], dataset=key[1], split=key[2], request=request,
                               registry=needed_registry(checked, registry))
                jobs.append(PlannedJob(job, dataclasses.replace(checked, request=request),
                                       recorded_request(dataclasses.replace(checked, request=request))))
    if not jobs:
        raise UsageError(f"no job to run: {'; '.join(left_out[:3])}" + (f" (and {len(left_out) - 3} more)"
                                                                        if len(left_out) > 3 else ""))
    _unique_names(jobs)
    path = store_path(results)
    if not rerun:
        _look_up(jobs, path, registry)
    return SweepPlan(jobs, left_out, path)


def _unique_names(jobs: list[PlannedJob]) -> None:
    """Two jobs whose names came out the same (ids differing only in characters a file name cannot
    hold) get ``-2``, ``-3``... so no output file is written twice."""
    counts: dict[str, int] = {}
    for index, planned in enumerate(jobs):
        name = planned.job.name
        counts[name] = counts.get(name, 0) + 1
        if counts[name] > 1:
            jobs[index].job = dataclasses.replace(planned.job, name=f"{name}-{counts[name]}")


def store_path(results: str | Path | None) -> Path | None:
    """The results store a sweep uses: ``results``, else ``$ZOO_RESULTS``, else zoo's cache's;
    None when ``ZOO_NO_STORE=1`` (and no ``results`` is given)."""
    from zoo.store import StoreSettings

    settings = StoreSettings.from_env(results=results)
    return settings.path if settings.enabled or results is not None else None


def _look_up(jobs: list[PlannedJob], path: Path | None, registry: Registry) -> None:
    """Mark the jobs the store at ``path`` holds (a store not created yet holds nothing).

    A stored record answers a job only on the same data: for each job the store has a record of,
    the dataset split is built once per sweep (not the model: that is the job's work) and its
    fingerprint must be the record's. Weights are the catalogue's pin where there is one; an
    unpinned entry is taken as its weights URI says (building every model here would cost the
    sweep its jobs' time).
    """
    from zoo import api
    from zoo.engine.stored import same_entries
    from zoo.store import ResultsStore

    if path is None or not path.exists():
        return
    fingerprints: dict[str, str | None] = {}
    with ResultsStore.open(path) as store:
        for planned in jobs:
            p = planned.plan
            pin = p.model.weights.sha256 if p.model and p.model.weights is not None and not p.request.model_args else None
            found = store.find(planned.request, weights_sha256=pin)
            if found is None or not same_entries(found.record, p):
                continue
            data = json.dumps([p.dataset.id, p.split, objects.recordable(p.request.dataset_args)],  # type: ignore[union-attr]
                              sort_keys=True, default=str)
            if data not in fingerprints:
                built = api.build_dataset(p.dataset, split=p.split, registry=registry, **p.request.dataset_args)
                fingerprints[data] = getattr(built, "fingerprint", None)
            if fingerprints[data] is None:
                continue  # data that cannot say what it is always runs, as with zoo run
            found = store.find(planned.request, weights_sha256=pin, fingerprint=fingerprints[data])
            if found is not None and same_entries(found.record, p):
                planned.stored = found
