"""zoo's pytest plugin (entry point ``pytest11``): fixtures for plugin tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from zoo.registry import Registry
from zoo.testing.fakes import fake_plugin, registry_of


def pytest_configure(config: pytest.Config) -> None:
    # PluginConformance marks its slow checks: a plugin's --strict-markers must know the mark.
    config.addinivalue_line("markers", "slow: takes more than a few seconds (real models or data); still runs in CI")


@pytest.fixture
def zoo_fake_plugin() -> Callable[..., Any]:
    """Make an in-memory plugin: ``zoo_fake_plugin("acme", register_models=...)``."""
    return fake_plugin


@pytest.fixture
def zoo_registry_of() -> Callable[..., Registry]:
    """Load a registry from in-memory plugins only: ``zoo_registry_of(plugin, ...)``."""
    return registry_of
