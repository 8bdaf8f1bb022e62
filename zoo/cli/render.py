"""Plain-text tables and cards: fast to import, readable in any terminal or log."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import fields, is_dataclass
from typing import Any

import click

from zoo.printable import printable, strict_json

__all__ = ["card_lines", "echo_json", "format_count", "table", "terminal_width", "to_jsonable"]

ELLIPSIS = "..."
MIN_CUT_WIDTH = 12  # a cut column keeps at least this many characters (or its header's)


def format_count(value: int | None) -> str:
    """25557032 -> '25.6M', the way model cards write sizes."""
    if value is None:
        return "-"
    for unit, size in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if value >= size:
            return f"{value / size:.1f}{unit}"
    return str(value)


def format_bytes(value: int | None, *, unknown: str = "-") -> str:
    """1234567 -> '1.2 MB' (SI units, as pip and the hub show sizes); None -> ``unknown``."""
    if value is None:
        return unknown
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if value >= size:
            return f"{value / size:.1f} {unit}"
    return f"{value} B"


def terminal_width() -> int | None:
    """The width a table must fit: the terminal's when stdout is one ($COLUMNS overrides it), else None.

    Output piped or redirected (``zoo list > models.txt``, ``| grep``) keeps
    every character whatever COLUMNS says: programs export COLUMNS to their
    children (pytest-xdist's workers get 80), and a file has no width.
    ``zoo info`` and ``--json`` always keep every character.
    """
    return shutil.get_terminal_size().columns if sys.stdout.isatty() else None


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:max(width - len(ELLIPSIS), 0)] + ELLIPSIS


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, shrink: Sequence[str] = (),
          width: int | None = None) -> str:
    """A left-aligned text table sized to its contents.

    When the table is wider than ``width`` (default: :func:`terminal_width`),
    the columns named in ``shrink`` are cut, in that order, each down to
    MIN_CUT_WIDTH, their long cells ending in "..."; other columns (names) are
    never cut, so a table of long names alone may still be wider.
    """
    cells = [[printable(c) for c in headers]] + [["-" if c is None else printable(str(c).replace("\n", " ")) for c in row]
                                                 for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    width = terminal_width() if width is None else width
    excess = sum(widths) + 2 * (len(widths) - 1) - width if width else 0
    for name in shrink:
        if excess <= 0:
            break
        column = list(headers).index(name)
        cut = min(excess, widths[column] - max(MIN_CUT_WIDTH, len(headers[column])))
        if cut > 0:
            widths[column] -= cut
            excess -= cut
    lines = []
    for index, row in enumerate(cells):
        lines.append("  ".join(_cut(cell, size).ljust(size) for cell, size in zip(row, widths)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * size for size in widths))
    return "\n".join(lines)


def to_jsonable(value: Any) -> Any:
    # Field by field, not dataclasses.asdict: that deep-copies every value first, half the time of
    # `zoo list --json` over the whole catalogue.
    if is_dataclass(value) and not isinstance(value, type):
        return {field.name: to_jsonable(getattr(value, field.name)) for field in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    return value


def echo_json(value: Any) -> None:
    """Strict JSON (a NaN metric is null), ASCII-escaped: no control character reaches the terminal raw."""
    click.echo(json.dumps(strict_json(to_jsonable(value)), indent=2, sort_keys=False, allow_nan=False))


def card_lines(fields: Mapping[str, Any], indent: int = 0) -> list[str]:
    """Nested fields as ``key: value`` lines, skipping empty values."""
    lines = []
    pad = " " * indent
    for key, value in fields.items():
        if value in (None, "", (), [], {}):
            continue
        if isinstance(value, Mapping):
            lines.append(f"{pad}{printable(key)}:")
            lines += card_lines(value, indent + 2)
        elif isinstance(value, (list, tuple)) and value and isinstance(value[0], Mapping):
            lines.append(f"{pad}{key}:")
            for item in value:
                sub = card_lines(item, indent + 4)
                if sub:
                    lines.append(f"{pad}  - {sub[0].strip()}")
                    lines += sub[1:]
        elif isinstance(value, (list, tuple)):
            lines.append(f"{pad}{printable(key)}: {', '.join(map(printable, value))}")
        else:
            lines.append(f"{pad}{printable(key)}: {printable(value)}")
    return lines
