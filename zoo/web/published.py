"""Paths as a published site shows them: no absolute path of the machine that built it.

A card shows where its entry came from (``origin``) and its weight file; for an entry of an installed
plugin both are files inside its distribution, at an absolute path of the builder's machine
(``/home/ci/venv/.../zoo_speech/catalogue.yaml:19:5``). ``zoo site build`` shows such a path from the
distribution's top package, and names the distribution: ``zoo_speech/catalogue.yaml:19:5 (zoo-speech)``;
any other absolute path (a user's own file) by its file name only. ``zoo serve`` is local, and shows
what ``zoo info`` shows.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import ntpath
import posixpath
import re
from collections.abc import Mapping
from pathlib import PurePath, PurePosixPath, PureWindowsPath
from typing import Any, Final

__all__ = ["public_origin", "public_path", "public_values"]

# A whole value that is an absolute path, maybe with a ``:line`` or ``:line:column`` after it.
_ABSOLUTE: Final = re.compile(r"(?P<path>/(?!/).*?|[A-Za-z]:[\\/].*?)(?P<place>(?::\d+){0,2})")  # not //host/


@functools.lru_cache(maxsize=1)
def _top_packages() -> dict[str, str]:
    """Each installed top-level package's name -> the distribution that installs it."""
    return {package: names[0] for package, names in importlib.metadata.packages_distributions().items() if names}


@functools.lru_cache(maxsize=4096)
def _package_folder(package: str) -> str | None:
    """Where the installed top-level package ``package`` is (found, not imported)."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    return locations[0] if len(locations) == 1 else None


def _split(path: str) -> PurePath:
    return PureWindowsPath(path) if ntpath.isabs(path) and not posixpath.isabs(path) else PurePosixPath(path)


def _in_distribution(path: str) -> tuple[str, str] | None:
    """``(path from the top package, distribution)`` of a file inside an installed distribution, or None."""
    parts = _split(path)
    packages = _top_packages()
    for folder in parts.parents:
        name = folder.name
        if name in packages:
            installed = _package_folder(name)
            if installed is not None and _split(installed) == folder:  # the package itself, not a namesake folder
                return parts.relative_to(folder.parent).as_posix(), packages[name]
    return None


def _public(path: str, place: str) -> tuple[str, str | None]:
    found = _in_distribution(path)
    if found is not None:
        return found[0] + place, found[1]
    return (_split(path).name or path) + place, None


def public_path(text: str) -> str:
    """``text`` as a published site shows it: an absolute path inside an installed distribution from its
    top package, with the distribution's name (``zoo_speech/weights/digits_cnn.safetensors (zoo-speech)``);
    another absolute path as its file name (with its ``:line:column``); anything else unchanged."""
    match = _ABSOLUTE.fullmatch(text)
    if match is None or "\n" in text:
        return text
    shown, distribution = _public(match["path"], match["place"])
    return f"{shown} ({distribution})" if distribution else shown


def public_origin(origin: Any) -> str:
    """An entry's :class:`~zoo.specs.Origin` as a published site shows it:
    ``zoo_speech/catalogue.yaml:19:5 (zoo-speech, plugin 'speech')``, ``register_models (plugin 'toys')``."""
    match = _ABSOLUTE.fullmatch(origin.where)
    if match is None:
        return str(origin)
    shown, distribution = _public(match["path"], match["place"])
    return f"{shown} ({distribution + ', ' if distribution else ''}plugin {origin.plugin!r})"


def public_values(value: Any) -> Any:
    """``value`` (a card's data) with every string that is an absolute path made :func:`public_path`."""
    if isinstance(value, str):
        return public_path(value)
    if isinstance(value, Mapping):
        return {key: public_values(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [public_values(item) for item in value]
    return value
