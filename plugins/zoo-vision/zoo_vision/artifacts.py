"""Weight files for timm models, through the core's :mod:`zoo.weights`.

``timm:arch.tag`` names the hub repository of a timm pretrained config; this
module turns it (and ``hf-hub:`` model names) into a file in the Hugging
Face cache, so offline a missing file is a :class:`zoo.MissingArtifactError`
that names the repository and the ``hf download`` command.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from zoo import weights as core_weights
from zoo.errors import UsageError
from zoo.specs import WeightsSpec

__all__ = ["checkpoint_labels", "hub_file", "resolve", "timm_hub_uri"]

HUB_WEIGHTS_FILE = "model.safetensors"  # what every timm/ hub repository carries


def timm_hub_uri(name: str) -> str:
    """``resnet50.a1_in1k`` -> ``hf-hub:timm/resnet50.a1_in1k/model.safetensors``."""
    from timm.models import get_pretrained_cfg

    cfg = get_pretrained_cfg(name)
    if cfg is None or not cfg.hf_hub_id:
        raise UsageError(f"timm has no pretrained weights named {name!r} on the hub (see timm.list_pretrained())")
    return f"hf-hub:{cfg.hf_hub_id}/{cfg.hf_hub_filename or HUB_WEIGHTS_FILE}"


def hub_file(repo: str, revision: str | None, filename: str, *, what: str) -> Path:
    at = f"@{revision}" if revision else ""
    return core_weights.resolve(f"hf-hub:{repo}{at}/{filename}", what=what)


def resolve(weights: WeightsSpec, *, what: str) -> Path:
    """A local weights file for any URI the catalogue allows, ``timm:`` included."""
    if weights.uri.startswith("timm:"):
        weights = WeightsSpec(uri=timm_hub_uri(weights.uri[len("timm:"):]), sha256=weights.sha256,
                              format=weights.format)
    path = core_weights.resolve(weights, what=what)
    if path.is_dir():
        raise UsageError(f"{what}: {weights.uri} is a folder; name the weights file inside it "
                         f"(e.g. {weights.uri.rstrip('/')}/{HUB_WEIGHTS_FILE})")
    return path


def checkpoint_labels(path: str | os.PathLike[str]) -> list[str] | None:
    """Class names stored in a safetensors checkpoint's metadata (key ``labels``, a JSON list)."""
    if Path(path).suffix != ".safetensors":
        return None
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata() or {}
    if "labels" not in metadata:
        return None
    try:
        labels = json.loads(metadata["labels"])
    except (ValueError, RecursionError):
        raise UsageError(f"{path}: metadata 'labels' is not JSON ({metadata['labels'][:40]!r}...); it must be a JSON "
                         "list of class names, or pass labels= to name the classes") from None
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        raise UsageError(f"{path}: metadata 'labels' must be a JSON list of strings")
    return labels
