"""The ``timm`` model builder: any timm architecture, its weights and its preprocessing.

Weights come from exactly one of a catalogue ``weights`` spec, a local
``checkpoint`` file, or ``pretrained=True`` (the hub weights of the timm tag
or ``hf-hub:`` repo, from the local Hugging Face cache). Preprocessing is the
weights' own pretrained config at timm's test size, as timm's validate.py
uses it, so a catalogue entry reproduces the published protocol; the
``preprocessing`` argument overrides single fields.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from zoo.errors import SampleError, UsageError
from zoo.interface import TorchModel
from zoo import weights as core_weights
from zoo.specs import WeightsSpec
from zoo_vision import artifacts
from zoo_vision.images import to_mode
from zoo_vision.state_dicts import clean_state_dict, map_in_order

__all__ = ["TimmClassifier", "build_timm"]

# timm.create_model arguments that load or choose weights; zoo loads (and records) weights itself.
WEIGHT_LOADING_KWARGS = frozenset({"checkpoint_path", "pretrained", "pretrained_cfg", "pretrained_cfg_overlay",
                                   "pretrained_strict", "cache_dir"})
PREPROCESSING_KEYS = ("input_size", "interpolation", "crop_pct", "crop_mode", "mean", "std")
KEY_MAPPINGS = ("by-name", "in-order")


@dataclass
class TimmClassifier(TorchModel):
    """A timm image classifier with the eval transform of its weights."""

    transform: Any = None
    image_mode: str = "RGB"  # what collate converts every image to: 'RGB' or 'L'

    def collate(self, inputs: list[Any]) -> torch.Tensor:
        tensors = []
        for position, image in enumerate(inputs):
            picture = to_mode(image, self.image_mode, sample_id=str(position))
            try:
                tensors.append(self.transform(picture))
            except Exception as error:  # noqa: BLE001 - any preprocessing failure names the input
                raise SampleError(str(position), f"cannot preprocess the image: {error}") from error
        return torch.stack(tensors)

    def forward(self, batch: torch.Tensor) -> torch.Tensor:
        return self.module(batch)

    def embed(self, batch: torch.Tensor) -> torch.Tensor:
        """Pooled pre-logits features ``[B, D]``: what the same timm model built with
        ``num_classes=0`` returns, and what its classifier sees (:func:`zoo.embed`)."""
        return self.module.forward_head(self.module.forward_features(batch), pre_logits=True)


@dataclass(frozen=True)
class _Source:
    """Where the architecture, its pretrained config and its weights come from."""

    architecture: str
    pretrained_cfg: dict[str, Any]
    weights_path: Path | None = None
    weights_format: str | None = None
    weights_sha256: str | None = None
    hub_weights: bool = False  # the weights of the pretrained config itself (heads may be adapted)
    label_names: tuple[str, ...] | None = None


def build_timm(*, model_name: str, pretrained: bool = False, checkpoint: str | None = None,
               checkpoint_sha256: str | None = None, num_classes: int | None = None, in_chans: int = 3,
               labels: Sequence[str] | None = None, preprocessing: Mapping[str, Any] | None = None,
               model_kwargs: Mapping[str, Any] | None = None, key_mapping: str = "by-name",
               weights: WeightsSpec | None = None) -> TimmClassifier:
    """Build a timm classifier.

    ``model_name``: a timm name with an optional pretrained tag
    (``resnet50.a1_in1k``) or ``hf-hub:org/repo[@revision]``. ``checkpoint``:
    a local safetensors (or weights-only pickle) file, sha256-checked against
    ``checkpoint_sha256`` when given. ``key_mapping='in-order'`` loads a state
    dict whose names follow another scheme by position, checking every shape.
    ``labels`` name the classes; otherwise they come from the checkpoint's
    metadata, the hub config or, for ImageNet heads, timm's ImageNet names.
    """
    import timm

    if key_mapping not in KEY_MAPPINGS:
        raise UsageError(f"key_mapping must be one of {', '.join(KEY_MAPPINGS)}, got {key_mapping!r}")
    if in_chans not in (1, 3):
        raise UsageError(f"in_chans must be 1 (greyscale) or 3 (RGB) for image inputs, got {in_chans}")
    loading = sorted(set(model_kwargs or {}) & WEIGHT_LOADING_KWARGS)
    if loading:
        # timm would load these weights itself, and the record would name none (or the entry's).
        raise UsageError(f"model_kwargs {', '.join(loading)} would load weights behind zoo's back, unchecked and "
                         "unrecorded; give a checkpoint with --model-arg checkpoint=PATH (checkpoint_sha256= to pin it)")
    source = _find_source(model_name, pretrained=pretrained, checkpoint=checkpoint,
                          checkpoint_sha256=checkpoint_sha256, weights=weights)
    kwargs: dict[str, Any] = {**(model_kwargs or {}), "in_chans": in_chans}
    if num_classes is not None:
        kwargs["num_classes"] = num_classes
    state_dict = None
    if key_mapping == "in-order" and source.weights_format == "safetensors":
        raise UsageError(f"{source.weights_path}: key_mapping='in-order' needs a pickle state dict, which keeps "
                         "its tensors in order; safetensors files store them sorted by name")
    if source.weights_path is not None:
        state_dict = clean_state_dict(core_weights.load_state_dict(source.weights_path, format=source.weights_format))
    try:
        if state_dict is not None and source.hub_weights and key_mapping == "by-name":
            # timm's own loading: applies the architecture's checkpoint filter and
            # re-initialises the head when num_classes differs from the weights'.
            module = timm.create_model(source.architecture, pretrained=True, pretrained_cfg=source.pretrained_cfg or None,
                                       pretrained_cfg_overlay={"state_dict": state_dict}, **kwargs)
            module.pretrained_cfg.pop("state_dict", None)
        else:
            module = timm.create_model(source.architecture, pretrained=False, pretrained_cfg=source.pretrained_cfg or None,
                                       **kwargs)
            if state_dict is not None:
                if key_mapping == "in-order":
                    state_dict = map_in_order(state_dict, module.state_dict(), where=str(source.weights_path))
                module.load_state_dict(state_dict, strict=True)
    except TypeError as error:  # an argument the architecture's class does not take
        raise UsageError(f"timm model {source.architecture!r} cannot be built with {sorted(kwargs)}: {error}; "
                         "check model_kwargs") from error
    except RuntimeError as error:  # torch's missing/unexpected/size-mismatch report
        if state_dict is None:
            raise
        first = str(error).strip().splitlines()
        raise UsageError(f"weights {source.weights_path} do not fit timm model {source.architecture!r} "
                         f"({' '.join(first[:2])[:400]}); check model_name, num_classes and in_chans") from None
    module.eval()
    data_config = _data_config(module, in_chans, preprocessing)
    from timm.data import create_transform

    transform = create_transform(**data_config, is_training=False)
    class_names, labels_from = _labels(module, source, labels)
    config = {
        "model_name": model_name, "architecture": source.architecture, "num_classes": module.num_classes,
        "labels_from": labels_from,
        "image_mode": "L" if in_chans == 1 else "RGB", **data_config,
        "weights": str(source.weights_path) if source.weights_path else None, "key_mapping": key_mapping,
    }
    return TimmClassifier(task="image-classification", labels=class_names, module=module, config=config,
                          weights_sha256=source.weights_sha256, transform=transform,
                          image_mode=config["image_mode"])


def _find_source(model_name: str, *, pretrained: bool, checkpoint: str | None, checkpoint_sha256: str | None,
                 weights: WeightsSpec | None) -> _Source:
    import timm
    from timm.models import get_pretrained_cfg

    what = f"weights of {model_name}"
    label_names = None
    if model_name.startswith("hf-hub:"):
        repo, revision, _ = core_weights.parse_hub_uri(model_name[len("hf-hub:"):])
        config_path = artifacts.hub_file(repo, revision, "config.json", what=what)
        try:
            hub_config = json.loads(config_path.read_text())
        except (OSError, ValueError) as error:
            raise UsageError(f"{what}: cannot read {config_path} as JSON ({error})") from None
        architecture = hub_config.get("architecture") if isinstance(hub_config, dict) else None
        if not isinstance(architecture, str) or not timm.is_model(architecture):
            raise UsageError(f"{what}: {config_path} names no timm architecture (its 'architecture' is "
                             f"{architecture!r}); the timm builder needs a timm model repository")
        pretrained_cfg = {**hub_config.get("pretrained_cfg", {}), "hf_hub_id": repo}
        pretrained_cfg.setdefault("num_classes", hub_config.get("num_classes"))
        label_names = tuple(hub_config["label_names"]) if hub_config.get("label_names") else None
        hub_uri = f"hf-hub:{repo}" + (f"@{revision}" if revision else "") + f"/{artifacts.HUB_WEIGHTS_FILE}"
    else:
        if not timm.is_model(model_name):
            close = difflib.get_close_matches(model_name.split(".")[0], timm.list_models(), n=3, cutoff=0.7)
            hint = f"; close names: {', '.join(close)}" if close else ""
            raise UsageError(f"timm has no model named {model_name!r}{hint} (see timm.list_models())")
        cfg = get_pretrained_cfg(model_name, allow_unregistered=True)
        architecture = model_name.split(".", 1)[0]
        pretrained_cfg = cfg.to_dict() if cfg is not None else {}
        hub_uri = f"timm:{architecture}.{cfg.tag}" if cfg is not None and cfg.tag and cfg.hf_hub_id else None
    base = {"architecture": architecture, "pretrained_cfg": pretrained_cfg, "label_names": label_names}

    # One weights source only: an ignored argument would evaluate other weights than the user asked for.
    if weights is not None and (checkpoint is not None or pretrained):
        given = f"checkpoint={checkpoint!r}" if checkpoint is not None else "pretrained=True"
        raise UsageError(f"{what}: this catalogue entry pins its weights ({weights.uri}), so {given} would be "
                         f"ignored; to load other weights, use the `timm` builder (zoo run timm "
                         f"--model-arg model_name=... --model-arg checkpoint=PATH)")
    if checkpoint is not None and pretrained:
        raise UsageError(f"{what}: give checkpoint= or pretrained=True, not both")
    if weights is not None:
        if weights.format == "hf":
            raise UsageError(f"{what}: format 'hf' is a transformers folder; timm models take safetensors or pickle")
        path = artifacts.resolve(weights, what=what)
        # The tag's own published weights (its hub repository, or for the few tags without one the URL
        # its config names) are loaded as timm loads them, through the architecture's checkpoint filter.
        hub = weights.uri.startswith(("timm:", "hf-hub:")) or weights.uri == pretrained_cfg.get("url")
        return _Source(**base, weights_path=path, weights_format=_format(weights.format, path),
                       weights_sha256=weights.sha256 or core_weights.sha256_file(path), hub_weights=hub)
    if checkpoint is not None:
        path = artifacts.resolve(WeightsSpec(uri=str(checkpoint), sha256=checkpoint_sha256), what=f"checkpoint {checkpoint}")
        return _Source(**base, weights_path=path, weights_format=_format(None, path),
                       weights_sha256=checkpoint_sha256 or core_weights.sha256_file(path))
    if pretrained:
        if hub_uri is None:
            raise UsageError(f"timm model {model_name!r} has no pretrained weights; pass checkpoint=PATH")
        path = artifacts.resolve(WeightsSpec(uri=hub_uri), what=what)
        return _Source(**base, weights_path=path, weights_format=_format(None, path),
                       weights_sha256=core_weights.sha256_file(path), hub_weights=True)
    return _Source(**base)


def _format(declared: str | None, path: Path) -> str:
    if declared in ("safetensors", "pickle"):
        return declared
    return "safetensors" if path.suffix == ".safetensors" else "pickle"


def _data_config(module: Any, in_chans: int, overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    from timm.data import resolve_data_config

    unknown = sorted(set(overrides or {}) - set(PREPROCESSING_KEYS))
    if unknown:
        raise UsageError(f"unknown preprocessing field(s) {', '.join(unknown)}; known: {', '.join(PREPROCESSING_KEYS)}")
    config = dict(resolve_data_config({}, model=module, use_test_size=True))
    overrides = dict(overrides or {})
    for key, value in overrides.items():
        config[key] = tuple(value) if isinstance(value, list) else value
    size = config["input_size"]
    size = (size, size) if isinstance(size, int) else tuple(size)
    if len(size) == 3 and "input_size" in overrides and size[0] != in_chans:
        raise UsageError(f"preprocessing input_size {list(size)} has {size[0]} channel(s), but in_chans={in_chans}; "
                         f"give [{in_chans}, H, W] or [H, W]")
    if len(size) not in (2, 3):
        raise UsageError(f"preprocessing input_size must be [H, W] or [C, H, W], got {config['input_size']!r}")
    config["input_size"] = (in_chans, *size[-2:])
    for key in ("mean", "std"):
        values = tuple(float(v) for v in config[key])
        if len(values) == 1:
            values *= in_chans
        elif len(values) != in_chans:
            if key in overrides:
                raise UsageError(f"preprocessing {key} has {len(values)} values for a model with in_chans={in_chans}; "
                                 f"give {in_chans} values (or one for every channel)")
            # The weights' RGB statistics for a greyscale model: a grey pixel
            # is the mean of its channels, so normalise with their average.
            values = (sum(values) / len(values),) * in_chans
        config[key] = values
    return config


def _labels(module: Any, source: _Source, labels: Sequence[str] | None) -> tuple[list[str], str]:
    """The class names and where they came from (recorded in the model's config and so in every run record)."""
    from timm.data import infer_imagenet_subset

    from zoo_vision.labels import imagenet_labels

    num_classes = module.num_classes
    if labels is not None:
        names, where = list(labels), "the labels argument"
    elif source.weights_path is not None and (stored := artifacts.checkpoint_labels(source.weights_path)):
        names, where = stored, f"metadata of {source.weights_path}"
    elif source.label_names and len(source.label_names) == num_classes:
        names, where = list(source.label_names), "the hub config's label_names"
    elif num_classes == source.pretrained_cfg.get("num_classes") and (subset := infer_imagenet_subset(source.pretrained_cfg)):
        names, where = imagenet_labels(subset), f"timm's {subset} class names"
    else:
        # No names anywhere: class indices, which match a dataset only if its
        # classes are named "0", "1", ... too (otherwise the run stops with both lists).
        names, where = [str(index) for index in range(num_classes)], "class indices (no names known; pass labels=)"
    if len(names) != num_classes:
        raise UsageError(f"labels from {where}: {len(names)} names for a model with {num_classes} classes")
    if len(set(names)) != len(names):
        repeated = sorted({name for name in names if names.count(name) > 1})
        raise UsageError(f"labels from {where}: class names must be unique; repeated: {', '.join(map(repr, repeated[:5]))}")
    return names, where
