"""--save-predictions scores follow the model's score_kind, as zoo.predict does."""

from __future__ import annotations

import json

import pytest

from zoo.engine import evaluate
from zoo.testing.toy import build_keyword_model


@pytest.mark.parametrize("score_kind,expected", [("logits", "a softmax probability"), ("one-hot", None)])
def test_saved_scores_follow_the_score_kind(toy_registry, tmp_path, score_kind, expected):
    model = build_keyword_model()
    model.score_kind = score_kind
    path = tmp_path / "predictions.jsonl"
    evaluate(model, "reviews", registry=toy_registry, save_predictions=path, limit=6)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(rows) == 6
    if expected is None:  # a decision is not a confidence: no softmax of a one-hot vector
        assert all(row["score"] is None for row in rows)
    else:
        assert all(0.5 <= row["score"] <= 1 for row in rows)
