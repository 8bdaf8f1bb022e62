"""`zoo validate`: every problem on its own line, and a summary that adds up to what `zoo list` shows."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from zoo.cli import make_cli
from zoo.plugins import PluginSource
from zoo.testing import fake_plugin, registry_of


def register_metrics(register):
    register("accuracy", tasks=["text-classification"], builder="zoo.metrics:accuracy")


def register_models(register):
    register("keyword", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT")
    register("typo", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MITT")


CATALOGUE = """version: 1
models:
  - name: keyword-great
    task: text-classification
    builder: keyword
    license: Apache-2.0 OR MIT
    args: {keywords: [great]}
  - name: keyword-fine
    task: text-classification
    builder: keyword
    license: Apache-2
    args: {keywords: [fine]}
"""


@pytest.fixture
def zoo_cli(tmp_path, monkeypatch):
    """The zoo command over one in-memory plugin, with CATALOGUE as the community catalogue."""
    catalogue = tmp_path / "registry.yaml"
    catalogue.write_text(CATALOGUE)
    monkeypatch.setattr("zoo.loader.BUILTIN_CATALOGUE", catalogue)
    plugin = fake_plugin("toys", register_metrics=register_metrics, register_models=register_models)

    def run(*args, also=()):
        return CliRunner().invoke(make_cli(lambda settings: registry_of(plugin, *also, settings=settings)),
                                  list(args))
    run.catalogue = catalogue
    return run


def test_validate_names_unknown_licences_with_a_suggestion_wherever_they_are(zoo_cli):
    result = zoo_cli("validate")
    assert result.exit_code == 1
    plugin_entry, catalogue_entry = result.stderr.splitlines()[:2]
    assert plugin_entry.startswith(f"{__file__}:")  # the line of the register() call
    assert plugin_entry.endswith(": model toys:typo: license: 'MITT' is not an SPDX licence id; did you mean 'MIT'? "
                                 "(see https://spdx.org/licenses/; LicenseRef-NAME names a licence it does not list)")
    assert catalogue_entry.startswith(f"{zoo_cli.catalogue}:8:5: model toys:keyword-fine: license: 'Apache-2' is not "
                                      "an SPDX licence id; did you mean 'Apache-2.0'")


def test_validate_says_how_its_count_adds_up_to_zoo_list(zoo_cli):
    summary = zoo_cli("validate").stderr.splitlines()[-1]
    assert summary == ("1 catalogue(s): 1 model entries valid, 2 problem(s); "
                       "zoo list shows 4 models (2 from catalogues, 2 registered by plugins)")
    listed = json.loads(zoo_cli("list", "--json").stdout)
    assert sorted(entry["id"] for entry in listed) == ["toys:keyword", "toys:keyword-fine", "toys:keyword-great",
                                                       "toys:typo"]


def test_validate_of_named_files_counts_only_them(zoo_cli, tmp_path):
    mine = tmp_path / "mine.yaml"
    mine.write_text(CATALOGUE.split("  - name: keyword-fine")[0])
    result = zoo_cli("validate", str(mine))
    assert result.exit_code == 0, result.output
    assert result.stdout == "1 catalogue(s): 1 model entries valid: OK\n"


def test_validate_of_a_file_ignores_an_unrelated_failed_plugin(zoo_cli, tmp_path):
    mine = tmp_path / "mine.yaml"
    mine.write_text(CATALOGUE.split("  - name: keyword-fine")[0])
    def fails_to_import():
        raise ImportError("an unrelated plugin that fails to import")

    broken = [("broken", PluginSource("broken", fails_to_import, "zoo_broken"))]
    assert "broken" in zoo_cli("validate", also=broken).stderr  # everything zoo reads: a failed plugin is a problem
    result = zoo_cli("validate", str(mine), also=broken)
    assert result.exit_code == 0 and "broken" not in result.output


def test_entries_of_an_absent_plugin_are_set_aside_quietly_and_listed(zoo_cli):
    zoo_cli.catalogue.write_text(CATALOGUE.split("  - name: keyword-fine")[0] +
                                 "  - name: resnet-tv\n    task: image-classification\n    builder: vision:timm\n"
                                 "    license: BSD-3-Clause\n")
    listed = zoo_cli("list")
    assert listed.exit_code == 0 and "warning" not in listed.stderr
    aside = json.loads(zoo_cli("list", "--unavailable", "--json").stdout)
    assert [(e["name"], e["plugin"]) for e in aside] == [("resnet-tv", "vision")]
    assert "comes from plugin 'vision', which is not installed" in aside[0]["reason"]
    summary = zoo_cli("validate").stderr.splitlines()[-1]
    assert "1 set aside, their plugin(s) not installed or their task not provided: vision" in summary
