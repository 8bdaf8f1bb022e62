"""Text inputs live in the core (:mod:`zoo.inputs.text`), shared by every plugin's text task."""

from zoo.inputs.text import text_from_argument

__all__ = ["text_from_argument"]
