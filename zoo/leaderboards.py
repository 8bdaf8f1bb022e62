"""Leaderboards: models ranked by a metric against a cost, from the catalogue and the results store.

Each model of a task gets one row per dataset: its *reported* value (the catalogue's, published or
``zoo run`` on the maintainers' machine) and its *reproduced* value (the newest ``ok`` run record in
the results store) side by side, and the costs measured here (``zoo bench`` records; else the run's
own samples/s; parameters from the records or the catalogue). A row is *Pareto-optimal* when no
other row of its dataset is at least as good on the metric and at least as cheap, and better on one.

Standard library only: ``zoo leaderboard`` never imports torch. Charts are :mod:`zoo.charts`.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from zoo.errors import UsageError, ZooError
from zoo.registry import Registry

__all__ = ["COSTS", "SOURCES", "Cost", "NothingToRank", "cost_text", "leaderboard", "missing_cost_advice",
           "pareto_flags", "to_csv", "whole_split"]

SOURCES: Final = ("all", "reproduced", "reported")
"""Which values rank a model: ``all`` (the reproduced value when there is one, else the reported one)."""


@dataclass(frozen=True)
class Cost:
    """A figure a leaderboard plots a metric against: its name, unit and which way is cheaper."""

    name: str
    label: str  # an axis label, with its unit
    lower_is_better: bool
    how: str  # how to measure it when a model lacks it


COSTS: Final = {
    "params": Cost("params", "parameters (count)", True, "`zoo bench {name}` counts them"),
    "throughput": Cost("throughput", "throughput (samples/s, best batch size)", False,
                       "`zoo bench {name}` measures it"),
    "latency": Cost("latency", "latency at batch 1 (ms, median)", True, "`zoo bench {name}` measures it"),
    "flops": Cost("flops", "FLOPs per sample", True, "`zoo bench {name}` counts them"),
    "memory": Cost("memory", "peak memory (bytes)", True, "`zoo bench {name}` measures it"),
}
"""The costs ``--x`` takes."""


class NothingToRank(ZooError):
    """No model has a value to rank (the message says what to run); exit status 1."""

    exit_code = 1


def leaderboard(*, task: str | None = None, dataset: str | None = None, metric: str | None = None,
                x: str = "params", source: str = "all", license: str | None = None, top: int | None = None,
                results: Any = None, registry: Registry) -> dict[str, Any]:
    """Rank models by ``metric`` against the cost ``x``; plain data (what ``zoo leaderboard --json`` prints).

    Each dataset is ranked on its own (``rank`` counts within it; ``top`` keeps the first N of each).
    Returns ``{"task", "metric", "higher_is_better", "x", "x_label", "x_lower_is_better", "source",
    "datasets", "rows", "missing_cost", "missing_cost_advice"}``. Each row: ``rank``, ``model`` (id),
    ``name``, ``dataset``, ``reported`` and ``reproduced`` (values or None), ``value`` and ``value_source`` (what ranks it),
    ``reported_source`` (where the reported value comes from), ``record`` (the store's record id of the
    reproduced value), ``params``, ``throughput``, ``latency_ms``, ``flops``, ``memory_bytes``,
    ``cost`` (the ``x`` figure), ``cost_from`` (``bench``, ``run`` or ``catalogue``), ``license``
    and ``pareto``. ``missing_cost``: ids of the models shown that lack the ``x`` figure (never on the
    front); ``missing_cost_advice``: how to measure it (see :func:`missing_cost_advice`).
    """
    if x not in COSTS:
        raise UsageError(f"--x {x!r}: choose one of {', '.join(COSTS)}")
    if source not in SOURCES:
        raise UsageError(f"--source {source!r}: choose one of {', '.join(SOURCES)}")
    if top is not None and top < 1:
        raise UsageError(f"--top must be at least 1, not {top}")
    dataset_names = _dataset_names(dataset, registry)
    task = _task(task, dataset, registry)
    metric_spec = _metric(metric, task, registry)
    metric_name = metric_spec.name
    specs = {spec.id: spec for spec in registry.filter("model", task=task, license=license)
             if not getattr(spec, "template", False)}

    rows: dict[tuple[str, str], dict[str, Any]] = {}

    def row_of(model_id: str, data: str) -> dict[str, Any]:
        spec = specs.get(model_id)
        return rows.setdefault((model_id, data), {
            "model": model_id, "name": model_id.rpartition(":")[2], "dataset": data, "reported": None,
            "reported_source": None, "reproduced": None, "record": None,
            "license": None, "params": None, "params_from": "catalogue", "spec": spec,
        })

    if source in ("all", "reported"):
        for spec in specs.values():
            for name, value, data in spec.reported_values():
                short = _short(data)
                if name == metric_name and (dataset_names is None or short in dataset_names):
                    row = row_of(spec.id, short)
                    if row["reported"] is None:  # an entry's first value of a dataset is its headline
                        row["reported"], row["reported_dataset"] = value, data
    stored_runs, benches = _stored(results, task)
    measured: dict[str, tuple[float | None, int | None]] = {}  # samples/s and parameters of a model's newest run
    for stored in stored_runs:
        if stored.model is not None:
            measured.setdefault(stored.model, (stored.samples_per_second, stored.parameters))
    if source in ("all", "reproduced"):
        for stored in stored_runs:  # newest first: the first of each model and dataset wins
            if stored.model is None or (license is not None and stored.model not in specs):
                continue
            short = _short(stored.dataset or "")
            value = stored.metrics.get(metric_name)
            if value is None or (dataset_names is not None and short not in dataset_names):
                continue
            row = row_of(stored.model, short)
            if row["reproduced"] is None:
                row["reproduced"], row["record"] = value, stored.id
    if not rows:
        raise NothingToRank(_nothing_message(task, metric_name, dataset, source, license))

    for row in rows.values():
        speed, params = measured.get(row["model"], (None, None))
        if params is not None:
            row["params"], row["params_from"] = params, "run"
        elif row["spec"] is not None:
            row["params"] = row["spec"].params
        row["run_samples_per_second"] = speed
        _add_costs(row, benches.get(row["model"]), x)
    ranked = _ranked(list(rows.values()), source, metric_spec.higher_is_better)
    cost = COSTS[x]
    for data in dict.fromkeys(row["dataset"] for row in ranked):
        group = [row for row in ranked if row["dataset"] == data]
        flags = pareto_flags([(row["value"], row["cost"]) for row in group],
                             higher_is_better=metric_spec.higher_is_better, lower_cost_is_better=cost.lower_is_better)
        for row, flag in zip(group, flags):
            row["pareto"] = flag
    missing = [row["model"] for row in ranked if row["cost"] is None]
    if len(missing) == len(ranked):
        raise UsageError(_no_cost_message(cost, missing, benched=set(benches)))
    for data in dict.fromkeys(row["dataset"] for row in ranked):
        for position, row in enumerate((row for row in ranked if row["dataset"] == data), 1):
            row["rank"] = position
    shown = [row for row in ranked if top is None or row["rank"] <= top]
    for row in shown:  # read for the rows shown only: a big catalogue's licences stay in their column
        row["license"] = getattr(row["spec"], "license", None)
        if row["reported"] is not None and row["spec"] is not None:
            row["reported_source"] = _reported_source(row["spec"], metric_name, row["reported_dataset"])
    lacking = list(dict.fromkeys(row["model"] for row in shown if row["cost"] is None))
    return {"task": task, "metric": metric_name, "higher_is_better": metric_spec.higher_is_better,
            "x": x, "x_label": cost.label, "x_lower_is_better": cost.lower_is_better, "source": source,
            "datasets": list(dict.fromkeys(row["dataset"] for row in shown)),
            "rows": [{key: row.get(key) for key in ROW_FIELDS} for row in shown],
            "missing_cost": lacking, "missing_cost_advice": missing_cost_advice(x, lacking, set(benches))}


ROW_FIELDS: Final = ("rank", "model", "name", "dataset", "value", "value_source", "reproduced", "reported",
                     "reported_source", "record", "cost", "cost_from", "pareto", "params", "throughput",
                     "latency_ms", "flops", "memory_bytes", "license", "measured_on")
"""The fields of a leaderboard row, in the order CSV columns take."""


def pareto_flags(points: Sequence[tuple[float, float | None]], *, higher_is_better: bool = True,
                 lower_cost_is_better: bool = True) -> list[bool]:
    """For each ``(value, cost)``, whether no other point is at least as good and as cheap, and
    strictly better on one. A point without a cost is never on the front."""
    sign_value = 1.0 if higher_is_better else -1.0
    sign_cost = 1.0 if lower_cost_is_better else -1.0
    flags = [False] * len(points)
    # Cheapest first: a point is on the front when it is the best of its cost and better than every
    # cheaper point (n log n, for a catalogue of 100,000).
    costed = sorted((sign_cost * cost, index) for index, (_, cost) in enumerate(points) if cost is not None)
    best_cheaper = -math.inf
    start = 0
    while start < len(costed):
        end = start
        while end < len(costed) and costed[end][0] == costed[start][0]:
            end += 1
        group = [index for _, index in costed[start:end]]
        best = max(sign_value * points[index][0] for index in group)
        if best > best_cheaper:
            for index in group:
                flags[index] = sign_value * points[index][0] == best
        best_cheaper = max(best_cheaper, best)
        start = end
    return flags


def cost_text(x: str, value: Any) -> str:
    """A cost figure as ``zoo leaderboard``'s table and the web pages print it: ``952.4/s``, ``1.05 ms``,
    ``5.2 MB``, ``712.2K`` parameters, ``1.3G`` FLOPs; ``-`` when there is none."""
    from zoo.cli.render import format_bytes, format_count

    if value is None:
        return "-"
    if x == "throughput":
        return f"{value:.4g}/s"
    if x == "latency":
        return f"{value:.3g} ms"
    if x == "memory":
        return format_bytes(int(value))  # as zoo bench shows the same figure
    if x == "flops":
        return format_count(int(value)).replace("B", "G")
    return format_count(int(value))


def to_csv(board: Mapping[str, Any]) -> str:
    """A leaderboard's rows as CSV text, one column per row field."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(ROW_FIELDS)
    writer.writerows([["" if row[key] is None else row[key] for key in ROW_FIELDS] for row in board["rows"]])
    return buffer.getvalue()


# -- what the registry and the store say -------------------------------------------------------------


def _short(name: str) -> str:
    return name.rpartition(":")[2]


def _dataset_names(dataset: str | None, registry: Registry) -> set[str] | None:
    if dataset is None:
        return None
    found = registry.named("dataset", _short(dataset))
    return {spec.name for spec in found} or {_short(dataset)}


def _task(task: str | None, dataset: str | None, registry: Registry) -> str:
    known = [spec.name for spec in registry.tasks]
    if task is not None:
        if task not in known:
            raise UsageError(f"--task {task!r} is not a task; known tasks: {', '.join(known) or 'none'}")
        return task
    if dataset is not None:
        tasks = sorted({spec.task for spec in registry.named("dataset", _short(dataset))})  # type: ignore[attr-defined]
        if len(tasks) == 1:
            return tasks[0]
    tasks = sorted(known)
    if len(tasks) == 1:
        return tasks[0]
    raise UsageError(f"a leaderboard ranks the models of one task: add --task (one of {', '.join(tasks) or 'none'})"
                     " or --dataset")


def _metric(metric: str | None, task: str, registry: Registry) -> Any:
    if metric is None:
        defaults = next((spec.default_metrics for spec in registry.tasks if spec.name == task), ())
        if not defaults:
            raise UsageError(f"task {task!r} has no default metric: add --metric")
        metric = defaults[0]
    try:
        return registry.metric(metric, task)
    except ZooError:
        known = sorted({spec.name for spec in registry.all("metric") if task in spec.tasks})  # type: ignore[attr-defined]
        raise UsageError(f"--metric {metric!r} is not a metric of task {task!r}; use one of "
                         f"{', '.join(known) or 'none'}") from None


def _reported_source(spec: Any, metric: str, dataset: str) -> str | None:
    """Where a reported value comes from: a URL for published numbers, ``zoo run`` for reproduced ones.
    Read from the whole entry, so only for the rows a leaderboard shows."""
    return next((reported.source for reported in spec.reported
                 if reported.metric == metric and reported.dataset == dataset), None)


def _stored(results: Any, task: str) -> tuple[list[Any], dict[str, dict[str, Any]]]:
    """The store's ``ok`` run records of ``task`` (newest first) and each model's newest bench section."""
    import os

    from zoo.store import ResultsStore, default_results_path

    path = default_results_path() if results is None else os.fspath(results)
    if not os.path.exists(path):
        return [], {}
    with ResultsStore.open(path) as store:
        # A run of part of a split (--limit) reproduces no published number: only whole splits rank.
        runs = [stored for stored in store.query(task=task, kind="run", status="ok") if whole_split(stored.record)]
        benches: dict[str, dict[str, Any]] = {}
        for stored in store.query(kind="bench", status="ok"):
            section = stored.record.get("bench")
            if stored.model and isinstance(section, Mapping):
                benches.setdefault(stored.model, dict(section))
    return runs, benches


def whole_split(record: Mapping[str, Any]) -> bool:
    """Whether a run evaluated its whole split: no ``--limit`` cut it short."""
    dataset = record.get("dataset") if isinstance(record.get("dataset"), Mapping) else {}
    request = record.get("request") if isinstance(record.get("request"), Mapping) else {}
    return dataset.get("limit") is None and request.get("limit") is None


def _add_costs(row: dict[str, Any], bench: Mapping[str, Any] | None, x: str) -> None:
    """The row's cost figures, each from the best place that has it: a ``zoo bench`` record of the model,
    else its run record (samples/s over the whole evaluation, parameters), else the catalogue (parameters)."""
    if not bench and row.get("run_samples_per_second") is None:  # most rows of a big catalogue: nothing measured
        row.pop("run_samples_per_second", None)
        row["throughput"] = row["latency_ms"] = row["flops"] = row["memory_bytes"] = None
        row["params"] = row["params"] if _number(row["params"]) else None
        row["cost"] = row[x] if x == "params" else None
        row["cost_from"] = row["params_from"] if row["cost"] is not None else None
        return
    bench = bench or {}
    by_batch = bench.get("by_batch_size") if isinstance(bench.get("by_batch_size"), Mapping) else {}
    speeds = [one.get("samples_per_second") for one in by_batch.values() if isinstance(one, Mapping)]
    speeds = [speed for speed in speeds if _number(speed)]
    batch_one = by_batch.get("1") if isinstance(by_batch.get("1"), Mapping) else {}
    run_speed = row.pop("run_samples_per_second", None)
    figures = {
        "throughput": (max(speeds), "bench") if speeds else (run_speed, "run"),
        "latency_ms": (batch_one.get("latency_ms_median"), "bench"),
        "flops": (bench.get("flops_per_sample"), "bench"),
        "memory_bytes": (bench.get("peak_memory_bytes"), "bench"),
        "params": (bench["params"], "bench") if _number(bench.get("params")) else (row["params"], row["params_from"]),
    }
    for key, (value, _) in figures.items():
        row[key] = value if _number(value) else None
    key = {"params": "params", "throughput": "throughput", "latency": "latency_ms", "flops": "flops",
           "memory": "memory_bytes"}[x]
    row["cost"] = row[key]
    row["cost_from"] = figures[key][1] if row["cost"] is not None else None
    # Where a measured cost was measured (a chart says so: costs are this hardware's, not universal).
    # A parameter count is no machine's, even when zoo bench counted it.
    measured = row["cost_from"] == "bench" and x != "params"
    row["measured_on"] = (bench.get("device_name") or bench.get("device")) if measured else None


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _ranked(rows: list[dict[str, Any]], source: str, higher_is_better: bool) -> list[dict[str, Any]]:
    for row in rows:
        if source == "reported" or (source == "all" and row["reproduced"] is None):
            row["value"], row["value_source"] = row["reported"], "reported"
        else:
            row["value"], row["value_source"] = row["reproduced"], "reproduced"
    # Each dataset is a leaderboard of its own: the dataset with most rows first, then best first within one.
    sizes: dict[str, int] = {}
    for row in rows:
        sizes[row["dataset"]] = sizes.get(row["dataset"], 0) + 1
    sign = -1.0 if higher_is_better else 1.0
    return sorted(rows, key=lambda row: (-sizes[row["dataset"]], row["dataset"], sign * row["value"], row["model"]))


def _nothing_message(task: str, metric: str, dataset: str | None, source: str, license: str | None) -> str:
    where = f" on {dataset}" if dataset else ""
    which = {"all": "reports or has a stored run of", "reproduced": "has a stored run of",
             "reported": "reports"}[source]
    under = f" under licence {license}" if license else ""
    run = f"`zoo run MODEL --dataset {dataset}`" if dataset else "`zoo run MODEL`"
    return (f"no model of task {task!r}{under} {which} {metric}{where}: {run} measures one and keeps it in the "
            f"results store (`zoo list --task {task}` shows the models)")


def _no_cost_message(cost: Cost, models: Iterable[str], *, benched: set[str]) -> str:
    figure = cost.label.split(" (")[0]
    return f"--x {cost.name}: no ranked model has a {figure} figure; {missing_cost_advice(cost.name, models, benched)}"


def missing_cost_advice(x: str, models: Iterable[str], benched: set[str] | frozenset[str] = frozenset()) -> str:
    """Which models lack the ``x`` figure, and how to measure it: ``zoo bench`` for those never benched;
    for those benched, that their bench records have none (a model that is not a torch module has no
    parameter or FLOP count)."""
    cost = COSTS[x]
    never = list(dict.fromkeys(_short(model) for model in models if model not in benched))
    again = list(dict.fromkeys(_short(model) for model in models if model in benched))
    parts = []
    if never:
        shown = ", ".join(never[:8]) + (f" and {len(never) - 8} more" if len(never) > 8 else "")
        parts.append(f"{shown}: {cost.how.format(name=' '.join(never[:8]))}")
    if again:
        parts.append(f"{', '.join(again[:8])}: benched, but the bench records give no {x} figure "
                     "(zoo bench counts parameters and FLOPs of torch models only)")
    return "; ".join(parts)
