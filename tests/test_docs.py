"""The documentation site: it builds strictly, its examples run, and what it checks fails when it should.

``mkdocs build`` (mkdocs.yml, strict) renders docs/*.md, the plugin READMEs and the API reference
generated from the docstrings; docs/tooling/ holds its two hooks: the mkdocs hooks (pages from the
READMEs, repository links, the public-name check) and the griffe extension (Sphinx roles -> links).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
DOCS = REPOSITORY / "docs"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"zoo_docs_{name}", DOCS / "tooling" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


hooks = _load("mkdocs_hooks")
roles = _load("griffe_roles")


def _build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config),
                           "--site-dir", str(site)], cwd=config.parent, capture_output=True, text=True, env=env,
                          timeout=300)


def python_blocks(page: Path) -> list[tuple[str, str]]:
    """``(file, code)`` for each Python block of a page; each must start with ``# path/of/file.py``."""
    blocks = re.findall(r"^```python\n(.*?)^```", page.read_text(encoding="utf-8"), flags=re.S | re.M)
    named = []
    for code in blocks:
        first = code.splitlines()[0]
        assert re.fullmatch(r"# [\w/]+\.py", first), f"{page.name}: a Python block must name its file first: {first!r}"
        named.append((first[2:], code))
    return named


# -- the site ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_documentation_builds_strictly_with_every_page(tmp_path: Path) -> None:
    built = _build(REPOSITORY / "mkdocs.yml", tmp_path / "site")
    assert built.returncode == 0, built.stderr[-3000:]
    site = tmp_path / "site"
    for page in ("index", "contracts", "plugin-authors", "hooks", "cli", "plugins/zoo-vision", "reference/zoo",
                 "reference/testing"):
        assert (site / page / "index.html").is_file() if page != "index" else (site / "index.html").is_file()
    reference = (site / "reference" / "zoo" / "index.html").read_text(encoding="utf-8")
    assert 'id="zoo.build_model"' in reference and "Build a model" in reference
    # Offline: no script, stylesheet or font is fetched from elsewhere (a CDN, web fonts).
    home = (site / "index.html").read_text(encoding="utf-8")
    assert not re.findall(r'<(?:script|link)[^>]*(?:src|href)="(?:https?:)?//', home)
    # A plugin README's link to the repository README leads to the home page.
    assert 'href="../.."' in (site / "plugins" / "zoo-vision" / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_strict_build_fails_on_a_broken_link_or_reference_or_an_undocumented_public_name(tmp_path: Path) -> None:
    copy = tmp_path / "repository"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("docs", "zoo"):
        shutil.copytree(REPOSITORY / folder, copy / folder, ignore=ignore)
    for readme in [REPOSITORY / "README.md", *REPOSITORY.glob("plugins/*/README.md")]:
        (copy / readme.relative_to(REPOSITORY)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(readme, copy / readme.relative_to(REPOSITORY))
    shutil.copy(REPOSITORY / "mkdocs.yml", copy / "mkdocs.yml")
    with open(copy / "docs" / "contracts.md", "a", encoding="utf-8") as page:
        page.write("\nSee [the weights page](weights.md) and [its section](hooks.md#no-such-section).\n")
    with open(copy / "zoo" / "weights.py", "a", encoding="utf-8") as module:
        module.write('\n__all__ += ["fetch_everything", "verify_twice"]\n\n\ndef fetch_everything() -> None:\n'
                     '    pass\n\n\ndef verify_twice() -> None:\n    """Like :func:`verify_thrice`, twice."""\n')

    built = _build(copy / "mkdocs.yml", tmp_path / "site")
    output = built.stdout + built.stderr

    assert built.returncode != 0
    assert "contains a link 'weights.md', but the target is not found" in output
    assert "does not contain an anchor '#no-such-section'" in output
    assert "public name: zoo.weights.fetch_everything (zoo.weights.fetch_everything) has no docstring" in output
    assert "zoo.weights.verify_twice: docstring refers to verify_thrice, which does not exist" in output
    assert re.search(r"Aborted with \d+ warnings in strict mode", output)


@pytest.mark.slow
def test_the_data_contracts_page_is_a_plugin_whose_tests_pass(tmp_path: Path) -> None:
    """Every Python block of docs/contracts.md, written to the file it names, then its tests run."""
    files: dict[str, str] = {}
    for name, code in python_blocks(DOCS / "contracts.md"):
        files[name] = files.get(name, "") + code + "\n"
    assert set(files) == {"zoo_acme/__init__.py", "zoo_acme/data.py", "zoo_acme/models.py", "zoo_acme/metrics.py",
                          "tests/test_acme.py"}
    for name, code in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(code, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "HF_HUB_OFFLINE": "1"}
    ran = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                          "tests/test_acme.py"], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300)
    assert ran.returncode == 0, ran.stdout[-4000:] + ran.stderr[-2000:]
    tests = len(re.findall(r"^def test_", files["tests/test_acme.py"], flags=re.M))
    assert f"{tests} passed" in ran.stdout


# -- the hooks, on their own -----------------------------------------------------------------------


def test_links_written_for_the_repository_lead_to_the_pages_that_hold_their_targets() -> None:
    pages = {str(REPOSITORY / "docs" / "hooks.md"): "hooks.md",
             str(REPOSITORY / "plugins" / "zoo-text" / "README.md"): "plugins/zoo-text.md",
             str(REPOSITORY / "README.md"): "index.md"}
    readme = str(REPOSITORY / "plugins" / "zoo-text" / "README.md")
    rewritten = hooks.rewrite_links("A plugin for [zoo](../../README.md); [hooks](../../docs/hooks.md#environment), "
                                    "[timm](https://github.com/huggingface/pytorch-image-models), [a script]"
                                    "(scripts/train.py)", readme, "plugins/zoo-text.md", pages)
    assert rewritten == ("A plugin for [zoo](../index.md); [hooks](../hooks.md#environment), "
                         "[timm](https://github.com/huggingface/pytorch-image-models), [a script](scripts/train.py)")
    authors = str(REPOSITORY / "docs" / "plugin-authors.md")
    assert hooks.rewrite_links("[zoo-text](../plugins/zoo-text/README.md), [hooks](hooks.md)", authors,
                               "plugin-authors.md", pages) == "[zoo-text](plugins/zoo-text.md), [hooks](hooks.md)"


def test_every_plugin_readme_is_a_page() -> None:
    assert sorted(hooks.plugin_readmes()) == ["plugins/zoo-speech.md", "plugins/zoo-text.md", "plugins/zoo-vision.md"]
    nav = (REPOSITORY / "mkdocs.yml").read_text(encoding="utf-8")
    assert all(page in nav for page in hooks.plugin_readmes())


def test_a_public_name_without_a_docstring_is_found(tmp_path: Path) -> None:
    package = tmp_path / "acme_lib"
    package.mkdir()
    (package / "__init__.py").write_text('''\
"""A library."""
from acme_lib.core import Widget, make

__all__ = ["Widget", "make", "VERSION"]

VERSION = "1.0"


class Hidden:
    pass
''', encoding="utf-8")
    (package / "core.py").write_text('''\
"""Widgets."""


class Widget:
    """A widget."""

    def spin(self) -> None:
        pass

    def _turn(self) -> None:
        pass

    @property
    def size(self) -> int:
        """How big."""
        return 1


def make() -> Widget:
    return Widget()
''', encoding="utf-8")
    names = hooks.public_names(["acme_lib"], root=tmp_path)
    assert [public for public, _ in names] == ["acme_lib.Widget", "acme_lib.make", "acme_lib.VERSION"]
    assert hooks.undocumented(names) == ["acme_lib.Widget.spin (acme_lib.core.Widget.spin) has no docstring",
                                         "acme_lib.make (acme_lib.core.make) has no docstring",
                                         "acme_lib.VERSION (acme_lib.VERSION) has no docstring"]
    assert hooks.not_rendered(names, {"acme_lib.core.Widget", "acme_lib.make"}) == [
        "acme_lib.VERSION (acme_lib.VERSION) is not shown on any page of docs/reference/"]


@pytest.mark.slow
def test_every_public_name_of_zoo_has_a_docstring() -> None:
    problems = hooks.undocumented(hooks.public_names())
    assert not problems, "add a docstring to each:\n" + "\n".join(problems)


def test_each_checked_module_has_its_reference_page() -> None:
    assert hooks.CHECKED_MODULES == roles.DOCUMENTED
    for module in hooks.CHECKED_MODULES:
        page = DOCS / "reference" / f"{module.removeprefix('zoo.') if module != 'zoo' else 'zoo'}.md"
        assert f"::: {module}" in page.read_text(encoding="utf-8"), page


def test_sphinx_roles_in_docstrings_become_links_or_code() -> None:
    import griffe

    zoo = griffe.load("zoo", search_paths=[str(REPOSITORY)])
    model = zoo["interface.Model"]
    linkable = roles._linkable(zoo.modules_collection)
    converted = roles.convert(model, "See :data:`SCORE_KINDS`, :func:`zoo.embed`, :class:`~zoo.registry.Registry`, "
                                     ":mod:`zoo.engine.replay` and :data:`PIL.Image.MAX_IMAGE_PIXELS`.", linkable)
    assert converted == ("See [`SCORE_KINDS`][zoo.interface.SCORE_KINDS], [`zoo.embed`][zoo.api.embed], "
                         "[`Registry`][zoo.registry.Registry], `zoo.engine.replay` and `PIL.Image.MAX_IMAGE_PIXELS`.")


def test_every_python_block_of_the_contracts_page_names_its_file() -> None:
    assert len(python_blocks(DOCS / "contracts.md")) >= 8


def test_the_readme_test_command_is_what_ci_runs_and_installs_the_docs_extra() -> None:
    ci = [line.strip() for line in (REPOSITORY / ".ci" / "run").read_text(encoding="utf-8").splitlines()
          if ("pip install" in line or "pytest" in line) and not line.lstrip().startswith("#")]
    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    assert ci and all(line in readme for line in ci), "the README's test command and .ci/run differ"
    assert any(re.search(r'"\.\[[\w,]*\bdocs\b[\w,]*\]"', line) for line in ci), ".ci/run must install .[docs]"
