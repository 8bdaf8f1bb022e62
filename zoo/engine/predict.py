"""Predictions and embeddings for raw inputs: ``zoo.predict``, ``zoo.embed`` and ``Model.predict``.

A string or path goes through the task's ``input_loader`` (a file for images
and audio, the text itself for text); anything else (a PIL image, a uint8
array, a :class:`zoo.Audio`, a text pair) goes to the model as it is. The
results are plain data: a list of dicts, or a numpy array of features.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zoo import api
from zoo.engine import devices, objects
from zoo.engine.outputs import checked_outputs, task_for
from zoo.errors import SampleError, UsageError
from zoo.interface import SCORE_KINDS
from zoo.registry import Registry
from zoo.specs import TaskSpec

__all__ = ["embed", "predict", "predict_with"]


def predict(model: Any, inputs: Any, *, top_k: int = 5, batch_size: int = 32, device: str = "auto",
            dtype: str = "float32", model_args: Mapping[str, Any] | None = None, registry: Registry | None = None,
            progress: bool = False) -> list[dict[str, Any]]:
    """Top-k labels with scores (classifiers) or the transcript, for each input; see :func:`zoo.predict`."""
    _check_top_k(top_k)
    prepared = _prepare(model, inputs, batch_size=batch_size, device=device, dtype=dtype, model_args=model_args,
                        registry=registry, progress=progress, where="zoo.predict")
    return _predictions(prepared, top_k)


def predict_with(model: Any, inputs: Any, *, top_k: int = 5, batch_size: int = 32,
                 registry: Registry | None = None) -> list[dict[str, Any]]:
    """:meth:`zoo.TorchModel.predict`: as :func:`predict`, on the device and dtype the model is on."""
    _check_top_k(top_k)
    prepared = _prepare(model, inputs, batch_size=batch_size, device=None, dtype=None, model_args=None,
                        registry=registry, progress=False, where=f"{type(model).__name__}.predict")
    return _predictions(prepared, top_k)


def embed(model: Any, inputs: Any, *, batch_size: int = 32, device: str = "auto", dtype: str = "float32",
          model_args: Mapping[str, Any] | None = None, registry: Registry | None = None,
          progress: bool = False) -> Any:
    """Features ``[N, D]`` (a float32 numpy array) from the model's ``embed(batch)``; see :func:`zoo.embed`."""
    import numpy as np
    import torch

    if not isinstance(model, str):
        objects.check_model(model, where="zoo.embed")
        _check_embeds(model, objects.describe(model, "model"))
    prepared = _prepare(model, inputs, batch_size=batch_size, device=device, dtype=dtype, model_args=model_args,
                        registry=registry, progress=progress, where="zoo.embed")
    _check_embeds(prepared.model, prepared.name)
    chunks = []
    with torch.inference_mode():
        for start, batch in _batches(prepared):
            with devices.autocast(prepared.device, prepared.autocast):
                features = prepared.model.embed(batch)
            size = min(prepared.batch_size, len(prepared.raw) - start)
            if not isinstance(features, torch.Tensor) or features.ndim != 2 or features.shape[0] != size:
                shape = tuple(features.shape) if isinstance(features, torch.Tensor) else type(features).__name__
                raise UsageError(f"{prepared.name}: embed() returned {shape} for a batch of {size}; "
                                 f"it must return features of shape ({size}, D)")
            chunks.append(features.detach().float().cpu())
    return torch.cat(chunks).numpy().astype(np.float32, copy=False)


@dataclass
class _Prepared:
    """A built model on its device, its task, and the inputs loaded for it."""

    model: Any
    name: str  # how messages name the model
    task: TaskSpec
    given: list[Any]  # the inputs as given
    raw: list[Any]  # as the model's collate takes them
    batch_size: int
    device: str
    dtype: Any
    autocast: str = "float32"  # bfloat16 / float16: forward under torch.autocast (zoo.engine.devices)


def _check_top_k(top_k: Any) -> None:
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise UsageError(f"--top-k must be at least 1, not {top_k!r}")


def _check_embeds(model: Any, name: str) -> None:
    if not callable(getattr(model, "embed", None)):
        raise UsageError(f"{name} ({type(model).__name__}) gives no embeddings: it has no embed(batch) method "
                         "(see docs/getting-started.md, 'Embeddings')")


def _as_list(inputs: Any) -> list[Any]:
    """A list or tuple is several inputs; anything else (one text, one image) is one."""
    return list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]


def _shown(item: Any, position: int) -> Any:
    """What a result's ``input`` says: the string or path given, or the input's position."""
    if isinstance(item, (str, os.PathLike)):
        return os.fspath(item)
    return position


def _named(item: Any, position: int) -> str:
    return os.fspath(item) if isinstance(item, (str, os.PathLike)) else f"input {position}"


def _prepare(model: Any, inputs: Any, *, batch_size: int, device: str | None, dtype: str | None,
             model_args: Mapping[str, Any] | None, registry: Registry | None, progress: bool,
             where: str) -> _Prepared:
    """Check everything that can be checked, load the inputs, then build (or move) the model.

    ``device`` / ``dtype`` None: leave a model object where it is (``Model.predict``).
    """
    registry = registry if registry is not None else api.default_registry()
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise UsageError(f"--batch-size must be at least 1, not {batch_size!r}")
    if isinstance(model, str):
        spec = registry.get(model, "model")
        task_name, name = spec.task, f"model {spec.id}"
    else:
        objects.check_model(model, where=where)
        if model_args:
            raise UsageError(f"{where}: model_args build a model, but {objects.describe(model, 'model')} is "
                             "already built; give builder arguments to zoo.build_model instead")
        spec, task_name, name = None, model.task, objects.describe(model, "model")
    task = task_for(registry, task_name, name, from_registry=spec is not None)
    if spec is not None:
        api.require_weights(spec, model_args, name=model)  # before torch: missing weights are said at once
    resolved_device = devices.resolve_device(device) if device is not None else getattr(model, "device", "cpu")
    resolved_dtype = devices.resolve_dtype(dtype) if dtype is not None else getattr(model, "dtype", None)
    # bfloat16 / float16 run under autocast with float32 weights, as evaluation does (zoo.engine.devices).
    autocast = dtype if dtype in devices.AUTOCAST_DTYPES else "float32"
    if autocast != "float32":
        resolved_dtype = devices.resolve_dtype("float32")
    given = _as_list(inputs)
    if not given:
        raise UsageError("no inputs given: pass file paths or texts (or - to read lines from stdin)")
    raw = _load(task, given)
    if spec is not None:
        model = api.build_model(spec, registry=registry, progress=progress, **(model_args or {}))
    if device is not None or dtype is not None:
        model.to(resolved_device, resolved_dtype)
    return _Prepared(model, name, task, given, raw, batch_size, str(resolved_device), resolved_dtype, autocast)


def _load(task: TaskSpec, given: list[Any]) -> list[Any]:
    loader = api.resolve_import(task.input_loader, f"task {task.id} (input_loader)") if task.input_loader else None
    raw = []
    for position, item in enumerate(given):
        if loader is None or not isinstance(item, (str, os.PathLike)):
            raw.append(item)
            continue
        try:
            raw.append(loader(os.fspath(item)))
        except SampleError:
            raise
        except (OSError, ValueError) as error:
            raise SampleError(_named(item, position), f"cannot read input: {error}") from error
    return raw


def _batches(prepared: _Prepared) -> Any:
    """``(start, batch on the device)`` for each chunk of inputs; a bad input is named as given."""
    for start in range(0, len(prepared.raw), prepared.batch_size):
        chunk = prepared.raw[start:start + prepared.batch_size]
        try:
            batch = prepared.model.collate(chunk)
        except SampleError as error:
            position = start + (int(error.sample_id) if error.sample_id.isdigit() else 0)
            raise SampleError(_named(prepared.given[position], position), error.reason) from None
        yield start, devices.move(batch, prepared.device, prepared.dtype)


def _predictions(prepared: _Prepared, top_k: int) -> list[dict[str, Any]]:
    import torch

    model, transcripts = prepared.model, prepared.task.target == "text"
    score_kind = getattr(model, "score_kind", "logits")
    if not transcripts and score_kind not in SCORE_KINDS:
        raise UsageError(f"{prepared.name}: score_kind must be one of {', '.join(SCORE_KINDS)}, not {score_kind!r}")
    results: list[dict[str, Any]] = []
    with torch.inference_mode():
        for start, batch in _batches(prepared):
            with devices.autocast(prepared.device, prepared.autocast):
                outputs = model.forward(batch)
            size = min(prepared.batch_size, len(prepared.raw) - start)
            for offset, output in enumerate(checked_outputs(outputs, size, model.labels, prepared.task, prepared.name)):
                position = start + offset
                entry: dict[str, Any] = {"input": _shown(prepared.given[position], position)}
                if transcripts:
                    entry["transcript"] = output
                else:
                    entry["top"] = _top(output, model.labels, score_kind, top_k)
                results.append(entry)
    return results


def _top(scores: Any, labels: Any, score_kind: str, top_k: int) -> list[dict[str, Any]]:
    """The best labels of one input, with scores as the model's ``score_kind`` says to show them."""
    if score_kind == "one-hot":  # a decision, not a confidence: the chosen label alone
        return [{"label": labels[int(scores.argmax())], "score": None}]
    if score_kind == "logits":
        scores = scores.softmax(-1)
    values, indices = scores.topk(min(top_k, scores.shape[-1]))
    return [{"label": labels[int(i)], "score": round(float(v), 6)} for v, i in zip(values, indices)]
