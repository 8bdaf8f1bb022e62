"""``zoo run MODEL INPUT...``: predictions for files or strings, for every task."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zoo import api
from zoo.engine import devices
from zoo.errors import SampleError, UsageError
from zoo.registry import Registry


def predict(model: str, inputs: Sequence[str], *, top_k: int = 5, batch_size: int = 32, device: str = "auto",
            dtype: str = "float32", model_args: dict[str, Any] | None = None,
            registry: Registry | None = None) -> list[dict[str, Any]]:
    """Top-k labels with scores (classification) or the transcript, for each input.

    Each input is what the task's ``input_loader`` accepts: a file path for
    images and audio, the text itself for text.
    """
    import torch

    registry = registry if registry is not None else api.default_registry()
    spec = registry.get(model, "model")
    task = registry.get(spec.task, "task")
    resolved_device, resolved_dtype = devices.resolve_device(device), devices.resolve_dtype(dtype)
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise UsageError(f"--top-k must be at least 1, not {top_k!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise UsageError(f"--batch-size must be at least 1, not {batch_size!r}")
    if not inputs:
        raise UsageError("no inputs given: pass file paths or texts (or - to read lines from stdin)")
    loader = api.resolve_import(task.input_loader, f"task {task.id} (input_loader)") if task.input_loader else None
    raw = []
    for item in inputs:
        try:
            raw.append(loader(item) if loader else item)
        except SampleError:
            raise
        except (OSError, ValueError) as error:
            raise SampleError(item, f"cannot read input: {error}") from error
    built = api.build_model(spec, registry=registry, **(model_args or {}))
    built.to(resolved_device, resolved_dtype)
    results: list[dict[str, Any]] = []
    with torch.inference_mode():
        for start in range(0, len(raw), batch_size):
            chunk = raw[start:start + batch_size]
            try:
                batch = built.collate(chunk)
            except SampleError as error:
                position = int(error.sample_id) if error.sample_id.isdigit() else 0
                raise SampleError(inputs[start + position], error.reason) from None
            outputs = built.forward(devices.move(batch, resolved_device, resolved_dtype))
            for offset, output in enumerate(outputs if task.target == "text" else outputs.float().softmax(-1)):
                entry: dict[str, Any] = {"input": inputs[start + offset]}
                if task.target == "text":
                    entry["transcript"] = output
                else:
                    k = min(top_k, output.shape[-1])
                    scores, indices = output.topk(k)
                    entry["top"] = [{"label": built.labels[int(i)], "score": round(float(s), 6)}
                                    for s, i in zip(scores, indices)]
                results.append(entry)
    return results
