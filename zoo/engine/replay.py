"""``zoo run --from``: the runs a record holds, and what changed since it was written.

A record repeats its request, but the world around a request can move: the
weights behind a name get re-uploaded, a folder's images get edited. Replaying
compares the weights' sha256 and the dataset's fingerprint with the recorded
ones, says what changed (or refuses, under ``strict``), and keeps both values
in the new record so neither number is ever read without the other.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zoo.errors import UsageError

__all__ = ["ReplaySource", "WorldChangedError", "check_world", "recorded_runs", "world_changes"]

# What is compared: (section of the record, field, how it is named to a user).
COMPARED = (("model", "weights_sha256", "the weights' sha256"), ("dataset", "fingerprint", "the dataset's fingerprint"))


class WorldChangedError(UsageError):
    """Under --strict, a replay whose weights or data are no longer the recorded ones."""


@dataclass(frozen=True)
class ReplaySource:
    """One recorded run being repeated: the run as recorded, the file it came from, and
    whether a change in its weights or data refuses the replay (``strict``) or only warns."""

    recorded: Mapping[str, Any]
    where: str
    strict: bool = False

    def check(self, now: Mapping[str, Any]) -> dict[str, Any]:
        return check_world(self.recorded, now, where=self.where, strict=self.strict)


def recorded_runs(record: Mapping[str, Any], *, where: str) -> list[Mapping[str, Any]]:
    """The runs a record holds: itself, or each of a comparison's ``{"runs": [...]}``."""
    if "runs" not in record:
        return [record]
    runs = record["runs"]
    if not isinstance(runs, list) or not runs:
        raise UsageError(f"{where}: 'runs' must be a non-empty list of run records")
    for position, run in enumerate(runs):
        if not isinstance(run, Mapping) or not isinstance(run.get("request"), Mapping):
            raise UsageError(f"{where}: runs[{position}] is not a run record (no 'request' section)")
    return runs


def world_changes(recorded: Mapping[str, Any], now: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each compared value that differs between the recorded run and the new one.

    A value the old record lacks (None) is not a change: there is nothing to compare.
    """
    changes = []
    for section, key, what in COMPARED:
        before = (recorded.get(section) or {}).get(key)
        after = (now.get(section) or {}).get(key)
        if before is not None and before != after:
            changes.append({"what": f"{section}.{key}", "description": what, "recorded": before, "now": after})
    return changes


def check_world(recorded: Mapping[str, Any], now: Mapping[str, Any], *, where: str, strict: bool) -> dict[str, Any]:
    """The ``replay`` section of a new record; warns on stderr, or raises under ``strict``."""
    changes = world_changes(recorded, now)
    model = (now.get("model") or {}).get("id") or (recorded.get("model") or {}).get("id")
    for change in changes:
        message = (f"{where}: {change['description']} changed since the record was written "
                   f"(model {model}: recorded {_short(change['recorded'])}, now {_short(change['now'])})")
        if strict:
            raise WorldChangedError(f"{message}; refusing under --strict (run without it to compare anyway)")
        print(f"zoo: warning: {message}; the results may differ from the recorded ones", file=sys.stderr)
    return {
        "from": where,
        "recorded": {f"{section}.{key}": (recorded.get(section) or {}).get(key) for section, key, _ in COMPARED},
        "recorded_metrics": dict(recorded.get("metrics") or {}),
        "changes": changes,
    }


def _short(value: Any) -> str:
    from zoo.printable import printable

    text = printable(value)
    return text[:16] + "…" if len(text) > 16 else text
