"""A plugin's pyproject.toml travels alone (sdist, wheel, PyPI page): nothing in it may point outside
its own folder, where a user of the package has nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
PYPROJECTS = sorted(REPOSITORY.glob("plugins/*/pyproject.toml"))
# A relative path in a value or a comment: ../x, ./x, or a folder name followed by a slash.
RELATIVE_PATH = re.compile(r"(?<![\w:/.-])((?:\.\.?/)+[\w./-]*)")


def outside_references(pyproject: Path) -> list[str]:
    """``line N: path`` for each relative path in the file that leaves the plugin's folder."""
    root = pyproject.parent.resolve()
    found = []
    for number, line in enumerate(pyproject.read_text(encoding="utf-8").splitlines(), start=1):
        for path in RELATIVE_PATH.findall(line):
            target = (root / path).resolve()
            if target != root and root not in target.parents:
                found.append(f"line {number}: {path}")
    return found


def test_the_first_party_plugins_are_all_checked() -> None:
    assert [p.parent.name for p in PYPROJECTS] == ["zoo-speech", "zoo-text", "zoo-vision"]


@pytest.mark.parametrize("pyproject", PYPROJECTS, ids=lambda p: p.parent.name)
def test_plugin_pyproject_points_nowhere_outside_its_package(pyproject: Path) -> None:
    assert outside_references(pyproject) == []


def test_a_path_to_a_shared_folder_beside_the_repository_is_found(tmp_path: Path) -> None:
    plugin = tmp_path / "plugins" / "zoo-acme"
    plugin.mkdir(parents=True)
    (plugin / "pyproject.toml").write_text(
        '[project]\nname = "zoo-acme"\nreadme = "README.md"\n'
        "# weights: see ../../../shared/OFFLINE-ASSETS.md and ./docs/weights.md\n", encoding="utf-8")
    assert outside_references(plugin / "pyproject.toml") == ["line 4: ../../../shared/OFFLINE-ASSETS.md"]
