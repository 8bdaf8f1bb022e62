"""How to reproduce a model's reported numbers: the ``zoo run`` commands ``zoo info`` prints and the
web cards show (one function, so the two never disagree). Standard library only."""

from __future__ import annotations

import shlex
from typing import Final

from zoo.registry import Registry
from zoo.specs import ModelSpec, ReportedMetric

__all__ = ["PUBLISHED_ONLY", "reproduce_command", "reproduce_commands"]

PUBLISHED_ONLY: Final = "published-only"
"""The tag of a dataset zoo lists published numbers on but cannot score yet."""


def reproduce_command(spec: ModelSpec, reported: ReportedMetric) -> str:
    """A command a user can paste: every value from the catalogue is shell-quoted, so a crafted
    split or dataset argument stays one argument, never a second command."""
    words = ["zoo", "run", spec.id, "--dataset", reported.dataset]
    if reported.split:
        words += ["--split", reported.split]
    for key, value in reported.dataset_args.items():
        words += ["--dataset-arg", f"{key}={value}"]
    return shlex.join(words)


def reproduce_commands(spec: ModelSpec, registry: Registry) -> list[str]:
    """The distinct commands that reproduce ``spec``'s reported numbers, sorted: those zoo measured
    (``source: zoo run``), and published ones whose dataset is registered and zoo can score (a dataset
    tagged ``published-only`` is registered for the numbers published on it): zoo runs the published
    protocol."""
    datasets = {name for s in registry.entries["dataset"].values() for name in (s.name, s.id)
                if PUBLISHED_ONLY not in getattr(s, "tags", ())}
    return sorted({reproduce_command(spec, r) for r in spec.reported if r.source == "zoo run" or r.dataset in datasets})
