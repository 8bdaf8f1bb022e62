"""Tokenizers: load one with clear errors, and turn raw texts into a padded batch.

:class:`TextBatcher` pads to the longest text of the batch (the engine groups
texts of similar length, so padding stays small), truncates to
``max_length`` and counts the texts it truncated. The count travels inside
the batch's ``collate_stats`` (see :class:`zoo_text.text_model.TextClassifier`),
which the engine reads in the worker process that collated.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zoo.errors import MissingArtifactError, SampleError, UsageError

__all__ = ["TOKENIZER_FILE_SETS", "TextBatcher", "load_tokenizer"]

# A folder has a usable tokenizer when it holds one of these sets of files.
TOKENIZER_FILE_SETS = (
    ("tokenizer.json",),
    ("vocab.txt",),
    ("vocab.json", "merges.txt"),
    ("spiece.model",),
    ("sentencepiece.bpe.model",),
    ("spm.model",),
    ("tokenizer.model",),
)
TOKENIZER_FILES = sorted({name for group in TOKENIZER_FILE_SETS for name in group} | {"tokenizer_config.json",
                                                                                      "special_tokens_map.json"})
# Beyond this, model_max_length is transformers' "unset" sentinel, not a real limit.
UNSET_MAX_LENGTH = 100_000
FALLBACK_MAX_LENGTH = 512


def load_tokenizer(folder: Path, *, what: str, trust_remote_code: bool = False) -> Any:
    """The folder's own tokenizer (fast when the folder allows it); incomplete folders fail clearly."""
    present = {path.name for path in folder.iterdir()} if folder.is_dir() else set()
    if not any(all(name in present for name in group) for group in TOKENIZER_FILE_SETS):
        have = sorted(present & set(TOKENIZER_FILES)) or ["no tokenizer files"]
        raise MissingArtifactError(
            f"{what}: the tokenizer in {folder} is incomplete: it has {', '.join(have)}, but needs tokenizer.json, "
            "or vocab.txt, or vocab.json with merges.txt, or a sentencepiece model; copy the tokenizer files "
            "from the model's repository into the folder")
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(str(folder), use_fast=True, trust_remote_code=trust_remote_code)
    except Exception as error:  # noqa: BLE001 - transformers raises many types for a broken folder
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise MissingArtifactError(f"{what}: cannot load the tokenizer in {folder} ({type(error).__name__}: {reason}); "
                                   "the tokenizer files are incomplete or corrupt: copy them again") from error


def position_limit(model_config: Any) -> int | None:
    """The longest input the model's absolute position embeddings cover; None when positions are relative."""
    if not getattr(model_config, "position_biased_input", True):  # DeBERTa(-v2/v3): relative positions only
        return None
    limit = getattr(model_config, "max_position_embeddings", None)
    return limit if isinstance(limit, int) and limit > 0 else None


def choose_max_length(requested: Any, tokenizer: Any, model_config: Any, *, what: str) -> int:
    """``requested`` when the model can take it, else the tokenizer's ``model_max_length``.

    When neither says, 512, capped by the model's position embeddings. A
    request longer than the position embeddings would crash inside the model
    on the first long text, so it is refused here.
    """
    positions = position_limit(model_config)
    if requested is None:
        limit = getattr(tokenizer, "model_max_length", None)
        if isinstance(limit, int) and 0 < limit < UNSET_MAX_LENGTH:
            return limit
        return min(FALLBACK_MAX_LENGTH, positions or FALLBACK_MAX_LENGTH)
    if not isinstance(requested, int) or isinstance(requested, bool) or requested < 2:
        raise UsageError(f"{what}: max_length must be an integer of at least 2 tokens, got {requested!r}")
    if positions is not None and requested > positions:
        raise UsageError(f"{what}: max_length={requested} is longer than the model's {positions} position "
                         f"embeddings; give --model-arg max_length={positions} or less")
    return requested


def _checked(inputs: list[Any], *, pairs_allowed: bool) -> tuple[list[str], list[str] | None]:
    """Texts (and second texts for sentence pairs); an unusable input names its position."""
    firsts, seconds = [], []
    pairs = bool(inputs) and all(isinstance(item, (tuple, list)) for item in inputs)
    if pairs and not pairs_allowed:
        raise SampleError("0", "a (text, text) pair, but this model classifies single texts; pairs are for "
                               "NLI-style models (hf-sequence-classification); drop text_pair_column/_field")
    for position, item in enumerate(inputs):
        parts = list(item) if pairs else [item]
        if pairs and len(parts) != 2:
            raise SampleError(str(position), f"a text pair has two texts, this one has {len(parts)}")
        for part in parts:
            if not isinstance(part, str):
                raise SampleError(str(position), f"expected text (a str), got {type(part).__name__}")
            if not part.strip():
                raise SampleError(str(position), "empty text: there is nothing to classify")
        firsts.append(parts[0])
        if pairs:
            seconds.append(parts[1])
    return firsts, (seconds if pairs else None)


@dataclass
class TextBatcher:
    """Texts -> (``{input_ids, attention_mask, [token_type_ids]}`` CPU tensors, texts truncated).

    ``pairs_allowed=False`` refuses ``(text, text)`` inputs: a sentence
    embedding of a pair is not what a single-sentence head was trained on.
    """

    tokenizer: Any
    max_length: int
    pairs_allowed: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.max_length, int) or isinstance(self.max_length, bool) or self.max_length < 2:
            raise UsageError(f"max_length must be an integer of at least 2 tokens, got {self.max_length!r}")

    def __call__(self, inputs: list[Any]) -> tuple[dict[str, Any], int]:
        texts, pairs = _checked(inputs, pairs_allowed=self.pairs_allowed)
        batch = dict(self.tokenizer(texts, pairs, padding="longest", truncation=True, max_length=self.max_length,
                                    return_tensors="pt"))
        return batch, self._count_truncated(texts, pairs, batch["attention_mask"])

    def _count_truncated(self, texts: list[str], pairs: list[str] | None, attention_mask: Any) -> int:
        """Only texts that filled max_length can have been cut: re-tokenize just those, untruncated."""
        full = (attention_mask.sum(dim=1) >= self.max_length).nonzero().flatten().tolist()
        if not full:
            return 0
        chosen = [texts[i] for i in full]
        chosen_pairs = [pairs[i] for i in full] if pairs is not None else None
        untruncated = self.tokenizer(chosen, chosen_pairs, truncation=False, verbose=False)["input_ids"]
        return sum(len(ids) > self.max_length for ids in untruncated)
