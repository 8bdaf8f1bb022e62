"""The libraries' own progress bars while a zoo builder runs: off unless progress is on.

transformers draws a "Loading weights" bar for every ``from_pretrained`` and
huggingface_hub one per download; under ``zoo run`` they interleave with zoo's
own bar, and from the Python API they land in a script's or notebook's
output. :func:`library_bars` turns them off around a builder and puts back
what was there before, so a script that uses transformers itself keeps its bars.

Nothing here imports transformers. huggingface_hub's switch is imported (it
is small, and timm and transformers import it anyway) because transformers
copies it once, when it is first imported, which may happen inside the builder.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["library_bars"]


def _hub_switch() -> Any:
    """``huggingface_hub.utils`` (its progress-bar switch), or None when it is not installed."""
    try:
        from huggingface_hub import constants, utils
    except ImportError:
        return None
    # HF_HUB_DISABLE_PROGRESS_BARS=0 is a user's explicit wish for bars: leave them on.
    return None if constants.HF_HUB_DISABLE_PROGRESS_BARS is False else utils


@contextmanager
def library_bars(shown: bool) -> Iterator[None]:
    """Inside the block, transformers' and huggingface_hub's bars are off unless ``shown``."""
    hub = None if shown else _hub_switch()
    if hub is None:
        yield
        return
    hub_was_disabled = hub.are_progress_bars_disabled()
    transformers_logging = sys.modules.get("transformers.utils.logging")
    transformers_was_enabled = transformers_logging.is_progress_bar_enabled() if transformers_logging else None
    if transformers_logging is not None:
        transformers_logging.disable_progress_bar()
    hub.disable_progress_bars()
    try:
        yield
    finally:
        transformers_logging = sys.modules.get("transformers.utils.logging")
        if transformers_logging is not None:
            # Imported inside the block, it copied the hub's switch then: give it the one it would have had.
            enabled = transformers_was_enabled if transformers_was_enabled is not None else not hub_was_disabled
            if enabled:
                transformers_logging.enable_progress_bar()  # also turns the hub's on; set just below
        if hub_was_disabled:
            hub.disable_progress_bars()
        else:
            hub.enable_progress_bars()
