"""mkdocs hooks for zoo's documentation (see mkdocs.yml, ``hooks:``).

* The first-party plugins' READMEs become pages (``plugins/zoo-vision.md``...),
  read from where they live, so each has one source.
* A relative link is written as it works on the repository (``../plugins/zoo-text/README.md``
  from docs/, ``../../README.md`` from a plugin README) and is rewritten to the page
  that holds that file; a link to a file that is not a page is left alone, and
  mkdocs' own link validation then fails the strict build on it.
* Every public name (the ``__all__`` of each module in :data:`CHECKED_MODULES`)
  must have a docstring, and so must the public methods and properties of its
  classes; and every public name must be rendered by some page of the API
  reference. Either failure is a warning, so ``mkdocs build --strict`` fails.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[2]
# The modules whose __all__ is zoo's public interface for users and plugin authors; each has a
# page in docs/reference/ (and griffe_roles.DOCUMENTED names the same ones).
CHECKED_MODULES = ("zoo", "zoo.errors", "zoo.hf_datasets", "zoo.hookspecs", "zoo.interface", "zoo.metrics", "zoo.store",
                   "zoo.sweep", "zoo.testing", "zoo.weights")

log = logging.getLogger("mkdocs.plugins.zoo_docs")

_LINK = re.compile(r"(\]\()([^)\s]+?)(#[^)\s]*)?(\))")
_HEADING_ID = re.compile(r'\bid="([^"]+)"')


# -- the plugin READMEs as pages, and links written as on the repository ----------------------


def plugin_readmes(root: Path = REPOSITORY) -> dict[str, Path]:
    """``plugins/<name>.md`` (the page) -> ``plugins/<name>/README.md`` (the file), for each plugin."""
    return {f"plugins/{path.parent.name}.md": path for path in sorted(root.glob("plugins/*/README.md"))}


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    for src_uri, path in plugin_readmes().items():
        files.append(File.generated(config, src_uri, abs_src_path=str(path)))
    return files


def _pages_by_source(files: Iterable[Any]) -> dict[str, str]:
    """The repository file each page is read from -> the page; the repository README is the home page."""
    pages = {os.path.normpath(file.abs_src_path): file.src_uri for file in files
             if file.is_documentation_page() and file.abs_src_path}
    pages.setdefault(os.path.normpath(REPOSITORY / "README.md"), "index.md")
    return pages


def rewrite_links(markdown: str, source: str, src_uri: str, pages: dict[str, str]) -> str:
    """Links relative to the page's file on the repository -> relative to the page in the site."""
    here = os.path.dirname(source)
    page_dir = os.path.dirname(src_uri)

    def replace(match: re.Match[str]) -> str:
        target = match.group(2)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("/"):
            return match.group(0)  # a URL (https:, mailto:) or an absolute path: mkdocs judges those
        page = pages.get(os.path.normpath(os.path.join(here, target)))
        if page is None:
            return match.group(0)
        relative = os.path.relpath(page, page_dir or ".").replace(os.sep, "/")
        return f"{match.group(1)}{relative}{match.group(3) or ''}{match.group(4)}"

    return _LINK.sub(replace, markdown)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if not page.file.abs_src_path:
        return markdown
    return rewrite_links(markdown, page.file.abs_src_path, page.file.src_uri, _pages_by_source(files))


# -- every public name documented and rendered -------------------------------------------------


def public_names(modules: Iterable[str] = CHECKED_MODULES, root: Path = REPOSITORY) -> list[tuple[str, Any]]:
    """``(module.name, griffe object)`` for each name in each module's ``__all__``, read
    statically by griffe (nothing is imported, so torch is never needed)."""
    import griffe

    loader = griffe.GriffeLoader(search_paths=[str(root)])
    found = []
    for module_path in modules:
        package = loader.load(module_path.split(".")[0])
        module = loader.modules_collection[module_path] if "." in module_path else package
        for name in module.exports or ():
            found.append((f"{module_path}.{name}", module[name]))
    loader.resolve_aliases(implicit=False, external=False)
    return found


def _target(obj: Any) -> Any:
    return obj.final_target if obj.is_alias else obj


def _documented(obj: Any) -> bool:
    return bool(obj.docstring and obj.docstring.value.strip())


def undocumented(names: Iterable[tuple[str, Any]]) -> list[str]:
    """One line per public name, or public method or property of a public class, with no docstring."""
    problems, seen = [], set()
    for public, obj in names:
        target = _target(obj)
        if target.path in seen:
            continue
        seen.add(target.path)
        if not _documented(target):
            problems.append(f"{public} ({target.path}) has no docstring")
        if not target.is_class:
            continue
        for member_name, member in target.members.items():
            if member_name.startswith("_") or member.is_alias:
                continue
            if (member.is_function or "property" in member.labels) and not _documented(member):
                problems.append(f"{public}.{member_name} ({member.path}) has no docstring")
    return problems


# The heading ids of the reference pages built so far: mkdocs hooks are module functions, so the
# pages' ids collected by on_page_content wait here for on_post_build (cleared by on_pre_build).
_rendered: set[str] = set()


def on_pre_build(config: Any) -> None:
    _rendered.clear()


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    if page.file.src_uri.startswith("reference/"):
        _rendered.update(_HEADING_ID.findall(html))
    return html


def not_rendered(names: Iterable[tuple[str, Any]], rendered: set[str]) -> list[str]:
    """One line per public name that no reference page shows (under its public or its own path)."""
    return [f"{public} ({_target(obj).path}) is not shown on any page of docs/reference/"
            for public, obj in names if public not in rendered and _target(obj).path not in rendered]


def on_post_build(config: Any) -> None:
    names = public_names()
    for problem in undocumented(names) + not_rendered(names, _rendered):
        log.warning("public name: %s", problem)
