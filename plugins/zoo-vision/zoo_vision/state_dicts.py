"""Small state-dict transformations: unwrap training checkpoints, map keys by position."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zoo.errors import UsageError

__all__ = ["clean_state_dict", "map_in_order"]

# Where training scripts commonly nest the model's tensors.
WRAPPER_KEYS = ("state_dict_ema", "model_ema", "state_dict", "model")


def clean_state_dict(state_dict: Mapping[str, Any]) -> dict[str, Any]:
    """Unwrap ``{'state_dict': {...}}``-style checkpoints and strip DataParallel's ``module.``."""
    for key in WRAPPER_KEYS:
        inner = state_dict.get(key)
        if isinstance(inner, Mapping) and inner:
            state_dict = inner
            break
    return {(k[len("module."):] if k.startswith("module.") else k): v for k, v in state_dict.items()}


def map_in_order(source: Mapping[str, Any], target: Mapping[str, Any], *, where: str) -> dict[str, Any]:
    """Rename ``source``'s tensors to ``target``'s names by position, checking each shape.

    For ports whose key names follow another scheme but whose tensors come in
    the same order (e.g. EfficientNet-PyTorch -> timm tf_efficientnet_lite0).
    """
    if len(source) != len(target):
        raise UsageError(f"{where}: {len(source)} tensors, but the model has {len(target)}; "
                         f"key_mapping='in-order' needs the same tensors in the same order")
    mapped = {}
    for (source_key, tensor), (target_key, expected) in zip(source.items(), target.items()):
        if tuple(tensor.shape) != tuple(expected.shape):
            raise UsageError(f"{where}: tensor {source_key!r} {tuple(tensor.shape)} does not fit "
                             f"{target_key!r} {tuple(expected.shape)} at the same position")
        mapped[target_key] = tensor
    return mapped
