"""Plugins in memory, for tests that must not depend on what is installed."""

from __future__ import annotations

import io
import types
from collections.abc import Callable
from typing import Any

from zoo.hookspecs import hookimpl
from zoo.loader import Settings, load_registry
from zoo.plugins import PluginSource
from zoo.registry import Registry

__all__ = ["fake_plugin", "registry_of"]


def fake_plugin(name: str, **hooks: Callable[..., Any]) -> types.ModuleType:
    """A module-like plugin whose hooks are the given functions.

    ``fake_plugin("acme", register_models=lambda register: register("m", ...))``
    """
    module = types.ModuleType(f"fake_{name}")
    for hook_name, function in hooks.items():
        argname = "cli" if hook_name == "register_commands" else "register"
        # pluggy reads argument names from the signature, so give impl the hook's own.
        namespace: dict[str, Any] = {"_f": function}
        exec(f"def {hook_name}({argname}):\n    return _f({argname})", namespace)  # noqa: S102 - fixed template
        setattr(module, hook_name, hookimpl(namespace[hook_name]))
    return module


def registry_of(*plugins: types.ModuleType | tuple[str, Any], settings: Settings | None = None,
                warn: io.StringIO | None = None, read_catalogues: bool = True) -> Registry:
    """Load a registry from plugin objects (a ``(name, plugin)`` pair or a fake module)."""
    sources = []
    for plugin in plugins:
        name, obj = plugin if isinstance(plugin, tuple) else (plugin.__name__.removeprefix("fake_"), plugin)
        sources.append(PluginSource.from_object(name, obj) if not isinstance(obj, PluginSource) else obj)
    settings = settings or Settings(builtin_catalogue=False, read_catalogues=read_catalogues)
    return load_registry(sources, settings, warn=warn if warn is not None else io.StringIO())
