"""Finding, blocking, loading and calling plugins, one plugin at a time.

A plugin is a module named by an entry point in group ``zoo``. Each is loaded
and each of its hooks called on its own, so a plugin that fails to import or
raises in a hook is recorded as failed and every other plugin still works.

"Raises" means anything: ``sys.exit()``, a ``BaseException`` subclass, even a
``KeyboardInterrupt`` the plugin raised itself; only a real Ctrl-C from the
user (a SIGINT that arrived while the plugin ran) stops zoo. What a plugin
prints while it loads or registers goes to stderr, so ``--json`` output stays
valid whatever a plugin does.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import json
import os
import re
import signal
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TextIO

import pluggy

from zoo import hookspecs

__all__ = ["CORE_DISTRIBUTION", "PluginNameTaken", "PluginRecord", "PluginSource", "core_distribution", "discover",
           "hook_names", "load_plugins", "settle_names", "slow_import_seconds"]

ENTRY_POINT_GROUP = "zoo"
Status = Literal["loaded", "failed", "disabled"]
# A plugin whose import takes longer than this gets a warning naming it (ZOO_SLOW_PLUGIN_SECONDS).
SLOW_IMPORT_SECONDS = 1.0


def slow_import_seconds() -> float:
    try:
        return float(os.environ.get("ZOO_SLOW_PLUGIN_SECONDS", SLOW_IMPORT_SECONDS))
    except ValueError:
        return SLOW_IMPORT_SECONDS


@dataclass
class PluginSource:
    """A plugin before it is imported: a name and how to load it.

    ``discover()`` makes these from entry points; tests make them from fake
    modules, so they never depend on what happens to be installed.
    """

    name: str
    load: Callable[[], Any]
    value: str = ""  # what the entry point names, e.g. "zoo_vision"
    distribution: str | None = None
    version: str | None = None

    @classmethod
    def from_object(cls, name: str, plugin: Any, *, distribution: str | None = None,
                    version: str | None = None) -> PluginSource:
        return cls(name, lambda: plugin, getattr(plugin, "__name__", repr(plugin)), distribution, version)


@dataclass
class PluginRecord:
    """What ``zoo plugins`` shows for one plugin."""

    name: str
    module: str
    distribution: str | None
    version: str | None
    status: Status = "loaded"
    hooks: list[str] = field(default_factory=list)
    contributed: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None
    load_seconds: float = 0.0
    exception: BaseException | None = field(default=None, repr=False)  # for --traceback

    def fail(self, message: str) -> None:
        if self.status != "failed":
            self.status, self.error = "failed", message

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "module": self.module, "distribution": self.distribution,
            "version": self.version, "status": self.status, "hooks": self.hooks,
            "contributed": self.contributed, "error": self.error,
            "import_seconds": round(self.load_seconds, 4),
        }


# The distribution the core is installed as (pyproject.toml's [project] name); the import package is `zoo`.
CORE_DISTRIBUTION = "model-zoo-registry"  # `zoo` on the package index is an unrelated project


def core_distribution() -> str:
    return CORE_DISTRIBUTION


def discover() -> list[PluginSource]:
    """Every installed plugin, from entry points in group ``zoo``; nothing is imported."""
    return settle_names(PluginSource(name, functools.partial(_load_entry_point, value), value, distribution, version)
                        for name, value, distribution, version in _entry_points())


def _load_entry_point(value: str) -> Any:
    """What an entry point's ``module:attribute`` names (``importlib.metadata.EntryPoint.load``)."""
    module, _, attribute = value.partition(":")
    loaded: Any = importlib.import_module(module.strip())
    for part in filter(None, attribute.strip().split(".")):
        loaded = getattr(loaded, part)
    return loaded


def _entry_points() -> list[list[Any]]:
    """``[name, value, distribution, version]`` of each entry point in group ``zoo``.

    Scanning every installed distribution (``importlib.metadata``, which also imports the email
    parser) is a tenth of ``zoo list``'s time with 200 packages installed, so the result is kept in
    zoo's cache, keyed by what decides it: the interpreter, each ``sys.path`` folder as it is now
    (installing or removing any package adds or removes a folder there, which changes the folder's
    modification time), and the metadata folder of each distribution found (an editable install
    rewrites its entry points in place). Any difference, or a cache that cannot be read, scans again.
    """
    location, key = _entry_point_cache()
    try:
        with open(location, encoding="utf-8") as handle:
            cached = json.load(handle)
        if cached["key"] == key and cached["folders"] == _stats(cached["metadata"]):
            return list(cached["entry_points"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    from importlib.metadata import entry_points

    found, metadata = [], []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(ep, "dist", None)
        found.append([ep.name, ep.value, dist.metadata["Name"] if dist else None, dist.version if dist else None])
        folder = getattr(dist, "_path", None)  # a PathDistribution's metadata folder
        if folder is not None:
            metadata.append(str(folder))
    _write_cache(location, {"key": key, "metadata": metadata, "folders": _stats(metadata), "entry_points": found})
    return found


def _entry_point_cache() -> tuple[str, list[Any]]:
    from zoo.files import cache_root

    key = [sys.executable, sys.version, sys.path, _stats(path or "." for path in sys.path)]
    name = zlib.crc32(json.dumps(key[:3]).encode())  # one file per interpreter and path, so venvs never thrash
    return os.path.join(cache_root(), "plugins", f"entry-points-{name:08x}.json"), key


def _stats(paths: Iterable[str]) -> list[Any]:
    stats: list[Any] = []
    for path in paths:
        try:
            info = os.stat(path)
            stats.append([info.st_mtime_ns, info.st_ctime_ns, info.st_ino])
        except OSError:
            stats.append(None)
    return stats


def _write_cache(location: str, data: dict[str, Any]) -> None:
    """Written whole or not at all (a temporary file renamed into place); a cache that cannot be
    written just means scanning next time."""
    staging = f"{location}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(location), exist_ok=True)
        with open(staging, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(staging, location)
    except (OSError, TypeError, ValueError):
        with contextlib.suppress(OSError):
            os.unlink(staging)


def _normalised(name: str | None) -> str:
    return re.sub(r"[-_.]+", "-", name or "").lower()


def settle_names(sources: Iterable[PluginSource]) -> list[PluginSource]:
    """One plugin per name. When several distributions declare the same entry-point name, the name
    belongs to the distribution called ``zoo-NAME`` (``zoo`` itself belongs to the core), else to the
    first by distribution name; each other one is kept as a failed plugin named ``NAME@DISTRIBUTION``
    whose error names both distributions, so a squatter never takes over or breaks the owner."""
    by_name: dict[str, list[PluginSource]] = {}
    for source in sources:
        by_name.setdefault(source.name, []).append(source)
    settled = []
    for name, claims in sorted(by_name.items()):
        if len(claims) == 1:
            settled += claims
            continue
        rightful = {_normalised(f"zoo-{name}"), _normalised(CORE_DISTRIBUTION if name == "zoo" else "")} - {""}
        claims = sorted(claims, key=lambda s: (_normalised(s.distribution) not in rightful, _normalised(s.distribution)))
        owner, others = claims[0], claims[1:]
        settled.append(owner)
        for other in others:
            message = (f"distribution {other.distribution!r} declares plugin {name!r}, which distribution "
                       f"{owner.distribution!r} provides; refused (its entry point needs a name of its own)")
            settled.append(PluginSource(f"{name}@{other.distribution}", _refuse(message), other.value,
                                        other.distribution, other.version))
    return settled


def _refuse(message: str) -> Callable[[], Any]:
    def load() -> Any:
        raise PluginNameTaken(message)
    return load


class PluginNameTaken(Exception):
    """Two distributions declare one plugin name; the one that is not its owner is refused."""


def hook_names() -> list[str]:
    return [name for name in vars(hookspecs) if name.startswith("register_")]


def _one_line(error: BaseException) -> str:
    if isinstance(error, PluginNameTaken):
        return str(error)
    if isinstance(error, SystemExit):
        return f"called sys.exit({error.code!r})"
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


class _UserInterrupt:
    """Tells a real Ctrl-C (a SIGINT that arrived) from a ``KeyboardInterrupt`` a plugin raised itself."""

    def __init__(self) -> None:
        self.seen = False

    def __call__(self, signum: int, frame: Any) -> None:
        self.seen = True
        raise KeyboardInterrupt


@contextlib.contextmanager
def _plugin_code(record: PluginRecord, what: str) -> Iterator[None]:
    """Run a plugin's code: its prints go to stderr, and whatever it raises fails only that plugin.

    The exception is kept on the record for ``--traceback``; a real Ctrl-C is re-raised.
    """
    interrupt = _UserInterrupt()
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, interrupt) if in_main_thread else None
    try:
        with _stdout_to_stderr():
            yield
    except BaseException as error:  # noqa: BLE001 - any failure of a plugin's own code isolates that plugin
        if isinstance(error, KeyboardInterrupt) and interrupt.seen:
            raise
        record.fail(str(error) if isinstance(error, PluginNameTaken) else f"{what} {_one_line(error)}")
        record.exception = error
    finally:
        if in_main_thread:
            signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Python-level and, where stdout is the process's fd 1, file-descriptor-level too (C extensions)."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(contextlib.redirect_stdout(sys.stderr))
        saved = None
        try:
            if sys.__stdout__ is not None and sys.__stdout__.fileno() == 1 and sys.__stderr__ is not None:
                sys.__stdout__.flush()
                saved = os.dup(1)
                os.dup2(sys.__stderr__.fileno(), 1)
        except (OSError, ValueError, AttributeError):  # no real fds (embedded, some test runners)
            saved = None
        try:
            yield
        finally:
            if saved is not None:
                with contextlib.suppress(OSError, ValueError):
                    sys.__stdout__.flush()  # type: ignore[union-attr]
                os.dup2(saved, 1)
                os.close(saved)


def load_plugins(sources: Iterable[PluginSource], *, disabled: Sequence[str] = ()) -> tuple[pluggy.PluginManager, list[PluginRecord]]:
    """Import each plugin not blocked, register it, and record what went wrong.

    A blocked plugin is never imported. An import error, a hook implementation
    with a wrong signature or a hook name zoo does not know fails that plugin.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    known_hooks = set(hook_names())
    records = []
    for source in sources:
        record = PluginRecord(source.name, source.value, source.distribution, source.version)
        records.append(record)
        if source.name in disabled:
            record.status = "disabled"
            continue
        started = time.perf_counter()
        plugin = None
        with _plugin_code(record, f"cannot import {source.value or source.name}:"):
            plugin = source.load()
        record.load_seconds = time.perf_counter() - started
        if record.status == "failed":
            continue
        if not record.module:
            record.module = getattr(plugin, "__name__", repr(plugin))
        unknown = [name for name in dir(plugin)
                   if hasattr(getattr(plugin, name, None), f"{hookspecs.PROJECT}_impl") and name not in known_hooks]
        if unknown:
            record.fail(f"unknown hook {unknown[0]!r}; zoo's hooks are {', '.join(sorted(known_hooks))}")
            continue
        try:
            manager.register(plugin, name=source.name)
        except (pluggy.PluginValidationError, ValueError) as error:
            record.fail(_one_line(error))
            continue
        record.hooks = sorted(
            impl_name for impl_name in known_hooks
            if any(impl.plugin_name == source.name for impl in getattr(manager.hook, impl_name).get_hookimpls())
        )
    return manager, records


def call_hook(manager: pluggy.PluginManager, record: PluginRecord, hook: str, argument: Any,
              *, trace: TextIO | None = None) -> bool:
    """Call one plugin's implementation of one hook; False (and the record failed) if it raised."""
    if record.status != "loaded" or hook not in record.hooks:
        return record.status == "loaded"
    for impl in getattr(manager.hook, hook).get_hookimpls():
        if impl.plugin_name != record.name:
            continue
        started = time.perf_counter()
        with _plugin_code(record, f"hook {hook} raised"):
            impl.function(**{impl.argnames[0]: argument} if impl.argnames else {})
        if trace is not None:
            elapsed = (time.perf_counter() - started) * 1000
            print(f"zoo: trace: {record.name}.{hook}() {elapsed:.2f} ms", file=trace)
        if record.status == "failed":
            return False
    return True
