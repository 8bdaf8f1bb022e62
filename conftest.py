"""Settings shared by every test suite of the repository (core and plugins)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_inherited_terminal_width(monkeypatch):
    """pytest-xdist workers inherit COLUMNS=80, which zoo's tables honour when piped; a test that
    wants a width sets COLUMNS itself, so results never depend on how the suite was started."""
    monkeypatch.delenv("COLUMNS", raising=False)
