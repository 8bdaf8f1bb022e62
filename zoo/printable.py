"""Text from plugins, catalogues, weights and datasets, made safe to print on a terminal.

A label in a checkpoint's metadata or a description in a shared catalogue can
carry terminal escape sequences (set the window title, recolour, move the
cursor), bidi overrides that reverse what a reader sees, or newlines that forge
a whole extra line of output. :func:`printable` shows each such character as a
visible escape (``\\x1b``, ``\\u202e``, ``\\n``) instead; ordinary text,
including any language's letters and emoji, is unchanged.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any, Final

__all__ = ["printable", "strict_json"]

# Format characters that change how text around them is displayed, not just zero-width joiners.
_BIDI_CONTROLS: Final = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NAMED: Final = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(value: object) -> str:
    """``str(value)`` with control characters, bidi overrides and line breaks escaped."""
    text = str(value)
    if text.isprintable():  # the common case, in one C call
        return text
    return "".join(_escaped(char) if (unicodedata.category(char) == "Cc" or char in _BIDI_CONTROLS
                                      or char in ("\u2028", "\u2029")) else char
                   for char in text)


def strict_json(value: Any) -> Any:
    """NaN and infinities (a metric on degenerate data) become null: strict JSON any reader accepts."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: strict_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(item) for item in value]
    return value
