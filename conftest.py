"""Settings shared by every test suite of the repository (core and plugins)."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _no_inherited_terminal_width(monkeypatch):
    """pytest-xdist workers inherit COLUMNS=80, which zoo's tables honour when piped; a test that
    wants a width sets COLUMNS itself, so results never depend on how the suite was started."""
    monkeypatch.delenv("COLUMNS", raising=False)


@pytest.fixture(autouse=True)
def _results_store_of_its_own(tmp_path_factory):
    """Every test keeps the records `zoo run` stores in a results store of its own, in a folder of
    its own (not tmp_path, whose contents tests check), never in the user's zoo cache. Set without
    monkeypatch: a test's ``monkeypatch.undo()`` must not send its runs to the user's store."""
    saved = {name: os.environ.get(name) for name in ("ZOO_RESULTS", "ZOO_NO_STORE")}
    os.environ["ZOO_RESULTS"] = str(tmp_path_factory.mktemp("results") / "results.sqlite")
    os.environ.pop("ZOO_NO_STORE", None)
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
