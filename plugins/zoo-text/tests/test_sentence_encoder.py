"""sentence-encoder: an encoder folder plus a head file, checked against each other."""

from __future__ import annotations

import json

import pytest
import torch
from zoo.errors import SampleError, UsageError
from zoo.weights import IntegrityError, sha256_file

from zoo_text.sentence_encoder import HEAD_METADATA_KEY, build_sentence_encoder, read_head_metadata, save_head


def _head(path, encoder, *, classes=("negative", "positive"), hidden=16, encoder_sha256=None, normalize=True):
    torch.manual_seed(1)
    save_head(path, torch.randn(len(classes), hidden), torch.zeros(len(classes)), labels=classes,
              normalize=normalize, max_length=12,
              encoder_sha256=encoder_sha256 or sha256_file(encoder / "model.safetensors"))
    return path


def test_logits_come_from_mean_pooled_normalised_embeddings(tiny_encoder, tmp_path):
    head = _head(tmp_path / "head.safetensors", tiny_encoder)
    model = build_sentence_encoder(encoder=str(tiny_encoder), head=str(head)).to("cpu")
    assert model.labels == ("negative", "positive")
    assert model.config["max_length"] == 12 and model.config["normalize"] is True
    batch = model.collate(["a good film", "dull"])
    logits = model.forward(batch)
    assert logits.shape == (2, 2)
    # The same text alone or beside a longer one: padding must not change its embedding.
    alone = model.forward(model.collate(["dull"]))
    torch.testing.assert_close(alone[0], logits[1], atol=1e-5, rtol=1e-5)
    embedding = model.module.embed(**model.collate(["a good film"]))
    torch.testing.assert_close(embedding.norm(dim=1), torch.ones(1))


def test_text_pairs_are_refused_not_embedded_as_one_sentence(tiny_encoder, tmp_path):
    model = build_sentence_encoder(encoder=str(tiny_encoder), head=str(_head(tmp_path / "h.safetensors", tiny_encoder)))
    with pytest.raises(SampleError, match="a \\(text, text\\) pair, but this model classifies single texts"):
        model.collate([("a good film", "it is good")])


def test_it_runs_in_bfloat16_and_returns_float32_logits(tiny_encoder, tmp_path):
    head = _head(tmp_path / "head.safetensors", tiny_encoder)
    model = build_sentence_encoder(encoder=str(tiny_encoder), head=str(head)).to("cpu", torch.bfloat16)
    logits = model.forward(model.collate(["a good film", "it was very dull"]))
    assert logits.dtype == torch.float32 and torch.isfinite(logits).all()


def test_head_metadata_round_trips_and_the_file_is_byte_reproducible(tiny_encoder, tmp_path):
    first = _head(tmp_path / "one.safetensors", tiny_encoder)
    second = _head(tmp_path / "two.safetensors", tiny_encoder)
    assert sha256_file(first) == sha256_file(second)
    meta = read_head_metadata(first)
    assert meta["labels"] == ["negative", "positive"] and meta["pooling"] == "mean" and meta["max_length"] == 12


def test_a_head_trained_on_another_encoder_is_refused(tiny_encoder, tmp_path):
    head = _head(tmp_path / "head.safetensors", tiny_encoder, encoder_sha256="0" * 64)
    with pytest.raises(IntegrityError, match="was trained on encoder weights 0000"):
        build_sentence_encoder(encoder=str(tiny_encoder), head=str(head))


def test_a_pinned_encoder_sha256_is_checked(tiny_encoder, tmp_path):
    head = _head(tmp_path / "head.safetensors", tiny_encoder)
    with pytest.raises(IntegrityError, match="but the catalogue pins 1111"):
        build_sentence_encoder(encoder=str(tiny_encoder), head=str(head), encoder_sha256="1" * 64)


def test_a_head_of_the_wrong_width_is_refused(tiny_encoder, tmp_path):
    head = _head(tmp_path / "head.safetensors", tiny_encoder, hidden=8)
    with pytest.raises(IntegrityError, match="expects 8-dim embeddings, the encoder gives 16"):
        build_sentence_encoder(encoder=str(tiny_encoder), head=str(head))


def test_no_head_is_a_usage_error(tiny_encoder, tmp_path):
    with pytest.raises(UsageError, match="no classification head"):
        build_sentence_encoder(encoder=str(tiny_encoder))
    with pytest.raises(UsageError, match="does not exist"):
        build_sentence_encoder(encoder=str(tiny_encoder), head=str(tmp_path / "missing.safetensors"))


def _raw_head(path, *, classes=2, hidden=16, metadata=None):
    """A head file written without save_head: metadata exactly as given."""
    from safetensors.torch import save_file

    save_file({"weight": torch.zeros(classes, hidden), "bias": torch.zeros(classes)}, str(path), metadata)
    return path


def test_a_head_without_labels_needs_them_given_not_invented(tiny_encoder, tmp_path):
    head = _raw_head(tmp_path / "head.safetensors", metadata={HEAD_METADATA_KEY: json.dumps({"normalize": True})})
    with pytest.raises(IntegrityError, match=r"names no classes .*give --model-arg labels=a,b"):
        build_sentence_encoder(encoder=str(tiny_encoder), head=str(head))
    model = build_sentence_encoder(encoder=str(tiny_encoder), head=str(head), labels="neg,pos")
    assert model.labels == ("neg", "pos") and model.config["labels_from"] == "args.labels"


def test_a_head_that_does_not_say_how_it_was_trained_is_refused(tiny_encoder, tmp_path):
    bare = _raw_head(tmp_path / "bare.safetensors")
    with pytest.raises(IntegrityError, match="does not say whether embeddings are L2-normalised"):
        build_sentence_encoder(encoder=str(tiny_encoder), head=str(bare), labels="neg,pos")
    cls = _raw_head(tmp_path / "cls.safetensors", metadata={HEAD_METADATA_KEY: json.dumps(
        {"normalize": False, "pooling": "cls", "labels": ["neg", "pos"]})})
    with pytest.raises(IntegrityError, match="trained on 'cls' pooling, but this builder mean-pools"):
        build_sentence_encoder(encoder=str(tiny_encoder), head=str(cls))


def test_head_labels_that_do_not_match_its_outputs_are_refused(tiny_encoder, tmp_path):
    head = _raw_head(tmp_path / "head.safetensors", classes=3, metadata={HEAD_METADATA_KEY: json.dumps(
        {"normalize": True, "labels": ["neg", "pos"]})})
    with pytest.raises(IntegrityError, match=r"has 3 outputs but its metadata lists labels \['neg', 'pos'\]"):
        build_sentence_encoder(encoder=str(tiny_encoder), head=str(head))


def test_a_head_that_is_not_safetensors_names_the_file(tiny_encoder, tmp_path):
    head = tmp_path / "head.safetensors"
    head.write_bytes(b"not a safetensors file")
    with pytest.raises(IntegrityError, match=r"head .*head\.safetensors: not a valid safetensors file"):
        build_sentence_encoder(encoder=str(tiny_encoder), head=str(head))
