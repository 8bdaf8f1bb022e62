"""The hooks a zoo plugin may implement.

Every ``register_*`` hook receives a ``register`` callback bound to the plugin:
it checks the entry, records which plugin gave it and rejects duplicates.
Builders are import strings, so implementing these hooks imports nothing heavy.
"""

from __future__ import annotations

from typing import Any, Protocol

import pluggy

__all__ = ["Register", "RegisterCatalogue", "hookimpl", "hookspec"]

PROJECT = "zoo"
hookspec = pluggy.HookspecMarker(PROJECT)
"""Marks the hook specifications below (zoo's own; plugins never need it)."""
hookimpl = pluggy.HookimplMarker(PROJECT)
"""Marks a plugin's hook implementation: ``@zoo.hookimpl`` above ``def register_models(register)``."""


class Register(Protocol):
    """``register(name, **fields)``: add one task, model, dataset or metric."""

    def __call__(self, name: str, /, **fields: Any) -> None: ...


class RegisterCatalogue(Protocol):
    """``register(path)``: add a YAML catalogue file the plugin ships."""

    def __call__(self, path: str, /) -> None: ...


@hookspec
def register_tasks(register: Register) -> None:
    """Add tasks: what a sample is, what a model returns, the default metrics."""


@hookspec
def register_models(register: Register) -> None:
    """Add model builders, each an import string with arguments and a card."""


@hookspec
def register_datasets(register: Register) -> None:
    """Add dataset builders, each an import string with its splits and card."""


@hookspec
def register_metrics(register: Register) -> None:
    """Add streaming metrics, each for the tasks it applies to."""


@hookspec
def register_catalogues(register: RegisterCatalogue) -> None:
    """Add YAML catalogue files of concrete models that the plugin ships."""


@hookspec
def register_commands(cli: Any) -> None:
    """Add subcommands to the ``zoo`` click group (``cli`` is a click.Group)."""
