"""The catalogue as plain data for the web pages, the static site and the JSON API.

Everything here is computed from the registry, :mod:`zoo.presence` (what runs here) and the
results store, with the functions the CLI uses (:func:`zoo.leaderboard`, :func:`zoo.results`,
:func:`zoo.reproduce.reproduce_commands`...), and returned as dicts of strings and numbers: no
HTML. Page paths are relative to the site root and the same in ``zoo serve`` and ``zoo site
build`` (``models/<slug>.html``), so one set of templates and one script serve both.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from zoo.errors import UsageError, ZooError
from zoo.registry import Registry
from zoo.specs import DatasetSpec, MetricSpec, ModelSpec, Spec

__all__ = ["CatalogueView", "EntryIndex", "PAGE_KINDS", "http_url", "plugins", "slug"]

PAGE_KINDS: Final = ("model", "dataset", "metric")
"""The kinds of entry that have a card page."""

INPUT_KINDS: Final = ("image", "text", "audio")
_SAFE: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_.")
_LONGEST_SLUG: Final = 120


def slug(name: str) -> str:
    """A file name for an entry name, safe on any file system and static host, one per name.

    Lower-case letters, digits, ``-``, ``_`` and ``.`` stay; every other character (capitals
    included, so that a case-insensitive file system cannot merge two names; ``/``, ``:``, ``~``...)
    becomes ``~`` and its UTF-8 bytes in hex, and so does a leading ``.``: no name can climb out of
    its folder or hide. Distinct names give distinct slugs; a very long one is cut and ends in a hash
    of the whole name.
    """
    out = []
    for position, char in enumerate(name):
        if char in _SAFE and not (position == 0 and char == "."):
            out.append(char)
        else:
            out.append("".join(f"~{byte:02x}" for byte in char.encode("utf-8")))
    text = "".join(out) or "~"
    if len(text) > _LONGEST_SLUG:
        text = text[:_LONGEST_SLUG - 18] + "~~" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]
    return text


def http_url(value: Any) -> str | None:
    """``value`` when it is an http(s) URL a page may link to; None for anything else (``javascript:``,
    ``data:``, relative paths, control characters), which a page shows as text."""
    if not isinstance(value, str) or value != value.strip() or not value.isprintable():
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme in ("http", "https") and parts.netloc else None


def _short(name: str | None) -> str:
    return (name or "").rpartition(":")[2]


class EntryIndex:
    """Each card's page path, from its entry's name: the short name while it is unique, else
    ``plugin:name``, made a :func:`slug`. Built once per registry; ``find`` is how a page request
    (or the site builder) goes from a path back to the entry, and nothing else is served."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._paths: dict[str, dict[str, str]] = {}  # kind -> entry id -> slug
        self._entries: dict[str, dict[str, str]] = {}  # kind -> slug -> entry id

    def _build(self, kind: str) -> None:
        if kind in self._paths:
            return
        paths: dict[str, str] = {}
        for spec in self.registry.all(kind):
            unique = len(self.registry.named(kind, spec.name)) == 1
            paths[spec.id] = slug(spec.name if unique else spec.id)
        self._paths[kind] = paths
        self._entries[kind] = {value: key for key, value in paths.items()}

    def path(self, spec: Spec) -> str:
        """The card's path from the site root: ``models/digits-resnet18.html``."""
        self._build(spec.kind)
        return f"{spec.kind}s/{self._paths[spec.kind][spec.id]}.html"

    def path_of(self, kind: str, name: str | None) -> str | None:
        """The card path of the entry ``name`` (a short name or an id) of ``kind``, or None."""
        if not name:
            return None
        try:
            spec = self.registry.get(name, kind)
        except ZooError:
            return None
        return self.path(spec)

    def find(self, kind: str, page_slug: str) -> Spec | None:
        """The entry whose card is ``<kind>s/<page_slug>.html``, or None."""
        if kind not in PAGE_KINDS:
            return None
        self._build(kind)
        entry_id = self._entries[kind].get(page_slug)
        return self.registry.entries[kind][entry_id] if entry_id is not None else None

    def every(self, kind: str) -> list[Spec]:
        return self.registry.all(kind)


# -- the catalogue -------------------------------------------------------------------------------


def _main_metrics(registry: Registry) -> dict[str, str]:
    return {task.name: task.default_metrics[0] for task in registry.tasks if task.default_metrics}


def _headline(values: Iterable[tuple[str, float, str]], main: str | None) -> str:
    """``top1 0.8037 (imagenet-1k)``: the task's main metric, else the first value (as ``zoo list``)."""
    found = list(values)
    if not found:
        return ""
    metric, value, dataset = next((item for item in found if item[0] == main), found[0])
    return f"{metric} {value:.4g} ({_short(dataset)})"


def _whole(record: Mapping[str, Any]) -> bool:
    """Whether a run evaluated its whole split (a ``--limit`` run reproduces no published number),
    as the leaderboard judges it."""
    from zoo.leaderboards import whole_split

    return whole_split(record)


def _run_summary(stored: Mapping[str, Any]) -> dict[str, Any]:
    from zoo.store import local_time

    return {"id": stored["id"], "href": f"runs/{int(stored['id'])}.html", "created": local_time(stored["created_at"]),
            "kind": stored["kind"], "status": stored["status"], "model": stored["model"] or "",
            "dataset": stored["dataset"] or "", "split": stored["split"] or "", "task": stored["task"] or "",
            "metrics": dict(stored["metrics"]), "seconds": stored["seconds"], "device": stored["device"] or "",
            "error": stored["error"] or "", "whole_split": _whole(stored["record"])}


def plugins(registry: Registry) -> dict[str, Any]:
    """What ``zoo plugins`` shows, plus the load problems and the entries set aside."""
    from zoo.cli.listing import PLUGIN_COLUMNS, plugin_rows

    return {
        "plugins": [dict(zip(PLUGIN_COLUMNS, ("" if cell is None else cell for cell in row)))
                    for row in plugin_rows(registry)],
        "problems": list(registry.problems),
        "unavailable": [asdict(entry) for entry in registry.unavailable],
    }


def _fields(spec: Spec) -> dict[str, Any]:
    """Every field of the entry, as ``zoo info --json`` prints them."""
    from zoo.cli.render import to_jsonable

    fields = {"id": spec.id, "kind": spec.kind, **to_jsonable(spec)}
    fields["origin"] = str(spec.origin)
    return fields


class CatalogueView:
    """The catalogue and the results store as they are now, read once: ``zoo serve`` makes one per
    request (a run stored meanwhile shows), ``zoo site build`` one for the whole site.

    ``results``: the results store's file (None, or a file that does not exist: no runs).
    ``with_runs``: whether pages link to the runs pages (the static site has them only with --results).
    ``public_paths``: cards show no absolute path of this machine (:mod:`zoo.web.published`), as a
    published site should not; ``zoo serve`` shows what ``zoo info`` shows.
    """

    def __init__(self, registry: Registry, index: EntryIndex, results: Path | None = None, *,
                 with_runs: bool = True, public_paths: bool = False) -> None:
        self.registry = registry
        self.index = index
        self.results = results if results is not None and os.path.exists(results) else None
        self.with_runs = with_runs
        self.public_paths = public_paths
        self._stored: list[dict[str, Any]] | None = None
        self._boards: list[dict[str, Any]] | None = None

    # -- the results store, read once --------------------------------------------------------------

    @property
    def stored(self) -> list[dict[str, Any]]:
        """Every record of the store, newest first (:func:`zoo.results`)."""
        if self._stored is None:
            from zoo.api import results as query

            self._stored = query(path=self.results) if self.results is not None else []
        return self._stored

    def _reproduced_by_model(self) -> dict[str, list[tuple[str, float, str]]]:
        """Each model's newest ``ok`` whole-split run: its ``(metric, value, dataset)`` values."""
        found: dict[str, list[tuple[str, float, str]]] = {}
        for stored in self.stored:
            model = stored["model"]
            if stored["kind"] == "run" and stored["status"] == "ok" and model and model not in found \
                    and _whole(stored["record"]):
                found[model] = [(name, value, stored["dataset"] or "") for name, value in stored["metrics"].items()]
        return found

    def runs(self, *, model: str | None = None, dataset: str | None = None) -> list[dict[str, Any]]:
        """The store's records (of one model or dataset id), newest first, as the runs table shows them."""
        return [_run_summary(stored) for stored in self.stored
                if (model is None or stored["model"] == model)
                and (dataset is None or stored["dataset"] == dataset)]

    def run_card(self, record_id: int) -> dict[str, Any] | None:
        """One stored record (its summary and the whole record), or None when the store has none of that id."""
        stored = next((stored for stored in self.stored if stored["id"] == record_id), None)
        return {**_run_summary(stored), "record": stored["record"]} if stored is not None else None

    # -- the catalogue -------------------------------------------------------------------------------

    def model_rows(self, specs: Iterable[ModelSpec]) -> list[dict[str, Any]]:
        """One summary row per model: the catalogue table's, and ``GET /api/models``'s."""
        from zoo.presence import model_states

        specs = list(specs)
        main = _main_metrics(self.registry)
        reproduced = self._reproduced_by_model()
        rows = []
        for spec, state in zip(specs, model_states(specs)):
            values = spec.reported_values()
            firsts: dict[str, float] = {}
            on: dict[str, dict[str, float]] = {}  # dataset -> metric -> value: a sort on one dataset
            for metric, value, dataset in values:
                firsts.setdefault(metric, value)
                on.setdefault(_short(dataset), {}).setdefault(metric, value)
            rows.append({
                "id": spec.id, "name": spec.name, "href": self.index.path(spec), "task": spec.task,
                "plugin": spec.plugin, "here": state, "params": spec.params, "license": spec.license,
                "tags": list(spec.tags), "description": spec.description,
                "reported": _headline(values, main.get(spec.task)), "metrics": firsts, "on": on,
                "reproduced": _headline(reproduced.get(spec.id, []), main.get(spec.task)),
            })
        return rows

    def dataset_rows(self, specs: Iterable[DatasetSpec]) -> list[dict[str, Any]]:
        return [{"id": s.id, "name": s.name, "href": self.index.path(s), "task": s.task, "plugin": s.plugin,
                 "license": s.license, "splits": ", ".join(s.splits), "tags": list(s.tags),
                 "description": s.description} for s in specs]

    def metric_rows(self, specs: Iterable[MetricSpec]) -> list[dict[str, Any]]:
        return [{"id": s.id, "name": s.name, "href": self.index.path(s), "tasks": list(s.tasks), "plugin": s.plugin,
                 "better": "higher" if s.higher_is_better else "lower", "description": s.description}
                for s in specs]

    def catalogue(self) -> dict[str, Any]:
        """What the catalogue page shows: every model (templates aside: ``zoo list builders``), dataset,
        metric and plugin, and the metrics models sort by. The page's script filters and sorts these rows."""
        registry = self.registry
        metrics = registry.metrics
        return {
            "models": self.model_rows(spec for spec in registry.models if not spec.template),
            "datasets": self.dataset_rows(registry.datasets),
            "metrics": self.metric_rows(metrics),
            "plugins": plugins(registry)["plugins"],
            "sort_metrics": [{"name": name, "higher_is_better": better}
                             for name, better in sorted({(s.name, s.higher_is_better) for s in metrics})],
            "templates": sum(spec.template for spec in registry.models),
        }

    # -- cards ---------------------------------------------------------------------------------------

    def model_card(self, spec: ModelSpec) -> dict[str, Any]:
        """Everything ``zoo info`` shows of a model, with its reported numbers beside the ones reproduced
        here (the newest ``ok`` run of the whole split in the results store), and how to reproduce them."""
        from zoo.presence import RUNS_HERE, model_state
        from zoo.reproduce import reproduce_commands

        state = model_state(spec)
        task = next(iter(self.registry.named("task", spec.task)), None)
        input_kind = getattr(task, "input", None)
        runs = self.runs(model=spec.id)
        whole = [run for run in runs if run["kind"] == "run" and run["status"] == "ok" and run["whole_split"]]
        reported = []
        for item in spec.reported:
            match = next((run for run in whole if _short(run["dataset"]) == _short(item.dataset)
                          and (item.split is None or run["split"] == item.split) and item.metric in run["metrics"]),
                         None)
            reported.append({
                "metric": item.metric, "value": item.value, "dataset": item.dataset,
                "dataset_href": self.index.path_of("dataset", item.dataset), "split": item.split or "",
                "source": item.source or "", "source_url": http_url(item.source),
                "reproduced": match["metrics"][item.metric] if match else None,
                "record": match["id"] if match else None,
                "record_href": match["href"] if match and self.with_runs else None,
            })
        weights = spec.weights
        datasets = {_short(item.dataset) for item in spec.reported}
        return self._shown(spec, {
            "id": spec.id, "name": spec.name, "kind": "model", "task": spec.task, "plugin": spec.plugin,
            "description": spec.description, "license": spec.license, "params": spec.params,
            "tags": list(spec.tags), "here": state, "runs_here": state in RUNS_HERE, "template": spec.template,
            "input_kind": input_kind if input_kind in INPUT_KINDS else None,
            "target": getattr(task, "target", None),  # "class" (labels and scores) or "text" (a transcript)
            "source": spec.source or "", "source_url": http_url(spec.source),
            "paper": spec.paper or "", "paper_url": http_url(spec.paper),
            "default_dataset": spec.default_dataset or "",
            "default_dataset_href": self.index.path_of("dataset", spec.default_dataset),
            "based_on": spec.based_on or "", "based_on_href": self.index.path_of("model", spec.based_on),
            "weights": {"uri": weights.uri, "sha256": weights.sha256 or "", "format": weights.format or ""}
            if weights is not None else None,
            "pins": [{"uri": uri, "sha256": pin or ""} for uri, pin in spec.file_uris()],
            "preprocessing": dict(spec.args.get("preprocessing") or {}),
            "builder": spec.builder,
            "reported": reported,
            "reproduce": reproduce_commands(spec, self.registry),
            "runs": runs[:20] if self.with_runs else [], "runs_count": len(runs) if self.with_runs else 0,
            "leaderboards": [board for board in self.leaderboards()
                             if board["task"] == spec.task and board["dataset"] in datasets],
            "fields": {**_fields(spec), "here": state},
        })

    def dataset_card(self, spec: DatasetSpec) -> dict[str, Any]:
        """Everything ``zoo info`` shows of a dataset, how many models report numbers on it, its
        leaderboards and its runs in the results store."""
        reporting = sum(1 for model in self.registry.filter("model", task=spec.task)
                        if any(_short(dataset) == spec.name for _, _, dataset in model.reported_values()))
        runs = self.runs(dataset=spec.id) if self.with_runs else []
        return self._shown(spec, {
            "id": spec.id, "name": spec.name, "kind": "dataset", "task": spec.task, "plugin": spec.plugin,
            "description": spec.description, "license": spec.license, "tags": list(spec.tags),
            "splits": [{"name": name, "size": spec.size.get(name)} for name in spec.splits],
            "default_split": spec.split_or_default, "citation": spec.citation or "",
            "source": spec.source or "", "source_url": http_url(spec.source),
            "builder": spec.builder, "models_reporting": reporting,
            "leaderboards": [board for board in self.leaderboards()
                             if board["dataset"] == spec.name and board["task"] == spec.task],
            "runs": runs[:20], "runs_count": len(runs),
            "fields": _fields(spec),
        })

    def metric_card(self, spec: MetricSpec) -> dict[str, Any]:
        """Everything ``zoo info`` shows of a metric, and the leaderboards it ranks."""
        low, high = spec.range
        return self._shown(spec, {
            "id": spec.id, "name": spec.name, "kind": "metric", "plugin": spec.plugin,
            "description": spec.description, "tasks": list(spec.tasks),
            "better": "higher" if spec.higher_is_better else "lower",
            "range": f"[{'-inf' if low is None else f'{low:g}'}, {'inf' if high is None else f'{high:g}'}]",
            "builder": spec.builder,
            "leaderboards": [board for board in self.leaderboards()
                             if board["metric"] == spec.name and board["task"] in spec.tasks],
            "fields": _fields(spec),
        })

    def _shown(self, spec: Spec, card: dict[str, Any]) -> dict[str, Any]:
        """A card as the pages show it: with ``public_paths``, its absolute paths made public."""
        if not self.public_paths:
            return card
        from zoo.web.published import public_origin, public_values

        card = public_values(card)
        card["fields"]["origin"] = public_origin(spec.origin)
        return card

    # -- leaderboards --------------------------------------------------------------------------------

    def leaderboards(self) -> list[dict[str, Any]]:
        """Every leaderboard there is: each task and dataset with a reported value of the task's main
        metric, or a stored whole-split run measuring it; with how many models each ranks."""
        if self._boards is None:
            main = _main_metrics(self.registry)
            counts: dict[tuple[str, str], set[str]] = {}
            for spec in self.registry.models:
                metric = main.get(spec.task)
                for name, _, dataset in spec.reported_values():
                    if name == metric:
                        counts.setdefault((spec.task, _short(dataset)), set()).add(spec.id)
            for stored in self.stored:
                metric = main.get(stored["task"] or "")
                if stored["kind"] == "run" and stored["status"] == "ok" and metric in stored["metrics"] \
                        and stored["model"] and _whole(stored["record"]):
                    counts.setdefault((stored["task"], _short(stored["dataset"])), set()).add(stored["model"])
            self._boards = [{"task": task, "dataset": dataset, "metric": main[task], "models": len(models),
                             "href": f"leaderboards/{slug(task)}/{slug(dataset)}.html",
                             "dataset_href": self.index.path_of("dataset", dataset)}
                            for (task, dataset), models in sorted(counts.items(),
                                                                  key=lambda item: (item[0][0], -len(item[1]),
                                                                                    item[0][1]))]
        return self._boards

    def find_leaderboard(self, task_slug: str, dataset_slug: str) -> dict[str, Any] | None:
        """The leaderboard listed at ``leaderboards/<task_slug>/<dataset_slug>.html``, or None."""
        return next((board for board in self.leaderboards()
                     if slug(board["task"]) == task_slug and slug(board["dataset"]) == dataset_slug), None)

    def leaderboard(self, listed: Mapping[str, Any]) -> dict[str, Any]:
        """One leaderboard (``listed``: an item of :meth:`leaderboards`) against every cost some model has:
        ``boards``, one :func:`zoo.leaderboard` per cost in :data:`zoo.leaderboards.COSTS`' order (parameters,
        throughput, latency, FLOPs, memory), each with its ``x``, ``label``, ``command`` (the ``zoo
        leaderboard`` that prints it) and ``measured_on`` (the devices zoo bench measured it on); ``default``, the cost shown first (parameters when a model has them,
        else the first there is). ``message`` instead, and no boards, when there is nothing to rank or no cost
        to draw against (the parameters' message: how to count them)."""
        from zoo.api import leaderboard
        from zoo.leaderboards import COSTS

        boards = []
        message = ""
        for x in COSTS:
            try:
                # Without a store, the catalogue's values alone (None would read the default store).
                board = leaderboard(task=listed["task"], dataset=listed["dataset"], x=x, results=self.results,
                                    source="all" if self.results is not None else "reported", registry=self.registry)
            except UsageError as error:  # no model has this cost: the page offers the others
                message = message or str(error)
                continue
            except ZooError as error:  # nothing to rank: the message says what to run
                return {**listed, "boards": [], "default": None, "message": str(error)}
            for row in board["rows"]:
                row["href"] = self.index.path_of("model", row["model"])
                row["source_url"] = http_url(row["reported_source"])
                row["record_href"] = f"runs/{int(row['record'])}.html" if row["record"] and self.with_runs else None
            command = f"zoo leaderboard --task {listed['task']} --dataset {listed['dataset']}"
            boards.append({"x": x, "label": COSTS[x].label, "board": board,
                           "command": command + (f" --x {x}" if x != "params" else ""),
                           "measured_on": sorted({str(row["measured_on"]) for row in board["rows"]
                                                  if row.get("measured_on")})})
        if not boards:
            return {**listed, "boards": [], "default": None, "message": message}
        return {**listed, "boards": boards, "default": boards[0]["x"], "message": ""}
