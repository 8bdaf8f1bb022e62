"""Every error zoo raises on purpose.

Each one carries a message meant for a user: what is wrong, where, and what to
do. The CLI prints ``str(error)`` as one line; ``--traceback`` shows the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "AmbiguousNameError",
    "BuilderImportError",
    "CatalogueError",
    "DuplicateEntryError",
    "LabelMismatchError",
    "MissingArtifactError",
    "NotFoundError",
    "PluginError",
    "RegistrationError",
    "SampleError",
    "UsageError",
    "ZooError",
]


class ZooError(Exception):
    """Base class: an error with a message written for the user."""


class UsageError(ZooError):
    """The request itself is wrong: bad option, wrong combination, missing argument."""


class PluginError(ZooError):
    """A plugin failed to import, raised in a hook or registered something invalid."""

    def __init__(self, plugin: str, message: str) -> None:
        super().__init__(f"plugin {plugin!r}: {message}")
        self.plugin = plugin


class RegistrationError(ZooError):
    """An entry handed to a ``register`` callback is malformed."""


class DuplicateEntryError(RegistrationError):
    """Two entries of one source share a name; the message names both places."""


class CatalogueError(ZooError):
    """One or more problems in catalogue files, each with file:line:column."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        if len(self.problems) == 1:
            super().__init__(self.problems[0])
        else:
            super().__init__(
                f"{len(self.problems)} catalogue problems, first: {self.problems[0]}"
            )


class NotFoundError(ZooError):
    """No entry has this name."""


class AmbiguousNameError(ZooError):
    """A short name that several plugins provide; the message lists qualified ids."""


class BuilderImportError(ZooError):
    """A builder's import string does not resolve."""


class MissingArtifactError(ZooError):
    """Weights or data that are not on this machine; says how to provide them."""


class LabelMismatchError(ZooError):
    """Model and dataset class labels do not match by name."""


class SampleError(ZooError):
    """One sample cannot be read or preprocessed; names the sample."""

    def __init__(self, sample_id: str, reason: str) -> None:
        super().__init__(f"sample {sample_id}: {reason}")
        self.sample_id = sample_id
        self.reason = reason
