"""The core's distribution name: what plugins depend on, and what records and `zoo plugins` report.

`zoo` on the package index is an unrelated project, so a plugin depending on
`zoo[run]` would install it: every dependency on the core names the core's own
distribution, model-zoo-registry.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from zoo.engine.record import library_versions
from zoo.plugins import CORE_DISTRIBUTION
from zoo.testing import registry_of

REPOSITORY = Path(__file__).resolve().parents[1]
PLUGIN_PROJECTS = sorted(REPOSITORY.glob("plugins/*/pyproject.toml"))


def requirement_name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9._-]+", requirement).group()).lower()


def test_the_core_is_published_under_its_own_name_with_the_command_zoo():
    project = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())["project"]
    assert project["name"] == CORE_DISTRIBUTION == "model-zoo-registry"
    assert project["scripts"] == {"zoo": "zoo.cli:main"}
    assert metadata.version(CORE_DISTRIBUTION)  # installed under that name (pip install -e .)


def test_every_plugin_depends_on_the_core_by_its_distribution_name():
    assert len(PLUGIN_PROJECTS) == 3
    for path in PLUGIN_PROJECTS:
        dependencies = tomllib.loads(path.read_text())["project"]["dependencies"]
        names = [requirement_name(requirement) for requirement in dependencies]
        assert "zoo" not in names, f"{path}: depends on `zoo`, an unrelated project on the package index"
        assert f"{CORE_DISTRIBUTION}[run]" in dependencies, path


def test_records_and_the_plugin_list_name_the_core_by_its_distribution():
    assert library_versions()["zoo"] == metadata.version(CORE_DISTRIBUTION)
    core = registry_of().plugin("zoo")
    assert (core.distribution, core.version) == (CORE_DISTRIBUTION, metadata.version(CORE_DISTRIBUTION))
