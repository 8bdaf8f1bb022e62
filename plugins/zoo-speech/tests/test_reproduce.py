"""`zoo.evaluate` reproduces the numbers the catalogue reports with source "zoo run"."""

from __future__ import annotations

import pytest

import zoo
from zoo.weights import sha256_file
from zoo_speech.digits_cnn import build_digits_cnn


def reported(model: str, dataset: str) -> float:
    spec = zoo.get(model, "model")
    (entry,) = [r for r in spec.reported if r.dataset == dataset and r.source == "zoo run"]
    return entry.value


def test_shipped_cnn_weights_match_the_catalogue_pin():
    spec = zoo.get("digits-cnn-synth", "model")
    assert sha256_file(spec.weights.uri) == spec.weights.sha256
    model = zoo.build_model(spec)
    assert model.weights_sha256 == spec.weights.sha256 and model.labels == build_digits_cnn().labels


@pytest.mark.slow
@pytest.mark.parametrize("dataset", ["spoken-digits-synth", "spokennumbers"])
def test_digits_cnn_accuracy_is_reproduced_exactly(dataset):
    record = zoo.evaluate("digits-cnn-synth", dataset, batch_size=32, num_workers=0)
    assert record["metrics"]["accuracy"] == pytest.approx(reported("digits-cnn-synth", dataset), abs=1e-6)


@pytest.mark.slow
def test_pocketsphinx_digit_accuracy_on_real_voice_is_reproduced():
    record = zoo.evaluate("pocketsphinx-en-us-digits", "spokennumbers", batch_size=32, num_workers=0)
    assert record["metrics"]["accuracy"] == pytest.approx(reported("pocketsphinx-en-us-digits", "spokennumbers"), abs=1e-6)


def test_cnn_refuses_a_word_longer_than_its_window():
    from zoo import Audio, SampleError
    from speech_helpers import tone

    model = build_digits_cnn()
    with pytest.raises(SampleError, match=r"sample 0: the spoken word lasts 2\.00 s .* at most 1\.5 s"):
        model.collate([Audio(tone(2.0), 16_000)])
