"""Devices, dtypes and how batches run on them: checked up front, with the available ones named.

``dtype`` float32 runs the model as built. bfloat16 and float16 run the
forward pass under ``torch.autocast`` (what timm's validate.py ``--amp``
does): weights stay float32, each operation runs in the dtype autocast
chooses for it, and the outputs are scored in float32. Casting the weights
themselves would change more than speed: normalisation layers and softmax
lose precision.

Image models (4-D batches) run in the channels-last memory format by
default, as timm's validate.py ``--channels-last`` does: on the CPU oneDNN's
convolutions are faster in it, and the results are the same to float32
rounding (the top-1 on the digits test split is identical).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from zoo.errors import UsageError

DTYPES = ("float32", "bfloat16", "float16")
AUTOCAST_DTYPES = ("bfloat16", "float16")


def available_devices() -> list[str]:
    import torch

    devices = ["cpu"]
    if torch.cuda.is_available():
        devices += ["cuda"] + [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        devices.append("mps")
    return devices


def resolve_device(name: str = "auto", *, local_rank: int | None = None) -> str:
    """``auto`` picks cuda, then mps, then cpu; anything absent is an error naming what is there."""
    devices = available_devices()
    if name == "auto":
        if "cuda" in devices:
            return f"cuda:{local_rank}" if local_rank is not None else "cuda"
        return "mps" if "mps" in devices else "cpu"
    if name not in devices:
        raise UsageError(f"device {name!r} is not available here; available: {', '.join(devices)}")
    return name


def resolve_dtype(name: str) -> Any:
    import torch

    if name not in DTYPES:
        raise UsageError(f"unknown dtype {name!r}; use one of {', '.join(DTYPES)}")
    return getattr(torch, name)


def move(batch: Any, device: str, dtype: Any, non_blocking: bool = False, *, channels_last: bool = False) -> Any:
    """Tensors (in dicts, lists, tuples) to the device; floating ones to the dtype, and
    4-D floating ones (image batches) to the channels-last memory format when asked."""
    import torch

    if isinstance(batch, torch.Tensor):
        if batch.is_floating_point():
            batch = batch.to(device=device, dtype=dtype, non_blocking=non_blocking)
            return batch.contiguous(memory_format=torch.channels_last) if channels_last and batch.ndim == 4 else batch
        return batch.to(device=device, non_blocking=non_blocking)
    if isinstance(batch, dict):
        return {key: move(value, device, dtype, non_blocking, channels_last=channels_last)
                for key, value in batch.items()}
    if isinstance(batch, (list, tuple)) and batch and isinstance(batch[0], (torch.Tensor, dict, list, tuple)):
        return type(batch)(move(value, device, dtype, non_blocking, channels_last=channels_last) for value in batch)
    if hasattr(batch, "to") and callable(batch.to):  # e.g. transformers.BatchEncoding
        return batch.to(device)
    return batch


def autocast(device: str, dtype: str) -> Any:
    """``torch.autocast`` for bfloat16 and float16; for float32, nothing."""
    if dtype not in AUTOCAST_DTYPES:
        return contextlib.nullcontext()
    import torch

    return torch.autocast(device_type=device.split(":")[0], dtype=getattr(torch, dtype))


@dataclass(frozen=True)
class Execution:
    """How a model runs its batches, as the run record's ``run`` section states it."""

    device: str
    dtype: str = "float32"  # bfloat16, float16: autocast; the weights stay float32
    channels_last: bool = False
    compile: bool = False

    @property
    def autocast(self) -> bool:
        return self.dtype in AUTOCAST_DTYPES

    def inputs(self, batch: Any, non_blocking: bool = False) -> Any:
        """The batch on the device, floating tensors in float32 (the weights' dtype; autocast
        casts per operation), image batches in the memory format chosen."""
        import torch

        return move(batch, self.device, torch.float32, non_blocking, channels_last=self.channels_last)

    def forward_context(self) -> Any:
        return autocast(self.device, self.dtype)


def torch_module(model: Any) -> Any:
    """The ``torch.nn.Module`` a model runs (``TorchModel.module``), or None."""
    module = getattr(model, "module", None)
    try:
        import torch
    except ImportError:  # pragma: no cover - the engine needs torch anyway
        return None
    return module if isinstance(module, torch.nn.Module) else None


def execution(model: Any, *, device: str, dtype: str, image_input: bool, channels_last: bool | None,
              compile: bool, name: str) -> Execution:
    """What the model will run with: ``channels_last=None`` chooses it (on for image models
    with a torch module); an option that cannot apply to this model is an error naming it."""
    if dtype not in DTYPES:
        raise UsageError(f"unknown dtype {dtype!r}; use one of {', '.join(DTYPES)}")
    module = torch_module(model)
    if channels_last and not image_input:
        raise UsageError(f"--channels-last is a memory format for image batches; {name} does not take images")
    if channels_last and module is None:
        raise UsageError(f"--channels-last needs a model that runs a torch.nn.Module (model.module); "
                         f"{name} ({type(model).__name__}) has none")
    if compile and module is None:
        raise UsageError(f"--compile compiles the model's torch.nn.Module (model.module); "
                         f"{name} ({type(model).__name__}) has none")
    if channels_last is None:
        channels_last = image_input and module is not None and not device.startswith("mps")
    return Execution(device=device, dtype=dtype, channels_last=channels_last, compile=compile)


def prepare(model: Any, how: Execution) -> Any:
    """Move the model to the device with float32 weights (autocast chooses each operation's dtype),
    put its module in the channels-last format and compile it (torch.compile, which compiles on
    the first batches). Returns a function that gives ``model.module`` back as it was, in the
    default format: a model object passed to ``zoo.evaluate`` is the caller's."""
    import torch

    model.to(how.device, torch.float32)
    module = torch_module(model)
    if module is None:
        return lambda: None
    if how.channels_last:
        module.to(memory_format=torch.channels_last)
    if how.compile:
        model.module = torch.compile(module)

    def restore() -> None:
        model.module = module
        if how.channels_last:
            module.to(memory_format=torch.contiguous_format)

    return restore
