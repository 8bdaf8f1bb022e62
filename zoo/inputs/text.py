"""Turn a command-line argument into a raw input for the text-classification task."""

from __future__ import annotations

from zoo.errors import UsageError

__all__ = ["text_from_argument"]


def text_from_argument(argument: str) -> str:
    """The argument is the text itself (identity); an empty one is refused here, not by the model."""
    if not isinstance(argument, str):
        raise UsageError(f"text-classification input must be a string, got {type(argument).__name__}")
    if not argument.strip():
        raise UsageError("the text to classify is empty; pass the text itself, e.g. `\"a gripping, funny film\"`")
    return argument
