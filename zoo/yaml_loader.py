"""Load YAML as plain data, with the file:line:column of every value.

Safe by construction: only plain scalars, lists and mappings come out. Tags
such as ``!!python/object``, anchors and aliases (and so alias bombs), merge
keys, duplicate keys and oversized files are errors that say where they are.
The libyaml parser is used when PyYAML has it. The size limit per file is
``ZOO_MAX_CATALOGUE_BYTES`` when set (see :func:`catalogue_byte_limit`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from zoo.errors import CatalogueError, UsageError
from zoo.files import FileProblem, read_bounded

__all__ = ["MAX_CATALOGUE_BYTES", "MAX_JSONL_CATALOGUE_BYTES", "Document", "catalogue_byte_limit", "load_yaml"]

MAX_CATALOGUE_BYTES: Final = 4 * 1024 * 1024  # hand-written YAML: more than this is a catalogue to split
# Generated JSON Lines catalogues hold a whole hub mirror (100,000 entries are about 130 MB).
MAX_JSONL_CATALOGUE_BYTES: Final = 512 * 1024 * 1024
LIMIT_VARIABLE: Final = "ZOO_MAX_CATALOGUE_BYTES"


def catalogue_byte_limit(default: int) -> int:
    """The per-file size limit: ``$ZOO_MAX_CATALOGUE_BYTES`` when set, else ``default`` (per format)."""
    value = os.environ.get(LIMIT_VARIABLE, "").strip()
    if not value:
        return default
    try:
        limit = int(value.replace("_", ""))
    except ValueError:
        limit = 0
    if limit <= 0:
        raise UsageError(f"{LIMIT_VARIABLE}={value!r} is not a positive whole number of bytes; set it to, "
                         f"say, {16 * 1024 * 1024} (16 MiB), or unset it for the defaults")
    return limit
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_TAG = "tag:yaml.org,2002:"
_SCALARS: Final = {
    _TAG + "str": SafeConstructor.construct_yaml_str,
    _TAG + "int": SafeConstructor.construct_yaml_int,
    _TAG + "float": SafeConstructor.construct_yaml_float,
    _TAG + "bool": SafeConstructor.construct_yaml_bool,
    _TAG + "null": SafeConstructor.construct_yaml_null,
    # Dates stay the text the author wrote: a catalogue is JSON-shaped data.
    _TAG + "timestamp": SafeConstructor.construct_scalar,
}


@dataclass(frozen=True)
class Document:
    """Parsed data plus the 1-based (line, column) of each field path."""

    path: Path
    data: Any
    locations: dict[str, tuple[int, int]]
    problems: tuple[str, ...] = ()  # lines that could not be read (JSON Lines: the others still load)

    def where(self, field_path: str) -> str:
        """``file:line:col`` of a field, or of its nearest present parent."""
        probe = field_path
        while probe and probe not in self.locations:
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut] if cut > 0 else ""
        line, column = self.locations.get(probe, (1, 1))
        return f"{self.path}:{line}:{column}"

    def problem(self, field_path: str, message: str) -> str:
        return f"{self.where(field_path)}: {field_path}: {message}" if field_path else f"{self.where('')}: {message}"


class _Walker:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.constructor = SafeConstructor()
        self.locations: dict[str, tuple[int, int]] = {}
        self.seen: set[int] = set()

    def fail(self, node: Node, message: str) -> CatalogueError:
        mark = node.start_mark
        return CatalogueError([f"{self.path}:{mark.line + 1}:{mark.column + 1}: {message}"])

    def walk(self, node: Node, path: str) -> Any:
        if id(node) in self.seen:
            raise self.fail(node, "anchors and aliases (&name, *name) are not allowed in catalogues")
        self.seen.add(id(node))
        self.locations[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, ScalarNode):
            construct = _SCALARS.get(node.tag)
            if construct is None:
                raise self.fail(node, f"tag {node.tag.replace(_TAG, '!!')!r} is not allowed; catalogues hold plain data")
            return construct(self.constructor, node)
        if isinstance(node, SequenceNode):
            if node.tag != _TAG + "seq":
                raise self.fail(node, f"tag {node.tag.replace(_TAG, '!!')!r} is not allowed; catalogues hold plain data")
            return [self.walk(item, f"{path}[{i}]") for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            if node.tag != _TAG + "map":
                raise self.fail(node, f"tag {node.tag.replace(_TAG, '!!')!r} is not allowed; catalogues hold plain data")
            result: dict[Any, Any] = {}
            first_seen: dict[Any, Node] = {}
            for key_node, value_node in node.value:
                if key_node.tag == _TAG + "merge":
                    raise self.fail(key_node, "merge keys (<<) are not allowed in catalogues")
                key = self.walk(key_node, f"{path}.<key>")
                if not isinstance(key, (str, int, bool)) and key is not None:
                    raise self.fail(key_node, "mapping keys must be plain scalars")
                if key in first_seen:
                    first = first_seen[key].start_mark
                    raise self.fail(key_node, f"duplicate key {key!r} (first defined at line {first.line + 1}, column {first.column + 1})")
                first_seen[key] = key_node
                result[key] = self.walk(value_node, f"{path}.{key}" if path else str(key))
            return result
        raise self.fail(node, f"unsupported YAML node {type(node).__name__}")


def read_catalogue_text(path: Path, limit: int) -> str:
    """A catalogue file's text: bounded, regular, UTF-8, or :class:`CatalogueError` at the line that is not."""
    raw = read_catalogue_bytes(path, limit)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise CatalogueError([f"{path}:{line}:1: not UTF-8 text ({error.reason} at byte {error.start})"]) from error


def read_catalogue_bytes(path: Path, limit: int) -> bytes:
    """A catalogue file's bytes, or :class:`CatalogueError` saying what is wrong at ``path:1:1``."""
    try:
        return read_bounded(path, limit=limit, what="catalogue")
    except FileProblem as problem:
        hint = f"; split it into several files, or raise {LIMIT_VARIABLE}" if "limit" in problem.reason else ""
        raise CatalogueError([f"{path}:1:1: catalogue {problem.reason}{hint}"]) from None


def load_yaml(path: str | Path, *, max_bytes: int | None = None) -> Document:
    """Parse one YAML file into plain data, raising :class:`CatalogueError` with its location.

    ``max_bytes`` defaults to :func:`catalogue_byte_limit` of :data:`MAX_CATALOGUE_BYTES`.
    """
    path = Path(path)
    text = read_catalogue_text(path, catalogue_byte_limit(MAX_CATALOGUE_BYTES) if max_bytes is None else max_bytes)
    try:
        root = yaml.compose(text, Loader=Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{mark.line + 1}:{mark.column + 1}" if mark else "1:1"
        raise CatalogueError([f"{path}:{where}: invalid YAML: {error.problem or error.context}"]) from error
    except yaml.YAMLError as error:
        raise CatalogueError([f"{path}:1:1: invalid YAML: {error}"]) from error
    if root is None:
        return Document(path, None, {"": (1, 1)})
    walker = _Walker(path)
    data = walker.walk(root, "")
    return Document(path, data, walker.locations)
