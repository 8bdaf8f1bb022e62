"""``sentence-encoder``: a transformers encoder, mean pooling, and a linear head from its own file.

The head is a safetensors file with ``weight [C, H]`` and ``bias [C]`` and,
in its metadata (one key, ``zoo_text.head``, holding sorted JSON so the file's
bytes are reproducible), the class names (``labels``), whether embeddings are
L2-normalised before the head (``normalize``), the ``max_length`` it was
trained with and the sha256 of the encoder weights it was trained on. The
builder refuses a head trained on another encoder, one whose metadata does
not say ``normalize``, or lists labels that do not match its outputs; a head
without ``labels`` needs them as an argument, never ``LABEL_0``-style names.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
import zoo.remote_code
from zoo.errors import UsageError
from zoo.specs import WeightsSpec
from zoo.weights import IntegrityError, load_state_dict, resolve, sha256_file, verify

from zoo_text.sources import check_model_folder, locate_folder
from zoo_text.text_model import TextClassifier, label_names
from zoo_text.tokenizing import TextBatcher, choose_max_length, load_tokenizer

__all__ = ["HEAD_METADATA_KEY", "MeanPoolingClassifier", "build_sentence_encoder", "encoder_weights_file",
           "load_encoder", "read_head_metadata", "save_head"]


class MeanPoolingClassifier(torch.nn.Module):
    """encoder -> mean of token states (padding masked out) -> optional L2 norm -> linear head."""

    def __init__(self, encoder: torch.nn.Module, head: torch.nn.Linear, *, normalize: bool) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = head
        self.normalize = normalize

    def embed(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, **extra: torch.Tensor) -> torch.Tensor:
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask, **extra).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        pooled = (states * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, p=2, dim=1) if self.normalize else pooled

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, **extra: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(input_ids, attention_mask, **extra))


def encoder_weights_file(folder: Path) -> Path:
    path = folder / "model.safetensors"
    if not path.is_file():
        raise IntegrityError(f"encoder folder {folder} has no model.safetensors; the sentence-encoder builder "
                             "only loads safetensors encoders, whose sha256 it can pin")
    return path


def load_encoder(folder: Path, *, what: str) -> torch.nn.Module:
    from transformers import AutoModel

    check_model_folder(folder, what=what)
    trust = zoo.remote_code.trust_remote_code(folder, what=what)  # never allowed for this builder
    encoder = AutoModel.from_pretrained(str(folder), dtype=torch.float32, use_safetensors=True,
                                        trust_remote_code=trust)
    return encoder.eval()


HEAD_METADATA_KEY = "zoo_text.head"


def read_head_metadata(path: Path) -> dict[str, Any]:
    """The head's ``zoo_text.head`` metadata; ``{}`` when the file has none."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as handle:
            raw = handle.metadata() or {}
    except Exception as error:  # noqa: BLE001 - safetensors raises its own error types
        raise IntegrityError(f"head {path}: not a valid safetensors file ({error}); write heads with "
                             "zoo_text.sentence_encoder.save_head (scripts/train_head.py does)") from None
    try:
        meta = json.loads(raw.get(HEAD_METADATA_KEY, "{}"))
    except json.JSONDecodeError as error:
        raise IntegrityError(f"head {path}: metadata {HEAD_METADATA_KEY!r} is not valid JSON ({error})") from None
    if not isinstance(meta, dict):
        raise IntegrityError(f"head {path}: metadata {HEAD_METADATA_KEY!r} must be a JSON object, "
                             f"got {type(meta).__name__}")
    return meta


def _head_settings(meta: Mapping[str, Any], path: Path, *, outputs: int, labels: Sequence[str] | str | None,
                   what: str) -> tuple[list[str], bool]:
    """Class names and ``normalize`` from the head's metadata, refused when missing or inconsistent."""
    how = "write the head with zoo_text.sentence_encoder.save_head (scripts/train_head.py does)"
    if meta.get("pooling", "mean") != "mean":
        raise IntegrityError(f"{what}: head {path} was trained on {meta['pooling']!r} pooling, but this builder "
                             "mean-pools; use a head trained on mean-pooled embeddings")
    if not isinstance(meta.get("normalize"), bool):
        raise IntegrityError(f"{what}: head {path} does not say whether embeddings are L2-normalised "
                             f"(metadata {HEAD_METADATA_KEY!r}: normalize); {how}")
    names = meta.get("labels")
    if names is None:
        if labels is None:
            raise IntegrityError(f"{what}: head {path} names no classes (metadata {HEAD_METADATA_KEY!r}: labels); "
                                 "give --model-arg labels=a,b,... in output order, or " + how)
        return [f"output {i}" for i in range(outputs)], meta["normalize"]
    if not isinstance(names, list) or len(names) != outputs:
        raise IntegrityError(f"{what}: head {path} has {outputs} outputs but its metadata lists labels {names!r}; "
                             f"{how}")
    return [str(name) for name in names], meta["normalize"]


def save_head(path: Path, weight: torch.Tensor, bias: torch.Tensor, *, labels: Sequence[str], normalize: bool,
              max_length: int, encoder_sha256: str, extra: Mapping[str, str] | None = None) -> None:
    """Write a head file this builder can load (used by scripts/train_head.py)."""
    from safetensors.torch import save_file

    # One metadata key: safetensors writes several keys in hash order, which would change the file's sha256.
    meta = {"labels": list(labels), "normalize": normalize, "max_length": max_length, "pooling": "mean",
            "encoder_sha256": encoder_sha256, **(extra or {})}
    save_file({"weight": weight.contiguous().float(), "bias": bias.contiguous().float()}, str(path),
              {HEAD_METADATA_KEY: json.dumps(meta, sort_keys=True)})


def _load_head(path: Path, *, what: str) -> torch.nn.Linear:
    state = load_state_dict(path, format="safetensors")
    weight, bias = state.get("weight"), state.get("bias")
    if set(state) != {"weight", "bias"} or weight.ndim != 2 or bias.shape != weight.shape[:1]:
        shapes = {key: tuple(value.shape) for key, value in state.items()}
        raise IntegrityError(f"{what}: head {path} must hold weight [classes, hidden] and bias [classes], "
                             f"found {shapes}")
    head = torch.nn.Linear(state["weight"].shape[1], state["weight"].shape[0])
    head.load_state_dict(state)
    return head


def build_sentence_encoder(
    *,
    encoder: str,
    head: str | None = None,
    encoder_revision: str | None = None,
    encoder_sha256: str | None = None,
    labels: Sequence[str] | str | None = None,
    max_length: int | None = None,
    weights: WeightsSpec | None = None,
) -> TextClassifier:
    """Encoder (folder, ``package:...`` or hub id) + the head from ``weights`` (or a ``head`` file path)."""
    what = f"sentence-encoder {encoder}"
    if weights is not None:
        head_path = resolve(weights, what=f"{what}: head weights")
    elif head is not None:
        head_path = Path(head).expanduser()
        if not head_path.is_file():
            raise UsageError(f"{what}: head file {head} does not exist")
    else:
        raise UsageError(f"{what}: no classification head; give --model-arg head=PATH.safetensors "
                         "(see scripts/train_head.py for how to train one)")
    folder = locate_folder(encoder, revision=encoder_revision, what=what)
    zoo.remote_code.trust_remote_code(folder, what=what)  # refused before anything of the folder is read
    actual_sha256 = verify(encoder_weights_file(folder), encoder_sha256, what=f"{what}: encoder weights")
    meta = read_head_metadata(head_path)
    if meta.get("encoder_sha256") and meta["encoder_sha256"] != actual_sha256:
        raise IntegrityError(f"{what}: head {head_path} was trained on encoder weights {meta['encoder_sha256']}, "
                             f"but {folder} holds {actual_sha256}; use the encoder it was trained on")
    linear = _load_head(head_path, what=what)
    names, normalize = _head_settings(meta, head_path, outputs=linear.out_features, labels=labels, what=what)
    tokenizer = load_tokenizer(folder, what=what)
    network = MeanPoolingClassifier(load_encoder(folder, what=what), linear, normalize=normalize)
    hidden = int(network.encoder.config.hidden_size)
    if linear.in_features != hidden:
        raise IntegrityError(f"{what}: head {head_path} expects {linear.in_features}-dim embeddings, "
                             f"the encoder gives {hidden}")
    limit = choose_max_length(max_length if max_length is not None else meta.get("max_length"), tokenizer,
                              network.encoder.config, what=what)
    config = {
        "builder": "sentence-encoder",
        "encoder": encoder,
        "encoder_folder": str(folder),
        "encoder_sha256": actual_sha256,
        "head": str(head_path),
        "pooling": "mean over non-padding tokens",
        "normalize": network.normalize,
        "labels_from": "args.labels" if labels is not None else "head metadata",
        "tokenizer": type(tokenizer).__name__,
        "fast_tokenizer": bool(getattr(tokenizer, "is_fast", False)),
        "max_length": limit,
        "truncation": "at max_length tokens (count in stats.truncated)",
        "padding": "longest in batch",
        "inputs": "single texts (pairs refused)",
    }
    return TextClassifier(task="text-classification", labels=label_names(names, labels, what=what), module=network,
                          config=config, weights_sha256=weights.sha256 if weights and weights.sha256
                          else sha256_file(head_path), batcher=TextBatcher(tokenizer, limit, pairs_allowed=False))
