"""A griffe extension: zoo's docstrings write cross-references as Sphinx roles
(:func:`zoo.embed`, :class:`~zoo.registry.Registry`); mkdocstrings reads Markdown.

Each role becomes an autorefs link (``[`embed`][zoo.api.embed]``) when its
target is an object of a module the reference documents, and plain code when
it is elsewhere (zoo's internals, another library). A role naming nothing that
exists in zoo is a warning, so ``mkdocs build --strict`` fails on it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import griffe

# Modules with a page in docs/reference/: their objects are rendered, so links to them resolve.
DOCUMENTED: tuple[str, ...] = ("zoo", "zoo.errors", "zoo.hf_datasets", "zoo.hookspecs", "zoo.interface", "zoo.metrics",
                               "zoo.store", "zoo.sweep", "zoo.testing", "zoo.weights")
ROLE = re.compile(r":(?:py:)?(?:func|class|meth|data|mod|attr|exc|obj):`(~?)([\w.]+)`")

log = logging.getLogger("mkdocs.plugins.zoo_docs.griffe_roles")


def _find(obj: griffe.Object, name: str) -> griffe.Object | griffe.Alias | None:
    """The object ``name`` means in ``obj``'s docstring: a dotted path, a name in its scope, or a member."""
    collection = obj.modules_collection
    candidates = [name]
    try:
        candidates.append(obj.resolve(name.split(".")[0]) + name[len(name.split(".")[0]):])
    except (griffe.NameResolutionError, AttributeError):
        pass
    scope: Any = obj
    while scope is not None:  # a member of the object or of an enclosing class or module: `forward`
        candidates.append(f"{scope.path}.{name}")
        scope = scope.parent
    for path in candidates:
        try:
            return collection[path]
        except (KeyError, ValueError, AttributeError, griffe.AliasResolutionError):
            continue
    return None


def _linkable(collection: Any) -> set[str]:
    """Paths the reference renders: each public name of a documented module, by its public
    path and by the path of the object it names."""
    paths = set()
    for module_path in DOCUMENTED:
        try:
            module = collection[module_path]
        except KeyError:
            continue
        for name in module.exports or ():
            member = module[name]
            paths.add(member.path)
            try:
                paths.add(member.final_target.path if member.is_alias else member.path)
            except (griffe.AliasResolutionError, griffe.CyclicAliasError):
                pass
    return paths


def _rendered(path: str, linkable: set[str]) -> bool:
    """Whether the reference shows ``path``: a documented module, a public name or a member of one."""
    parts = path.split(".")
    return path in DOCUMENTED or any(".".join(parts[:end]) in linkable for end in range(len(parts), 1, -1))


def _target(found: griffe.Object | griffe.Alias, linkable: set[str]) -> str | None:
    """The path a link should name (the object's own, else its public one), when the reference
    renders it; None otherwise."""
    paths = []
    try:
        paths.append(found.final_target.path if found.is_alias else found.path)
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        pass
    paths.append(found.path)
    return next((path for path in paths if _rendered(path, linkable)), None)


def convert(obj: griffe.Object, text: str, linkable: set[str]) -> str:
    """The docstring with every role replaced by a link or plain code.

    In a docstring the reference shows, a role naming nothing (a short name, or a ``zoo.``
    path) is a warning: a broken reference. Other libraries' names are left as code.
    """
    shown_here = _rendered(obj.path, linkable)

    def replace(match: re.Match[str]) -> str:
        short, name = match.group(1) == "~", match.group(2)
        shown = f"`{name.rsplit('.', 1)[-1] if short else name}`"
        found = _find(obj, name)
        if found is None:
            if shown_here and ("." not in name or name.split(".")[0] == "zoo"):
                log.warning("%s: docstring refers to %s, which does not exist", obj.path, name)
            return shown
        target = _target(found, linkable)
        return f"[{shown}][{target}]" if target else shown

    return ROLE.sub(replace, text)


class SphinxRoles(griffe.Extension):
    """Rewrite the roles of every docstring once the package is loaded (names resolve then)."""

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        self._walk(pkg, _linkable(pkg.modules_collection), seen=set())

    def _walk(self, obj: griffe.Object, linkable: set[str], seen: set[str]) -> None:
        if obj.path in seen:
            return
        seen.add(obj.path)
        if obj.docstring is not None:
            obj.docstring.value = convert(obj, obj.docstring.value, linkable)
        for member in obj.members.values():
            if not member.is_alias:
                self._walk(member, linkable, seen)
