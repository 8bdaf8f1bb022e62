"""Build a :class:`~zoo.registry.Registry` from plugins and catalogue files.

Order: load plugins (blocked ones never import), call ``register_tasks`` on
every plugin, then the other ``register_*`` hooks, check references between
entries, then read catalogues. A plugin is all or nothing: if it fails to
import, raises in a hook or registers something invalid, none of its entries
are kept, one line on stderr names it, and every other plugin still works.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from zoo import builtin, schema
from zoo.errors import CatalogueError, DuplicateEntryError, PluginError, RegistrationError, UsageError
from zoo.plugins import (PluginRecord, PluginSource, call_hook, core_distribution, discover, load_plugins,
                         settle_names, slow_import_seconds)
from zoo.printable import printable
from zoo.registry import Registry, Unavailable
from zoo.catalogue_index import entry_names, read_catalogues
from zoo.specs import Origin, Spec, spec_from_fields

__all__ = ["BUILTIN_CATALOGUE", "Settings", "load_registry"]

BUILTIN_CATALOGUE = Path(__file__).with_name("registry.yaml")
ENTRY_HOOKS = (("register_models", "model"), ("register_datasets", "dataset"), ("register_metrics", "metric"))


def _env_list(value: str | None, sep: str = ",") -> tuple[str, ...]:
    return tuple(item.strip() for item in (value or "").split(sep) if item.strip())


def _env_flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Settings:
    """How to load: from the environment, overridden by command-line options."""

    disabled: tuple[str, ...] = ()
    strict: bool = False
    trace: bool = False
    catalogues: tuple[Path, ...] = ()
    builtin_catalogue: bool = True
    builtin_tasks: bool = True  # the core's four tasks and their metrics (zoo.builtin), owned by plugin "zoo"
    read_catalogues: bool = True  # False: plugin hooks only (zoo validate reads them itself)
    catalogue_index: bool = True  # read catalogues through the cached index (zoo.catalogue_index)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``ZOO_DISABLE_PLUGINS``, ``ZOO_STRICT_PLUGINS``, ``ZOO_TRACE_PLUGINS`` and
        ``ZOO_REGISTRY``, then ``overrides`` (command-line options): one left unset (None, empty,
        False) keeps the environment's value, and ``catalogues`` add to ``ZOO_REGISTRY``'s."""
        env = os.environ if environ is None else environ
        settings = cls(
            disabled=_env_list(env.get("ZOO_DISABLE_PLUGINS")),
            strict=_env_flag(env.get("ZOO_STRICT_PLUGINS")),
            trace=_env_flag(env.get("ZOO_TRACE_PLUGINS")),
            catalogues=tuple(Path(p) for p in _env_list(env.get("ZOO_REGISTRY"), os.pathsep)),
        )
        # An option left unset (None, (), or a flag not given) keeps the environment's value.
        changes = {key: value for key, value in overrides.items() if value not in (None, (), False)}
        if "catalogues" in changes:
            changes["catalogues"] = settings.catalogues + tuple(Path(p) for p in changes["catalogues"])
        return cls(**{**settings.__dict__, **changes})


def _core_version() -> str:
    from zoo import __version__

    return __version__


def catalogue_files(registry: Registry, settings: Settings) -> list[tuple[Path, str | None]]:
    """Every catalogue to read, in order, with the plugin that ships it (None: top-level/user)."""
    files: list[tuple[Path, str | None]] = []
    if settings.builtin_catalogue and BUILTIN_CATALOGUE.is_file():
        files.append((BUILTIN_CATALOGUE, None))
    files += registry.catalogues
    files += [(path, None) for path in settings.catalogues]
    return files


def _caller() -> str:
    frame = sys._getframe(2)  # register() <- the plugin's hook
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


@dataclass
class _Staged:
    """What one plugin registered, kept apart until the plugin is known good."""

    specs: dict[str, dict[str, Spec]] = field(default_factory=lambda: {k: {} for k in ("task", "model", "dataset", "metric")})
    catalogues: list[Path] = field(default_factory=list)

    def register_fn(self, record: PluginRecord, kind: str) -> Any:
        def register(name: str, /, **fields: Any) -> None:
            where = _caller()
            data = {"name": name, **fields}
            problems = schema.check_fields(kind, data)
            if problems:
                path, message = problems[0]
                raise RegistrationError(f"{kind} {name!r} at {where}: {path}: {message}")
            plain = _not_plain_data(data)
            if plain:
                raise RegistrationError(f"{kind} {name!r} at {where}: {plain}; register plain data (str, int, float, "
                                        "bool, None, lists and mappings with string keys)")
            if name in self.specs[kind]:
                first = self.specs[kind][name].origin.where
                raise DuplicateEntryError(f"{kind} {name!r} registered twice: at {first} and at {where}")
            self.specs[kind][name] = spec_from_fields(kind, data, Origin(record.name, where))
        return register

    def register_catalogue_fn(self, record: PluginRecord) -> Any:
        def register(path: str | os.PathLike[str], /) -> None:
            path = Path(path)
            if not path.is_file():
                raise RegistrationError(f"catalogue {str(path)!r} registered at {_caller()} is not a file")
            self.catalogues.append(path)
        return register


def _not_plain_data(value: Any, path: str = "") -> str | None:
    """Why a registered value could not be written as strict JSON (``zoo list --json``), or None.

    A set, an object or a NaN registered by one plugin would otherwise break listing for everyone.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return f"{path or 'value'} is {value!r}, which is not a number JSON can hold"
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"{path or 'value'} has a key {key!r} that is not a string"
            found = _not_plain_data(item, f"{path}.{key}" if path else key)
            if found:
                return found
        return None
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found = _not_plain_data(item, f"{path}[{index}]")
            if found:
                return found
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return None
    if hasattr(value, "__dataclass_fields__"):  # a WeightsSpec, say: its fields are checked by the schema
        try:
            json.dumps(value.__dict__, default=str, allow_nan=False)
            return None
        except (TypeError, ValueError):
            pass
    return f"{path or 'value'} is a {type(value).__name__}, which is not JSON-serialisable"


def _resolve_tasks(staged: Mapping[str, _Staged], records: Sequence[PluginRecord]) -> tuple[dict[str, str], list[str]]:
    """Who owns each task: the first plugin to register it, the core's built-in plugin first.

    A later registration of the same name is refused for that plugin's task alone (a problem
    line); the plugin's models, datasets and metrics for the task use the owner's.
    """
    owners: dict[str, str] = {}
    problems = []
    for record in records:
        if record.status != "loaded":
            continue
        for name in list(staged[record.name].specs["task"]):
            if name in owners:
                del staged[record.name].specs["task"][name]
                problems.append(f"plugin {record.name!r} registers task {name!r}, which plugin {owners[name]!r} "
                                f"already provides; its registration is ignored and its entries for {name!r} use "
                                f"plugin {owners[name]!r}'s task (target a task, don't redefine it)")
            else:
                owners[name] = record.name
    return owners, problems


def _set_aside_unreachable(staged: Mapping[str, _Staged], records: Sequence[PluginRecord],
                           owners: dict[str, str]) -> list[Unavailable]:
    """Entries for a task no loaded plugin provides are set aside, with the reason; the plugin's other
    entries load. A task whose default metrics nobody registers is set aside too, with its entries."""
    aside: list[Unavailable] = []
    changed = True
    while changed:
        changed = False
        live = [r for r in records if r.status == "loaded"]
        tasks = {name for name, owner in owners.items() if name in staged[owner].specs["task"]}
        metrics = {(task, spec.name) for r in live for spec in staged[r.name].specs["metric"].values()
                   for task in spec.tasks}  # type: ignore[attr-defined]
        for record in live:
            specs = staged[record.name].specs
            for kind in ("model", "dataset", "metric", "task"):
                for name, spec in list(specs[kind].items()):
                    reason = _unreachable(kind, spec, tasks, metrics)
                    if reason:
                        del specs[kind][name]
                        aside.append(Unavailable(name, kind, record.name, spec.origin.where, reason))
                        changed = True
    return aside


def _unreachable(kind: str, spec: Any, tasks: set[str], metrics: set[tuple[str, str]]) -> str | None:
    if kind in ("model", "dataset") and spec.task not in tasks:
        return (f"it is for task {spec.task!r}, which no installed plugin provides; install the plugin that "
                f"provides {spec.task!r} (see `zoo list tasks`)")
    if kind == "metric" and not any(task in tasks for task in spec.tasks):
        return f"it is for task(s) {', '.join(spec.tasks)}, which no installed plugin provides"
    if kind == "task":
        missing = [metric for metric in spec.default_metrics if (spec.name, metric) not in metrics]
        if missing:
            return f"its default metric(s) {', '.join(missing)} are registered by no plugin for {spec.name!r}"
    return None


def _check_reported_ranges(staged: Mapping[str, _Staged], records: Sequence[PluginRecord],
                           owners: dict[str, str]) -> None:
    """A model reporting a value outside its metric's range (75.4 for a fraction) fails its plugin:
    that is malformed data, like any other field a schema refuses."""
    by_plugin = {r.name: {(task, spec.name): spec.range for spec in staged[r.name].specs["metric"].values()
                          for task in spec.tasks} for r in records if r.status == "loaded"}  # type: ignore[attr-defined]
    for record in records:
        if record.status != "loaded":
            continue
        for spec in staged[record.name].specs["model"].values():
            owner = owners.get(spec.task, "")  # type: ignore[attr-defined]
            for reported in spec.reported:  # type: ignore[attr-defined]
                key = (spec.task, reported.metric)  # type: ignore[attr-defined]
                # The metric an entry means: its own plugin's first, then the task owner's.
                bounds = by_plugin[record.name].get(key) or by_plugin.get(owner, {}).get(key)
                if bounds is not None and schema.out_of_range(reported.value, bounds):
                    record.fail(f"model {spec.name!r} reports {reported.metric} {reported.value}, outside the "
                                f"metric's range {list(bounds)}; metrics are fractions (0.754, not 75.4)")
                    break


def load_registry(sources: Sequence[PluginSource] | None = None, settings: Settings | None = None,
                  *, warn: TextIO | None = None) -> Registry:
    """Load plugins and catalogues into a registry.

    Problems go to ``warn`` (stderr by default), one line each, and stay in
    ``registry.problems``; with ``settings.strict`` the first one is raised.
    """
    settings = settings or Settings.from_env()
    if settings.read_catalogues:
        # A catalogue the user named is asked for on purpose: a wrong path is an error, not a warning
        # that scrolls past while the run goes on without the user's models.
        for path in settings.catalogues:
            if not path.is_file():
                state = "is not a file" if path.exists() else "does not exist"
                raise UsageError(f"catalogue {path} (from --registry or ZOO_REGISTRY) {state}; fix the path")
    warn = sys.stderr if warn is None else warn
    trace = warn if settings.trace else None
    found = list(discover() if sources is None else sources)
    if settings.builtin_tasks:
        core = PluginSource.from_object(builtin.PLUGIN_NAME, builtin, distribution=core_distribution(),
                                        version=_core_version())
        # One plugin per name (a squatter on a name, `zoo` included, is refused), the core's first:
        # it owns the built-in tasks, so it registers before anyone else.
        found = sorted(settle_names([core, *found]), key=lambda source: source is not core)
    manager, records = load_plugins(found, disabled=tuple(d for d in settings.disabled if d != builtin.PLUGIN_NAME))
    slow = slow_import_seconds()
    for record in records:
        if trace is not None and record.status != "disabled":
            print(f"zoo: trace: {record.name} imported in {record.load_seconds * 1000:.1f} ms", file=trace)
        if record.load_seconds > slow:
            print(f"zoo: warning: plugin {record.name!r} took {record.load_seconds:.1f} s to import "
                  f"(module {record.module}); every zoo command pays this: its author should import heavy "
                  f"libraries inside builders, or set ZOO_DISABLE_PLUGINS={record.name}", file=warn)
    staged = {record.name: _Staged() for record in records}

    for record in records:
        call_hook(manager, record, "register_tasks", staged[record.name].register_fn(record, "task"), trace=trace)
    for record in records:
        for hook, kind in ENTRY_HOOKS:
            call_hook(manager, record, hook, staged[record.name].register_fn(record, kind), trace=trace)
        call_hook(manager, record, "register_catalogues", staged[record.name].register_catalogue_fn(record), trace=trace)
    owners, task_problems = _resolve_tasks(staged, records)
    _check_reported_ranges(staged, records, owners)
    aside = _set_aside_unreachable(staged, records, owners)

    registry = Registry(plugins=records, manager=manager, unavailable=aside, problems=task_problems)
    for record in records:
        if record.status == "failed":
            message = f"plugin {record.name!r} failed and was skipped: {record.error}"
            if settings.strict:
                raise PluginError(record.name, f"{record.error} (strict mode: set ZOO_DISABLE_PLUGINS={record.name} to skip it)") from record.exception
            registry.problems.append(message)
            continue
        if record.status != "loaded":
            continue
        for kind, specs in staged[record.name].specs.items():
            for spec in specs.values():
                registry.add(spec)
            if specs:
                record.contributed[kind + "s"] = sorted(specs)

    for record in records:
        if record.status == "loaded":
            registry.catalogues += [(path, record.name) for path in staged[record.name].catalogues]
    files = catalogue_files(registry, settings) if settings.read_catalogues else []
    # Through the index: parsed and checked once, until a catalogue or a plugin changes (zoo.catalogue_index).
    reads = read_catalogues(files, registry, warn=warn, use_index=settings.catalogue_index)
    for _, namespace, specs, problems in reads:
        if namespace:
            registry.plugin(namespace).contributed.setdefault("models", []).extend(entry_names(specs))  # type: ignore[union-attr]
        if problems and settings.strict:
            raise CatalogueError(problems)
        registry.problems += problems

    for problem in registry.problems:
        print(f"zoo: warning: {printable(problem)}", file=warn)
    return registry
