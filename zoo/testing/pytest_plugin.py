"""zoo's pytest plugin (entry point ``pytest11``): fixtures for plugin tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from zoo.registry import Registry
from zoo.testing.fakes import fake_plugin, registry_of


@pytest.fixture
def zoo_fake_plugin() -> Callable[..., Any]:
    """Make an in-memory plugin: ``zoo_fake_plugin("acme", register_models=...)``."""
    return fake_plugin


@pytest.fixture
def zoo_registry_of() -> Callable[..., Registry]:
    """Load a registry from in-memory plugins only: ``zoo_registry_of(plugin, ...)``."""
    return registry_of
