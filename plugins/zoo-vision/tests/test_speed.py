"""Image models run channels-last by default, and that changes no prediction; bfloat16 is autocast."""

from __future__ import annotations

import json

import pytest

import zoo


def predictions(path) -> list[tuple[str, str]]:
    return [(row["id"], row["prediction"]) for row in map(json.loads, path.read_text().splitlines())]


@pytest.mark.slow
def test_channels_last_is_the_default_for_image_models_and_changes_no_prediction(tmp_path):
    default = zoo.evaluate("digits-resnet18", "digits", metrics=["top1", "top5", "macro-f1"], num_workers=0,
                           save_predictions=tmp_path / "default.jsonl")
    contiguous = zoo.evaluate("digits-resnet18", "digits", metrics=["top1", "top5", "macro-f1"], num_workers=0,
                              channels_last=False, save_predictions=tmp_path / "contiguous.jsonl")
    assert default["run"]["channels_last"] is True and contiguous["run"]["channels_last"] is False
    assert predictions(tmp_path / "default.jsonl") == predictions(tmp_path / "contiguous.jsonl")
    assert default["metrics"] == contiguous["metrics"]
    assert round(default["metrics"]["top1"], 6) == 0.997222  # the catalogue's number, measured float32 contiguous


def test_bfloat16_autocast_runs_an_image_model_and_is_recorded():
    run = zoo.evaluate("digits-resnet18", "digits", limit=64, num_workers=0, dtype="bfloat16", device="cpu")
    assert (run["run"]["dtype"], run["run"]["autocast"], run["run"]["channels_last"]) == ("bfloat16", True, True)
    assert run["metrics"]["top1"] >= 0.95  # lower precision, the same model
