"""Plain-text tables and cards: fast to import, readable in any terminal or log."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, is_dataclass
from typing import Any

import click

__all__ = ["card_lines", "echo_json", "format_count", "table", "to_jsonable"]


def format_count(value: int | None) -> str:
    """25557032 -> '25.6M', the way model cards write sizes."""
    if value is None:
        return "-"
    for unit, size in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if value >= size:
            return f"{value / size:.1f}{unit}"
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A left-aligned text table sized to its contents; nothing is cut off."""
    cells = [[str(c) for c in headers]] + [["-" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for index, row in enumerate(cells):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def to_jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(asdict(value))
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    return value


def echo_json(value: Any) -> None:
    click.echo(json.dumps(to_jsonable(value), indent=2, sort_keys=False))


def card_lines(fields: Mapping[str, Any], indent: int = 0) -> list[str]:
    """Nested fields as ``key: value`` lines, skipping empty values."""
    lines = []
    pad = " " * indent
    for key, value in fields.items():
        if value in (None, "", (), [], {}):
            continue
        if isinstance(value, Mapping):
            lines.append(f"{pad}{key}:")
            lines += card_lines(value, indent + 2)
        elif isinstance(value, (list, tuple)) and value and isinstance(value[0], Mapping):
            lines.append(f"{pad}{key}:")
            for item in value:
                sub = card_lines(item, indent + 4)
                if sub:
                    lines.append(f"{pad}  - {sub[0].strip()}")
                    lines += sub[1:]
        elif isinstance(value, (list, tuple)):
            lines.append(f"{pad}{key}: {', '.join(map(str, value))}")
        else:
            lines.append(f"{pad}{key}: {value}")
    return lines
