"""The two corpora that arrive through packages: fixed splits, real labels, cards."""

from __future__ import annotations

import pytest
import zoo
from zoo.weights import IntegrityError

from zoo_text.datasets import chatterbot_topics
from zoo_text.datasets.chatterbot_topics import build_chatterbot_topics
from zoo_text.datasets.rotten_tomatoes import build_rotten_tomatoes


def test_rotten_tomatoes_split_is_fixed_and_by_movie():
    train, test = build_rotten_tomatoes(split="train"), build_rotten_tomatoes(split="test")
    assert (len(train), len(test)) == (3902, 964)
    assert train.labels == test.labels == ("negative", "positive")
    assert test.info["label_counts"] == {"negative": 495, "positive": 469}
    assert (train.info["movies"], test.info["movies"]) == (125, 31)
    # No sentence is served by both splits, and the split is the same on every build.
    assert not set(train.ids) & set(test.ids)
    assert build_rotten_tomatoes(split="test").fingerprint == test.fingerprint != train.fingerprint


def test_rotten_tomatoes_samples_are_review_sentences():
    test = build_rotten_tomatoes(split="test")
    sample = test[0]
    assert isinstance(sample, zoo.Sample)
    assert sample.id.startswith("rotten_tomatoes_corpus.csv.bz2 record ")
    assert sample.target in (0, 1) and len(sample.input) > 5
    assert test.lengths()[0] == len(sample.input)


def test_a_different_seed_gives_a_different_split():
    assert build_rotten_tomatoes(split="test", seed=1).fingerprint != build_rotten_tomatoes(split="test").fingerprint


def test_chatterbot_topics_has_every_class_in_both_splits():
    train, test = build_chatterbot_topics(split="train"), build_chatterbot_topics(split="test")
    assert len(train.labels) == 21 and train.labels == test.labels
    assert (len(train), len(test)) == (1514, 380)
    assert all(count > 0 for count in test.info["label_counts"].values())
    assert all(count > 0 for count in train.info["label_counts"].values())
    assert not set(train.texts) & set(test.texts)
    assert test.info["dropped_ambiguous"] == 7  # utterances filed under two topics


def test_chatterbot_topics_refuses_files_other_than_the_pinned_ones(monkeypatch):
    monkeypatch.setitem(chatterbot_topics.SOURCE_SHA256, "english", "0" * 64)
    with pytest.raises(IntegrityError, match=r"english topic files hash to 03a15871.*not the pinned .*`pip download "
                                             r"--no-deps --only-binary :all: -d .* chatterbot-corpus==1\.3\.3`"):
        build_chatterbot_topics(split="test")


def test_bundled_datasets_are_registered_with_cards(text_registry):
    for name, sizes in (("rotten-tomatoes", {"train": 3902, "test": 964}),
                        ("chatterbot-topics", {"train": 1514, "test": 380})):
        spec = zoo.get(name, "dataset", registry=text_registry)
        assert spec.citation and spec.license and spec.source
        assert dict(spec.size) == sizes
        built = zoo.build_dataset(spec, registry=text_registry)
        assert len(built) == sizes[spec.split_or_default]
