"""A dataset of a subset of a model's classes that asks for it is scored on those classes alone.

ImageNet-R and -A hold 200 of ImageNet-1k's classes; timm's validate.py scores
a 1,000-class model on them with ``--valid-labels``: the other 800 outputs are
dropped before top-1/top-5. A dataset says so with ``partial_label_space = True``.
"""

from __future__ import annotations

import json

import pytest
import torch

from zoo.engine import evaluate
from zoo.testing.toy import build_keyword_model, build_reviews


def neutral_always_wins():  # type: ignore[no-untyped-def]
    """A 3-class keyword model whose 'neutral' output beats the others on every review."""
    model = build_keyword_model(labels=("negative", "positive", "neutral"))
    with torch.no_grad():
        model.module.bias[2] = 1000.0
    return model


def reviews(*, partial: bool):  # type: ignore[no-untyped-def]
    dataset = build_reviews(split="test")  # negative / positive only
    dataset.partial_label_space = partial
    return dataset


def test_a_partial_label_space_scores_only_the_datasets_classes(tmp_path):
    plain = evaluate(build_keyword_model(), reviews(partial=False))["metrics"]["accuracy"]
    model = neutral_always_wins()
    assert evaluate(model, reviews(partial=False))["metrics"]["accuracy"] == 0.0  # 'neutral' is never right
    predictions = tmp_path / "predictions.jsonl"
    run = evaluate(model, reviews(partial=True), save_predictions=predictions)
    # Without the 'neutral' column the model is the 2-class keyword model: the same accuracy.
    assert run["metrics"]["accuracy"] == pytest.approx(plain) and 0.5 < plain < 1
    assert run["dataset"]["partial_label_space"] is True
    first = json.loads(predictions.read_text().splitlines()[0])
    assert "neutral" not in json.dumps(first)  # saved scores are over the classes it was scored on


def test_a_dataset_that_does_not_ask_keeps_every_output():
    run = evaluate(neutral_always_wins(), reviews(partial=False))
    assert "partial_label_space" not in run["dataset"]
