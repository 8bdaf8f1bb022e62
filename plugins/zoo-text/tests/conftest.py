"""Fixtures: tiny random transformers models built locally, so no test downloads anything."""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the hub is never reached from tests

WORDS = ("a", "good", "great", "fine", "bad", "dull", "awful", "film", "plot", "actor", "scene", "music", "it",
         "is", "was", "the", "very", "not")
VOCAB = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS)


def _tiny_config(classes: Sequence[str] = ()):  # noqa: ANN202 - a transformers BertConfig
    from transformers import BertConfig

    return BertConfig(vocab_size=len(VOCAB), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                      intermediate_size=32, max_position_embeddings=64, num_labels=max(len(classes), 2),
                      id2label=dict(enumerate(classes)) or None,
                      label2id={c: i for i, c in enumerate(classes)} or None)


def save_tiny_tokenizer(folder: Path, model_max_length: int = 32) -> None:
    from transformers import BertTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.txt").write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), model_max_length=model_max_length).save_pretrained(folder)


def save_tiny_classifier(folder: Path, labels: Sequence[str] = ("negative", "positive")) -> Path:
    """A randomly initialised 1-layer BERT sequence classifier with a fast tokenizer."""
    import torch
    from transformers import BertForSequenceClassification

    torch.manual_seed(0)
    save_tiny_tokenizer(folder)
    BertForSequenceClassification(_tiny_config(labels)).save_pretrained(folder)
    return folder


def save_tiny_encoder(folder: Path) -> Path:
    """A randomly initialised 1-layer BERT encoder (no head), as a sentence encoder."""
    import torch
    from transformers import BertModel

    torch.manual_seed(0)
    save_tiny_tokenizer(folder)
    BertModel(_tiny_config()).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_classifier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_classifier(tmp_path_factory.mktemp("tiny-bert-classifier"))


@pytest.fixture(scope="session")
def tiny_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_encoder(tmp_path_factory.mktemp("tiny-bert-encoder"))


@pytest.fixture(scope="session")
def text_registry():  # noqa: ANN201 - a zoo.Registry of the installed plugins, warnings kept quiet
    from zoo import Settings, load_registry

    return load_registry(settings=Settings(), warn=io.StringIO())


@pytest.fixture
def write_file(tmp_path: Path):  # noqa: ANN201
    """write_file("name.csv", text_or_bytes) -> the path."""

    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return path

    return write
