"""The shipped models: real all-MiniLM-L6-v2 weights, trained heads, and their catalogue numbers reproduced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import zoo
from zoo.weights import sha256_file

OFFICIAL_MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
SHIPPED = [  # model, dataset, test sentences
    ("minilm-rt-polarity", "rotten-tomatoes", 964),
    ("minilm-chatterbot-topics", "chatterbot-topics", 380),
]


@pytest.mark.parametrize("name", [model for model, _, _ in SHIPPED])
def test_the_encoder_is_the_official_release_and_the_head_is_pinned(text_registry, name):
    spec = zoo.get(name, "model", registry=text_registry)
    assert spec.args["encoder_sha256"] == OFFICIAL_MINILM_SHA256
    assert spec.weights.sha256 == sha256_file(spec.weights.uri)
    note = json.loads(Path(spec.weights.uri).with_suffix(".json").read_text(encoding="utf-8"))
    assert note["head_sha256"] == spec.weights.sha256  # the training note describes the shipped file


@pytest.mark.slow
@pytest.mark.parametrize(("name", "dataset", "size"), SHIPPED)
def test_zoo_run_reproduces_the_catalogue_numbers_exactly(text_registry, name, dataset, size):
    spec = zoo.get(name, "model", registry=text_registry)
    run = zoo.evaluate(name, dataset, registry=text_registry, device="cpu", batch_size=64,
                       metrics=["accuracy", "macro-f1", "mcc"])
    assert run["samples"]["evaluated"] == size and run["samples"]["truncated"] == 0
    reported = {r.metric: r.value for r in spec.reported if r.dataset == dataset and r.split == "test"}
    assert set(reported) == {"accuracy", "macro-f1", "mcc"}
    for metric, value in reported.items():
        # Catalogue values carry 6 decimals; one test sentence moves accuracy by 1/964 or 1/380.
        assert run["metrics"][metric] == pytest.approx(value, abs=5e-7), metric
    assert run["metrics"]["accuracy"] > 0.7  # a frozen MiniLM with a linear head: ~75-78%, far above chance


@pytest.mark.slow
def test_it_reads_the_sentiment_of_new_sentences(text_registry):
    from zoo import predict

    results = predict("minilm-rt-polarity", ["a wonderful, moving film with a superb cast",
                                             "a boring, tedious mess that wastes its actors"],
                      top_k=1, device="cpu", registry=text_registry)
    assert [r["top"][0]["label"] for r in results] == ["positive", "negative"]
