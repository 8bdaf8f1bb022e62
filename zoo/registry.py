"""The registry: every loaded entry, looked up by qualified or short name.

Every entry has a qualified id ``plugin:name``. A short name works while one
entry of that kind has it; otherwise the error lists the qualified ids. An
unknown name suggests close matches and, where a catalogue knows the name,
the plugin that would provide it. Nothing is shadowed.
"""

from __future__ import annotations

import bisect
import difflib
import fnmatch
import heapq
from collections.abc import Iterable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from zoo.errors import AmbiguousNameError, NotFoundError, UsageError
from zoo.plugins import PluginRecord
from zoo.specs import KINDS, DatasetSpec, MetricSpec, ModelSpec, Spec, TaskSpec

if TYPE_CHECKING:
    from zoo.catalogue_table import ModelTable

__all__ = ["Condition", "ModelEntries", "Ranking", "Registry", "Unavailable"]


@dataclass(frozen=True)
class Unavailable:
    """A catalogue entry whose builder's plugin is not installed (or failed)."""

    name: str
    kind: str
    plugin: str
    where: str
    reason: str


@dataclass(frozen=True)
class Ranking:
    """How ``Registry.filter`` orders models: by the first reported value of any of ``metrics``
    (best first: highest when ``higher_is_better``; models reporting none last), or by parameter
    count (smallest first) when ``metrics`` is empty. Ties keep name order."""

    metrics: tuple[str, ...] = ()
    higher_is_better: bool = True
    dataset: str | None = None  # only values reported on this dataset count (None: the first, on any)


@dataclass(frozen=True)
class Condition:
    """A bound ``Registry.filter`` keeps models within: on the first reported value of any of
    ``metrics`` (as :class:`Ranking` reads it), or on the parameter count when ``metrics`` is empty.
    ``minimum`` and ``maximum`` are inclusive (None: open); a model without the value is left out."""

    metrics: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    dataset: str | None = None  # as Ranking's

    def holds(self, value: float | None) -> bool:
        return value is not None and not (self.minimum is not None and value < self.minimum
                                          or self.maximum is not None and value > self.maximum)


class ModelEntries(MutableMapping[str, Spec]):
    """The models by id: those added one by one, and the rows of a catalogue index's table (records
    made for the rows asked for; see :mod:`zoo.catalogue_table`)."""

    def __init__(self) -> None:
        self.plain: dict[str, Spec] = {}
        self.table: ModelTable | None = None

    def __getitem__(self, entry_id: str) -> Spec:
        found = self.plain.get(entry_id)
        if found is not None:
            return found
        row = self.table.row_of(entry_id) if self.table is not None else None
        if row is None:
            raise KeyError(entry_id)
        return self.table.spec(row)  # type: ignore[union-attr]

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self.plain or (self.table is not None and isinstance(entry_id, str)
                                          and self.table.row_of(entry_id) is not None)

    def __setitem__(self, entry_id: str, spec: Spec) -> None:
        if self.table is not None and self.table.row_of(entry_id) is not None:
            self._materialise()  # replacing a row: rare (the index holds checked, distinct ids)
        self.plain[entry_id] = spec

    def __delitem__(self, entry_id: str) -> None:
        if entry_id not in self.plain:
            self._materialise()
        del self.plain[entry_id]

    def __iter__(self) -> Iterator[str]:
        yield from self.plain
        if self.table is not None:
            yield from self.table.ids()

    def __len__(self) -> int:
        return len(self.plain) + (len(self.table) if self.table is not None else 0)

    def _materialise(self) -> None:
        """Turn the table's rows into plain entries (for the rare edits the table cannot answer)."""
        if self.table is not None:
            table, self.table = self.table, None
            self.plain.update((spec.id, spec) for spec in map(table.spec, range(len(table))))


@dataclass
class Registry:
    """Loaded entries of every kind, the plugin records and the load problems."""

    entries: dict[str, MutableMapping[str, Spec]] = field(
        default_factory=lambda: {kind: ModelEntries() if kind == "model" else {} for kind in KINDS})
    plugins: list[PluginRecord] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unavailable: list[Unavailable] = field(default_factory=list)
    catalogues: list[tuple[Any, str]] = field(default_factory=list)  # (path, plugin) that plugins ship
    manager: Any = field(default=None, repr=False)  # the pluggy manager, for register_commands
    # Short name -> entries, per kind: a lookup is a dict access, not a scan of every entry (a
    # catalogue of n entries looks up n builders; scanning made loading it grow as n squared).
    _by_name: dict[str, dict[str, list[Spec]]] | None = field(default=None, init=False, repr=False, compare=False)

    # -- adding (used by the loader only) -------------------------------
    def add(self, spec: Spec) -> None:
        """Add one entry under its id (the loader's job: plugins register through hooks)."""
        replaced = self.entries[spec.kind].get(spec.id)
        self.entries[spec.kind][spec.id] = spec
        if self._by_name is not None:
            named = self._by_name[spec.kind].setdefault(spec.name, [])
            if replaced is not None:
                named[:] = [s for s in named if s.id != spec.id]
            named.append(spec)

    def add_table(self, table: ModelTable) -> None:
        """Add a catalogue index's models (checked when the index was built: ids are distinct)."""
        models = self.entries["model"]
        if not isinstance(models, ModelEntries) or models.table is not None:
            for spec in map(table.spec, range(len(table))):  # a second table: its rows one by one
                self.add(spec)
            return
        models.table = table

    def _table(self, kind: str) -> ModelTable | None:
        entries = self.entries[kind]
        return entries.table if isinstance(entries, ModelEntries) else None

    def drop_plugin(self, name: str) -> None:
        """Remove every entry of a plugin that failed after loading (in ``register_commands``)."""
        for kind in self.entries:
            self.entries[kind] = {key: spec for key, spec in self.entries[kind].items() if spec.plugin != name}
        self._by_name = None

    def named(self, kind: str, name: str) -> list[Spec]:
        """The entries of one kind with this short name (several only when plugins share it)."""
        if self._by_name is None:
            self._by_name = {k: {} for k in KINDS}
            for k, specs in self.entries.items():
                plain = specs.plain if isinstance(specs, ModelEntries) else specs
                for spec in plain.values():
                    self._by_name[k].setdefault(spec.name, []).append(spec)
        found = self._by_name[kind].get(name, [])
        table = self._table(kind)
        if table is not None:
            found = found + [table.spec(row) for row in table.rows_named(name)]
        return found

    # -- listing ----------------------------------------------------------
    def all(self, kind: str) -> list[Spec]:
        """Every entry of one kind (``task``, ``model``, ``dataset``, ``metric``), sorted by name."""
        return self.filter(kind)

    @property
    def tasks(self) -> list[TaskSpec]:
        """Every task, sorted by name."""
        return self.all("task")  # type: ignore[return-value]

    @property
    def models(self) -> list[ModelSpec]:
        """Every model, sorted by name."""
        return self.all("model")  # type: ignore[return-value]

    @property
    def datasets(self) -> list[DatasetSpec]:
        """Every dataset, sorted by name."""
        return self.all("dataset")  # type: ignore[return-value]

    @property
    def metrics(self) -> list[MetricSpec]:
        """Every metric, sorted by name."""
        return self.all("metric")  # type: ignore[return-value]

    def filter(self, kind: str, pattern: str | None = None, *, task: str | None = None,
               tag: str | None = None, plugin: str | None = None, license: str | None = None,
               ranking: Ranking | None = None, top: int | None = None,
               conditions: Sequence[Condition] = (), reported_on: str | None = None) -> list[Spec]:
        """Entries of one kind matching every filter given (patterns are fnmatch-style), sorted by
        name, or for models by ``ranking``; ``top`` keeps the first N. Models are kept only when
        they meet every one of ``conditions`` and, with ``reported_on``, report a value on that dataset.

        A catalogue index's models are filtered and ranked on its columns: records are made only
        for the entries returned.
        """
        entries = self.entries[kind]
        plain = entries.plain if isinstance(entries, ModelEntries) else entries
        found: list[Any] = sorted((spec for spec in plain.values()
                                   if _selected(spec, pattern, task, tag, plugin, license)), key=_name_order)
        table = self._table(kind)
        if table is not None:
            found = _merged(found, table.select(pattern, task=task, tag=tag, plugin=plugin, license=license), table)
        if reported_on is not None:
            values_of = _reported_values(table)
            found = [item for item in found if any(same_dataset(dataset, reported_on)
                                                   for _, _, dataset in values_of(item))]
        for condition in conditions:
            value_of = _value_reader(condition.metrics, table, condition.dataset)
            found = [item for item in found if condition.holds(value_of(item))]
        if ranking is not None:
            key = _ranking_key(ranking, table)
            found = heapq.nsmallest(top, found, key=key) if top is not None else sorted(found, key=key)
        elif top is not None:
            found = found[:top]
        return [table.spec(item) if type(item) is int else item for item in found]  # type: ignore[union-attr]

    # -- lookup -----------------------------------------------------------
    def get(self, name: str, kind: str | None = None, *, task: str | None = None) -> Any:
        """One entry by ``plugin:name`` or short name; clear errors otherwise.

        ``task`` narrows the candidates (metrics are looked up per task, so
        two plugins may each offer an ``accuracy`` for their own task).
        """
        if kind is not None and kind not in KINDS:
            raise UsageError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
        kinds = [kind] if kind else list(KINDS)
        if ":" in name:
            candidates = [self.entries[k][name] for k in kinds if name in self.entries[k]]
        else:
            candidates = [spec for k in kinds for spec in self.named(k, name)]
        if task is not None:
            candidates = [spec for spec in candidates if task in _tasks_of(spec)]
        if len(candidates) == 1:
            return candidates[0]
        what = kind or "entry"
        if task is not None:
            what = f"{what} for task {task!r}"
        if len(candidates) > 1:
            ids = ", ".join(f"{spec.id} ({spec.kind})" if not kind else spec.id
                            for spec in sorted(candidates, key=lambda s: s.id))
            raise AmbiguousNameError(f"{what} name {name!r} is ambiguous: use one of {ids}")
        raise NotFoundError(self._not_found_message(name, kinds, what))

    def task_owner(self, task: str) -> str | None:
        """The plugin that provides ``task`` (``zoo`` for the built-in tasks)."""
        found = self.named("task", task)
        return found[0].plugin if len(found) == 1 else None

    def metric(self, name: str, task: str, *, prefer: Sequence[str] = ()) -> MetricSpec:
        """The metric an entry means by ``name`` for ``task``.

        ``plugin:name`` is exact. A short name resolves first within the plugins in
        ``prefer`` (the entry's own), then the task owner's, then the only candidate:
        so a newcomer registering its own ``accuracy`` for a task can never make an
        existing catalogue's ``accuracy`` ambiguous.
        """
        if ":" not in name:
            candidates = [spec for spec in self.named("metric", name) if task in spec.tasks]  # type: ignore[attr-defined]
            for plugin in (*prefer, self.task_owner(task)):
                chosen = [spec for spec in candidates if spec.plugin == plugin]
                if chosen:
                    return chosen[0]  # type: ignore[return-value]
        return self.get(name, "metric", task=task)  # type: ignore[no-any-return]

    def _not_found_message(self, name: str, kinds: Sequence[str], what: str) -> str:
        short = name.split(":", 1)[-1]
        for missing in self.unavailable:
            if missing.name == short and missing.kind in kinds:
                return (f"{what} {name!r} is in the catalogue ({missing.where}) but not available: "
                        f"{missing.reason}")
        owner = self.plugin(name.split(":", 1)[0]) if ":" in name else None
        if owner is not None and owner.status != "loaded":
            return f"no {what} named {name!r}: {_why_not_loaded(owner.name, owner.status, owner.error)}"
        other_kinds = [k for k in KINDS if k not in kinds and (name in self.entries[k] if ":" in name
                                                               else self.named(k, name))]
        if other_kinds:
            option = " (pass it with --dataset)" if other_kinds == ["dataset"] and "model" in kinds else ""
            return f"{name!r} is a {' and a '.join(other_kinds)}, not a {what}{option}"
        close = _close_matches(name, sorted(set(self._names(kinds, qualified=":" in name))))
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        listing = f"zoo list {kinds[0]}s" if len(kinds) == 1 else "zoo list"
        # A plugin that did not load may be the one that provides it; say so rather than leave a mystery.
        for status, one, several in (("disabled", "is disabled by ZOO_DISABLE_PLUGINS", "are disabled by ZOO_DISABLE_PLUGINS"),
                                     ("failed", "failed (see `zoo plugins`)", "failed (see `zoo plugins`)")):
            names = [repr(record.name) for record in self.plugins if record.status == status]
            if ":" not in name and names:
                hint += (f"; plugin{'s' if len(names) > 1 else ''} {', '.join(names)} "
                         f"{several if len(names) > 1 else one} and may provide it")
        return f"no {what} named {name!r}{hint} (see `{listing}`)"

    def _names(self, kinds: Sequence[str], *, qualified: bool) -> Iterator[str]:
        """Every name (or ``plugin:name``) of these kinds, read from a table's columns where there is one."""
        for kind in kinds:
            entries = self.entries[kind]
            plain = entries.plain if isinstance(entries, ModelEntries) else entries
            yield from (spec.id if qualified else spec.name for spec in plain.values())
            table = self._table(kind)
            if table is not None:
                yield from table.ids() if qualified else table.names

    def plugin(self, name: str) -> PluginRecord | None:
        """The record of the plugin named ``name`` (status, error, contributions), or None."""
        return next((record for record in self.plugins if record.name == name), None)


def _close_matches(name: str, known: list[str], *, neighbours: int = 400) -> list[str]:
    """Up to three of ``known`` (sorted) that look like ``name``. Among many names, only those near it
    in sorted order, forwards and backwards (a typo at either end), are compared: comparing all of
    100,000 takes seconds."""
    if len(known) > 4 * neighbours:
        at = bisect.bisect_left(known, name)
        backwards = sorted(known, key=lambda one: one[::-1])
        back_at = bisect.bisect_left(backwards, name[::-1], key=lambda one: one[::-1])
        known = sorted({*known[max(0, at - neighbours):at + neighbours],
                        *backwards[max(0, back_at - neighbours):back_at + neighbours]})
    return difflib.get_close_matches(name, known, n=3, cutoff=0.6)


def _why_not_loaded(plugin: str, status: str, error: str | None) -> str:
    if status == "disabled":
        return f"plugin {plugin!r} is disabled (remove it from ZOO_DISABLE_PLUGINS to use it)"
    return f"plugin {plugin!r} failed: {error} (see `zoo plugins`)"


def _selected(spec: Spec, pattern: str | None, task: str | None, tag: str | None, plugin: str | None,
              license: str | None) -> bool:
    return not ((pattern and not _matches(spec, pattern)) or (task and task not in _tasks_of(spec))
                or (tag and not any(fnmatch.fnmatchcase(t, tag) for t in getattr(spec, "tags", ())))
                or (plugin and spec.plugin != plugin)
                or (license and getattr(spec, "license", "").lower() != license.lower()))


def _name_order(spec: Spec) -> tuple[str, str]:
    return spec.name.lower(), spec.id


def _merged(specs: list[Spec], rows: list[int], table: ModelTable) -> list[Any]:
    """``specs`` and a table's ``rows`` (each already in name order) as one list in name order;
    rows stay ints. A few specs are placed by binary search: no key is computed for every row."""
    if not specs:
        return rows
    merged: list[Any] = []
    start = 0
    for spec in specs:
        at = bisect.bisect_left(rows, _name_order(spec), lo=start,
                                key=lambda row: (table.names[row].lower(), table.id(row)))
        merged += rows[start:at]
        merged.append(spec)
        start = at
    return merged + rows[start:]


def same_dataset(reported: str, dataset: str) -> bool:
    """Whether a reported value's dataset is ``dataset``: by short name, as catalogues write either
    ``imagenet-1k`` or ``vision:imagenet-1k``."""
    return reported.split(":", 1)[-1] == dataset.split(":", 1)[-1]


def _reported_values(table: ModelTable | None) -> Any:
    """Reads the ``(metric, value, dataset)`` values of a spec or a table row (no record is made)."""
    return lambda item: table.reported_values(item) if type(item) is int else item.reported_values()  # type: ignore[union-attr]


def _value_reader(metrics: tuple[str, ...], table: ModelTable | None, dataset: str | None = None) -> Any:
    """Reads the value a :class:`Condition` or a :class:`Ranking` looks at, from a spec or a table row:
    the first reported value of any of ``metrics`` (on ``dataset``, when given), or the parameter
    count when there are none. A table's rows are read from its columns (``params``,
    ``first:<metric>``, ``reported``): no record is made."""
    if not metrics:
        params = table.column("params") if table is not None else []
        return lambda item: params[item] if type(item) is int else item.params
    if dataset is not None:
        values_of = _reported_values(table)
        return lambda item: next((value for metric, value, where in values_of(item)
                                  if metric in metrics and same_dataset(where, dataset)), None)
    values = table.first_values(metrics) if table is not None else {}

    def first_value(item: Any) -> float | None:
        if type(item) is int:
            return values.get(item)
        return next((value for metric, value, _ in item.reported_values() if metric in metrics), None)

    return first_value


def _ranking_key(ranking: Ranking, table: ModelTable | None) -> Any:
    """The sort key of a spec or a table row under ``ranking``: (missing, signed value)."""
    sign = 1.0 if not ranking.metrics or not ranking.higher_is_better else -1.0
    value_of = _value_reader(ranking.metrics, table, ranking.dataset)

    def key(item: Any) -> tuple[bool, float]:
        value = value_of(item)
        return value is None, sign * value if value is not None else 0.0

    return key


def _tasks_of(spec: Spec) -> Iterable[str]:
    if isinstance(spec, MetricSpec):
        return spec.tasks
    if isinstance(spec, TaskSpec):
        return (spec.name,)
    return (getattr(spec, "task", ""),)


def _matches(spec: Spec, pattern: str) -> bool:
    if any(ch in pattern for ch in "*?["):
        return fnmatch.fnmatchcase(spec.name, pattern) or fnmatch.fnmatchcase(spec.id, pattern)
    # A bare word filters by substring, as in `timm.list_models('*resnet*')` without the stars.
    return pattern.lower() in spec.id.lower()
