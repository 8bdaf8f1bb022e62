"""Licences are SPDX expressions, checked by the license-expression library."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from zoo import schema
from zoo.cli import make_cli
from zoo.schema import check_fields, spdx_problems

MODEL = {"name": "m", "task": "text-classification", "builder": "zoo.testing.toy:build_keyword_model"}


@pytest.mark.parametrize("licence", [
    "MIT", "Apache-2.0 OR MIT", "(MIT OR Apache-2.0) AND BSD-3-Clause", "GPL-2.0-or-later WITH Classpath-exception-2.0",
    "NOASSERTION", "NONE", "LicenseRef-Public-Domain", "CC0-1.0 AND LicenseRef-Public-Domain", "mit",
])
def test_spdx_expressions_are_valid(licence):
    assert check_fields("model", {**MODEL, "license": licence}) == []
    assert spdx_problems(licence) == []


@pytest.mark.parametrize("licence, message", [
    ("Apache 2", "'Apache 2' is not an SPDX licence id (letters, digits, '.', '-', '+'); write an SPDX expression "
                 "such as 'Apache-2.0' or 'Apache-2.0 OR MIT'"),
    ("MIT OR", "'MIT OR' is not an SPDX licence expression (OR requires two or more licenses"),
    ("(MIT OR Apache-2.0", "'(MIT OR Apache-2.0' is not an SPDX licence expression"),
    ("MIT/Apache-2.0", "'MIT/Apache-2.0' is not an SPDX licence expression"),
])
def test_a_malformed_expression_is_refused_when_registered(licence, message):
    ((path, problem),) = check_fields("model", {**MODEL, "license": licence})
    assert path == "license" and problem.startswith(message)


@pytest.mark.parametrize("licence, message", [
    ("MITT", "'MITT' is not an SPDX licence id; did you mean 'MIT'?"),
    ("Apache-2.0 OR BSD-3-Clauses", "'BSD-3-Clauses' is not an SPDX licence id; did you mean 'BSD-3-Clause'"),
    ("GPL-2.0+", "'GPL-2.0+' is an old or other name of the SPDX licence 'GPL-2.0-or-later'; write 'GPL-2.0-or-later'"),
    ("MIT AND NOASSERTION", "'NOASSERTION' is not an SPDX licence id (NOASSERTION and NONE stand alone"),
    ("MIT WITH Apache-2.0", "'MIT WITH Apache-2.0': A plain license symbol cannot be used as an exception"),
])
def test_validation_checks_ids_against_the_spdx_list(licence, message):
    (problem,) = spdx_problems(licence)
    assert problem.startswith(message)


def test_listing_does_not_load_the_spdx_list(toy_registry):
    # Loading the list costs ~30 ms; `zoo list` checks only the form of each licence.
    schema._spdx_licensing.cache_clear()
    result = CliRunner().invoke(make_cli(lambda settings: toy_registry), ["list", "--license", "MIT"])
    assert result.exit_code == 0 and "keyword" in result.output
    assert schema._spdx_licensing.cache_info().currsize == 0
