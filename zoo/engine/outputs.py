"""What a model's ``forward`` must return, and the task a built model is for: checked in one place
for evaluation and prediction alike, so both say the same thing about the same mistake."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zoo.errors import UsageError, ZooError
from zoo.registry import Registry
from zoo.specs import TaskSpec

__all__ = ["checked_outputs", "task_for"]


def checked_outputs(outputs: Any, size: int, labels: Sequence[str] | None, task: TaskSpec, who: str) -> Any:
    """Logits ``[size, len(labels)]`` (as float32) or ``size`` transcripts; anything else is one
    line naming ``who`` (the model) and what its task needs."""
    import torch

    if task.target == "text":
        if not isinstance(outputs, (list, tuple)) or len(outputs) != size or not all(isinstance(o, str) for o in outputs):
            raise UsageError(f"{who} returned {type(outputs).__name__} for a batch of {size}; "
                             f"task {task.name} needs a list of {size} transcripts")
        return outputs
    expected = (size, len(labels or ()))
    if not isinstance(outputs, torch.Tensor) or tuple(outputs.shape) != expected:
        shape = tuple(outputs.shape) if isinstance(outputs, torch.Tensor) else type(outputs).__name__
        raise UsageError(f"{who} returned {shape} for a batch of {size}; task {task.name} needs "
                         f"logits of shape {expected} (one column per label)")
    return outputs.float()


def task_for(registry: Registry, task_name: str, who: str, *, from_registry: bool) -> TaskSpec:
    """The task a model is for. A registry entry's task is known (else the registry's own error); a
    built object's may name one nobody registers, which is said with the tasks there are."""
    try:
        return registry.get(task_name, "task")  # type: ignore[no-any-return]
    except ZooError:
        if from_registry:
            raise
        known = ", ".join(sorted(t.name for t in registry.all("task")))
        raise UsageError(f"{who} has task {task_name!r}, which no installed plugin registers (tasks: {known})") from None
