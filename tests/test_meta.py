"""Meta-tests: the documentation and the shipped catalogues keep up with the code."""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
from pathlib import Path

from zoo import hookspecs
from zoo.loader import BUILTIN_CATALOGUE
from zoo.plugins import hook_names

ROOT = Path(__file__).resolve().parents[1]


def test_every_hook_is_documented_with_its_signature():
    reference = (ROOT / "docs" / "hooks.md").read_text()
    for name in hook_names():
        argument = next(iter(inspect.signature(getattr(hookspecs, name)).parameters))
        assert f"## `{name}({argument})`" in reference, f"docs/hooks.md lacks a section for {name}({argument})"
        assert f"def {name}({argument}):" in reference, f"docs/hooks.md lacks an example of {name}"


def test_every_schema_field_is_documented():
    from zoo.schema import FIELDS

    reference = (ROOT / "docs" / "hooks.md").read_text() + (ROOT / "docs" / "catalogue.md").read_text()
    for kind, fields in FIELDS.items():
        for field in fields:
            assert f"`{field}`" in reference or f"{field}:" in reference, f"{kind} field {field!r} is undocumented"


def test_the_community_catalogue_ships_inside_the_package():
    assert BUILTIN_CATALOGUE.is_file()
    assert BUILTIN_CATALOGUE.read_text() == (ROOT / "registry.yaml").read_text()


def test_every_installed_catalogue_validates():
    """What a contributor runs before a pull request, over every catalogue zoo reads."""
    result = subprocess.run([sys.executable, "-m", "zoo", "validate"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert ": OK" in result.stdout
    # Its summary adds up to what `zoo list` shows.
    shown = int(re.search(r"zoo list shows (\d+) models", result.stdout).group(1))
    listed = subprocess.run([sys.executable, "-m", "zoo", "list", "--json"], capture_output=True, text=True, timeout=120)
    assert shown == len(json.loads(listed.stdout))
