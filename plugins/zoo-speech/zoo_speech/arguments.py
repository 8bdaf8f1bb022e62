"""Checks for list arguments given with --model-arg / --dataset-arg (parsed as YAML)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zoo import UsageError

__all__ = ["distinct_strings"]


def distinct_strings(value: Any, *, argument: str, what: str, flag: str, lower: bool = False) -> list[str]:
    """``value`` as a non-empty list of distinct, non-empty strings, or a UsageError saying how to write it.

    ``flag`` is the option that sets it (``--model-arg`` or ``--dataset-arg``), for the error message.
    """
    how = f"give them as a quoted YAML list: {flag} '{argument}=[\"yes\", \"no\"]'"
    if not value or isinstance(value, str) or not isinstance(value, Sequence):
        raise UsageError(f"{what}: {argument} must be a non-empty list of strings, not {value!r}; {how}")
    not_text = [item for item in value if not isinstance(item, str)]
    if not_text:
        # YAML reads yes/no/on/off as booleans and 1, 2 as numbers.
        raise UsageError(f"{what}: {argument} must be strings, got {not_text!r}; quote them: {how}")
    items = [item.strip().lower() if lower else item.strip() for item in value]
    repeated = sorted({item for item in items if items.count(item) > 1})
    if repeated or "" in items:
        problem = f"{repeated} more than once" if repeated else "an empty name"
        raise UsageError(f"{what}: {argument} has {problem} in {list(value)}; each class needs one distinct name")
    return items
