"""`zoo.evaluate` reproduces the numbers the catalogue reports with source "zoo run"."""

from __future__ import annotations

import pytest

import zoo
from zoo.weights import sha256_file
from zoo_speech.digits_cnn import build_digits_cnn


def test_shipped_cnn_weights_match_the_catalogue_pin():
    spec = zoo.get("digits-cnn-synth", "model")
    assert sha256_file(spec.weights.uri) == spec.weights.sha256
    model = zoo.build_model(spec)
    assert model.weights_sha256 == spec.weights.sha256 and model.labels == build_digits_cnn().labels


def _zoo_run_numbers() -> list[tuple[str, str, str, float]]:
    """Every catalogue number this plugin says `zoo run` produces: (model, dataset, metric, value)."""
    return [(model.name, entry.dataset, entry.metric, entry.value)
            for model in zoo.list_models(plugin="speech") for entry in model.reported if entry.source == "zoo run"]


def test_the_catalogue_reports_zoo_run_numbers_for_every_offline_model():
    reproduced = {model for model, *_ in _zoo_run_numbers()}
    assert reproduced == {"digits-cnn-synth", "pocketsphinx-en-us", "pocketsphinx-en-us-digits"}


@pytest.mark.slow
@pytest.mark.parametrize(("model", "dataset", "metric", "value"), _zoo_run_numbers(),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_every_zoo_run_number_in_the_catalogue_is_reproduced_exactly(model, dataset, metric, value):
    # alsa-channel-names needs Debian's alsa-utils (.ci/run installs it): a missing file fails, never skips
    record = zoo.evaluate(model, dataset, batch_size=32, num_workers=0)
    assert record["metrics"][metric] == pytest.approx(value, abs=1e-6)


def test_cnn_refuses_a_word_longer_than_its_window():
    from zoo import Audio, SampleError
    from speech_helpers import tone

    model = build_digits_cnn()
    with pytest.raises(SampleError, match=r"sample 0: the spoken word lasts 2\.00 s .* at most 1\.5 s"):
        model.collate([Audio(tone(2.0), 16_000)])
