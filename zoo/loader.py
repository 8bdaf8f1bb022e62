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

from zoo import schema
from zoo.errors import CatalogueError, DuplicateEntryError, PluginError, RegistrationError, UsageError
from zoo.plugins import PluginRecord, PluginSource, call_hook, discover, load_plugins, slow_import_seconds
from zoo.printable import printable
from zoo.registry import Registry
from zoo.catalogue import read_catalogue
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
    read_catalogues: bool = True  # False: plugin hooks only (zoo validate reads them itself)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
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


def _check_references(staged: Mapping[str, _Staged], records: Sequence[PluginRecord]) -> None:
    """Fail plugins whose entries name tasks or metrics nobody provides, until stable."""
    changed = True
    while changed:
        changed = False
        live = [r for r in records if r.status == "loaded"]
        tasks = {name for r in live for name in staged[r.name].specs["task"]}
        ranges = {(task, spec.name): spec.range for r in live for spec in staged[r.name].specs["metric"].values()
                  for task in spec.tasks}  # type: ignore[attr-defined]
        metrics = set(ranges)
        for record in live:
            problem = _first_reference_problem(staged[record.name], tasks, metrics, ranges)
            if problem:
                record.fail(problem)
                changed = True


def _first_reference_problem(staged: _Staged, tasks: set[str], metrics: set[tuple[str, str]],
                             ranges: Mapping[tuple[str, str], Any] | None = None) -> str | None:
    for kind in ("model", "dataset"):
        for spec in staged.specs[kind].values():
            if spec.task not in tasks:  # type: ignore[attr-defined]
                return (f"{kind} {spec.name!r} is for task {spec.task!r}, which no loaded plugin provides "  # type: ignore[attr-defined]
                        f"(known tasks: {', '.join(sorted(tasks)) or 'none'})")
    for spec in staged.specs["model"].values():
        for reported in spec.reported:  # type: ignore[attr-defined]
            bounds = (ranges or {}).get((spec.task, reported.metric))  # type: ignore[attr-defined]
            if bounds is not None and schema.out_of_range(reported.value, bounds):
                return (f"model {spec.name!r} reports {reported.metric} {reported.value}, outside the metric's range "
                        f"{list(bounds)}; metrics are fractions (0.754, not 75.4)")
    for spec in staged.specs["metric"].values():
        for task in spec.tasks:  # type: ignore[attr-defined]
            if task not in tasks:
                return f"metric {spec.name!r} is for task {task!r}, which no loaded plugin provides"
    for spec in staged.specs["task"].values():
        for metric in spec.default_metrics:  # type: ignore[attr-defined]
            if (spec.name, metric) not in metrics:
                return f"task {spec.name!r} names default metric {metric!r}, which no plugin registers for it"
    return None


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
    manager, records = load_plugins(discover() if sources is None else sources, disabled=settings.disabled)
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
    _check_references(staged, records)

    registry = Registry(plugins=records, manager=manager)
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
    for path, namespace in (catalogue_files(registry, settings) if settings.read_catalogues else ()):
        try:
            specs, problems = read_catalogue(path, registry, namespace=namespace)
        except CatalogueError as error:
            specs, problems = [], error.problems
        for spec in specs:
            registry.add(spec)
            if namespace:
                registry.plugin(namespace).contributed.setdefault("models", []).append(spec.name)  # type: ignore[union-attr]
        if problems and settings.strict:
            raise CatalogueError(problems)
        registry.problems += problems

    for problem in registry.problems:
        print(f"zoo: warning: {printable(problem)}", file=warn)
    return registry
