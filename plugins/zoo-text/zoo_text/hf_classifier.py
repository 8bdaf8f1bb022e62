"""``hf-sequence-classification``: any transformers sequence classifier, by hub id or folder.

Labels come from ``config.id2label`` (a catalogue entry may rename them in
output order, e.g. SST-2's ``LABEL_0, LABEL_1`` -> ``negative, positive``).
A model that ships its own Python code (``auto_map`` in config.json) only
loads when its catalogue entry sets ``remote_code_allowed: true`` *and* the
user passes ``--model-arg trust_remote_code=true``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import zoo
import zoo.remote_code
from zoo.errors import UsageError
from zoo.specs import WeightsSpec

from zoo_text.sources import check_model_folder, folder_from_weights, locate_folder
from zoo_text.text_model import TextClassifier, label_names
from zoo_text.tokenizing import TextBatcher, choose_max_length, load_tokenizer

__all__ = ["LogitsOf", "build_hf_sequence_classification"]


class LogitsOf(torch.nn.Module):
    """Wrap a transformers classifier so that calling it returns the logits tensor."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, **batch: Any) -> torch.Tensor:
        return self.model(**batch).logits

    def embed(self, **batch: Any) -> torch.Tensor:
        """What the classifier's final linear layer sees, ``[B, H]``: BERT's pooler output,
        RoBERTa's and ELECTRA's dense+tanh of ``<s>``, DistilBERT's pre-classifier of ``[CLS]``...

        Read with a forward hook, so every architecture pools its own way.
        """
        head = _final_linear(self.model)
        seen: list[torch.Tensor] = []
        handle = head.register_forward_hook(lambda module, inputs, output: seen.append(inputs[0]))
        try:
            self.model(**batch)
        finally:
            handle.remove()
        features = seen[-1]
        if features.ndim != 2:
            raise UsageError(f"{type(self.model).__name__} scores every token before it pools them, so it has no one "
                             "pooled input to its classifier to return as embeddings")
        return features


def _final_linear(model: torch.nn.Module) -> torch.nn.Linear:
    """The last linear layer with one output per label: the classification head's output layer."""
    labels = int(model.config.num_labels)
    heads = [module for module in model.modules() if isinstance(module, torch.nn.Linear) and module.out_features == labels]
    if not heads:
        raise UsageError(f"{type(model).__name__} has no linear layer with {labels} outputs to read embeddings at")
    return heads[-1]


def _labels_from_config(config: Any) -> list[str]:
    id2label = {int(k): str(v) for k, v in (getattr(config, "id2label", None) or {}).items()}
    return [id2label.get(i, f"LABEL_{i}") for i in range(int(config.num_labels))]


@zoo.catalogue_only("remote_code_allowed")
def build_hf_sequence_classification(
    *,
    model: str | None = None,
    revision: str | None = None,
    max_length: int | None = None,
    labels: Sequence[str] | str | None = None,
    trust_remote_code: bool = False,
    remote_code_allowed: bool = False,
    weights: WeightsSpec | None = None,
) -> TextClassifier:
    """Build a classifier from ``model`` (hub id ``org/name`` or a local folder) or the entry's weights.

    ``max_length`` defaults to the tokenizer's ``model_max_length`` (512 when unset, capped by the
    position embeddings); a longer one than the position embeddings cover is refused.
    """
    what = f"model {model or (weights.uri if weights else '?')}"
    if model and weights is not None:
        # The record would name the entry's weights while another model ran.
        raise UsageError(f"{what}: this catalogue entry is {weights.uri}, so model={model} would not be what the "
                         "record names; to run another checkpoint, run the builder: zoo run hf-sequence-classification "
                         "--model-arg model=ORG/NAME")
    if model:
        folder = locate_folder(model, revision=revision, what=what)
    elif weights is not None:
        folder = folder_from_weights(weights, what=what)
    else:
        raise UsageError("hf-sequence-classification needs a model: --model-arg model=ORG/NAME (a hub id, with "
                         "--model-arg revision=COMMIT to pin it) or model=PATH (a local folder)")
    check_model_folder(folder, what=what)
    trust = zoo.remote_code.trust_remote_code(folder, requested=_as_bool(trust_remote_code, "trust_remote_code"),
                                              allowed=_as_bool(remote_code_allowed, "remote_code_allowed"), what=what)
    tokenizer = load_tokenizer(folder, what=what, trust_remote_code=trust)

    from transformers import AutoModelForSequenceClassification

    network = AutoModelForSequenceClassification.from_pretrained(str(folder), trust_remote_code=trust,
                                                                 dtype=torch.float32)
    network.eval()
    if tokenizer.pad_token is None and tokenizer.eos_token is not None:
        # Decoder-only classifiers (GPT-2 style) ship no pad token; they read the last non-pad position.
        tokenizer.pad_token = tokenizer.eos_token
        network.config.pad_token_id = tokenizer.eos_token_id
    limit = choose_max_length(max_length, tokenizer, network.config, what=what)
    names = label_names(_labels_from_config(network.config), labels, what=what)
    config = {
        "builder": "hf-sequence-classification",
        "model": model or (weights.uri if weights else None),
        "remote_code_ran": trust,  # the repository's own Python, run with the user's explicit consent
        "revision": revision,
        "folder": str(folder),
        "architecture": type(network).__name__,
        "tokenizer": type(tokenizer).__name__,
        "fast_tokenizer": bool(getattr(tokenizer, "is_fast", False)),
        "max_length": limit,
        "truncation": "longest_first, at max_length tokens (count in stats.truncated)",
        "padding": "longest in batch",
        "labels_from": "args.labels" if labels is not None else "config.id2label",
        "problem_type": getattr(network.config, "problem_type", None),
    }
    return TextClassifier(task="text-classification", labels=names, module=LogitsOf(network), config=config,
                          weights_sha256=weights.sha256 if weights else None,
                          batcher=TextBatcher(tokenizer, limit))


def _as_bool(value: Any, name: str) -> bool:
    """Flags may arrive as strings from --model-arg KEY=VALUE."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        return value.strip().lower() in ("1", "true", "yes", "on")
    raise UsageError(f"{name} must be true or false, got {value!r}")
