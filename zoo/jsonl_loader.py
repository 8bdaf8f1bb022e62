"""Load a JSON Lines catalogue (``.jsonl``): one model entry per line, for generated catalogues.

YAML stays the format people write; a program that mirrors a hub writes JSON
Lines, which parses an order of magnitude faster. A line holds one JSON object
with the same fields as a YAML catalogue's model entry; there is no header
(``version`` and ``models`` are implied) and blank lines are skipped. The data
comes out as the YAML loader's does, ``{"version": 1, "models": [...]}``, with
every entry located at ``file:line:column`` (a field's column is where its key
is on the line). A line that is not a JSON object, has a duplicate key or holds
NaN/Infinity is a problem at its line; the other lines still load.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from zoo.yaml_loader import MAX_JSONL_CATALOGUE_BYTES, Document, catalogue_byte_limit, read_catalogue_text

__all__ = ["JSONL_SUFFIXES", "JsonlDocument", "load_jsonl"]

JSONL_SUFFIXES: Final = (".jsonl",)
_MODEL_AT: Final = "models["


@dataclass(frozen=True)
class JsonlDocument(Document):
    """A JSON Lines catalogue: each entry's line, and a field's column found on demand (on errors only)."""

    lines: Sequence[str] = ()  # the text of each entry's line, by entry index

    def where(self, field_path: str) -> str:
        if field_path.startswith(_MODEL_AT):
            index_text, _, rest = field_path[len(_MODEL_AT):].partition("]")
            if index_text.isdigit() and int(index_text) < len(self.lines):
                index = int(index_text)
                line, column = self.locations[f"{_MODEL_AT}{index}]"]
                key = rest.lstrip(".").split(".", 1)[0].split("[", 1)[0]
                found = self.lines[index].find(json.dumps(key) + ":") if key else -1
                return f"{self.path}:{line}:{found + 1 if found >= 0 else column}"
        return super().where(field_path)


class _Refused(ValueError):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        keys = [key for key, _ in pairs]
        duplicate = next(key for index, key in enumerate(keys) if key in keys[:index])
        raise _Refused(f"duplicate key {duplicate!r}")
    return result


def _no_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a number a catalogue can hold")


def load_jsonl(path: str | Path, *, max_bytes: int | None = None) -> JsonlDocument:
    """Parse one JSON Lines catalogue; unreadable lines become ``problems``, located by line.

    ``max_bytes`` defaults to :func:`~zoo.yaml_loader.catalogue_byte_limit` of
    :data:`~zoo.yaml_loader.MAX_JSONL_CATALOGUE_BYTES`.
    """
    path = Path(path)
    text = read_catalogue_text(path, catalogue_byte_limit(MAX_JSONL_CATALOGUE_BYTES) if max_bytes is None else max_bytes)
    decoder = json.JSONDecoder(object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant)
    models: list[Any] = []
    lines: list[str] = []
    locations: dict[str, tuple[int, int]] = {"": (1, 1), "version": (1, 1), "models": (1, 1)}
    problems: list[str] = []
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        column = len(line) - len(line.lstrip()) + 1
        try:
            entry = decoder.decode(stripped)
        except json.JSONDecodeError as error:
            problems.append(f"{path}:{number}:{column + error.colno - 1}: invalid JSON: {error.msg}")
            continue
        except _Refused as error:
            problems.append(f"{path}:{number}:{column}: {error}")
            continue
        except RecursionError:
            problems.append(f"{path}:{number}:{column}: nested too deeply; a catalogue entry is a few levels of data")
            continue
        if not isinstance(entry, dict):
            problems.append(f"{path}:{number}:{column}: expected a JSON object (one model entry per line), "
                            f"got {type(entry).__name__}")
            continue
        locations[f"{_MODEL_AT}{len(models)}]"] = (number, column)
        models.append(entry)
        lines.append(line)
    return JsonlDocument(path, {"version": 1, "models": models}, locations, tuple(problems), lines)
