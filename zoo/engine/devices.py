"""Devices and dtypes: checked up front, with the available ones named."""

from __future__ import annotations

from typing import Any

from zoo.errors import UsageError

DTYPES = ("float32", "bfloat16", "float16")


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


def move(batch: Any, device: str, dtype: Any, non_blocking: bool = False) -> Any:
    """Tensors (in dicts, lists, tuples) to the device; floating ones to the dtype."""
    import torch

    if isinstance(batch, torch.Tensor):
        if batch.is_floating_point():
            return batch.to(device=device, dtype=dtype, non_blocking=non_blocking)
        return batch.to(device=device, non_blocking=non_blocking)
    if isinstance(batch, dict):
        return {key: move(value, device, dtype, non_blocking) for key, value in batch.items()}
    if isinstance(batch, (list, tuple)) and batch and isinstance(batch[0], (torch.Tensor, dict, list, tuple)):
        return type(batch)(move(value, device, dtype, non_blocking) for value in batch)
    if hasattr(batch, "to") and callable(batch.to):  # e.g. transformers.BatchEncoding
        return batch.to(device)
    return batch
