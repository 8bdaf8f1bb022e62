"""The catalogue's entries agree with timm and with the files the plugin ships."""

from __future__ import annotations

from pathlib import Path

import pytest
from timm.data import resolve_data_config
from timm.models import get_pretrained_cfg

import zoo
import zoo.weights
import zoo_vision

HUB_MODELS = [spec for spec in zoo.list_models(plugin="vision") if spec.weights and spec.weights.uri.startswith("timm:")]


def test_catalogue_has_the_families_people_use():
    families = {tag for spec in HUB_MODELS for tag in spec.tags}
    assert len(HUB_MODELS) >= 12
    assert {"resnet", "convnext", "vit", "efficientnet", "mobilenetv3", "regnet"} <= families


@pytest.mark.parametrize("spec", HUB_MODELS, ids=lambda spec: spec.name)
def test_hub_entry_matches_timms_pretrained_config(spec):
    cfg = get_pretrained_cfg(spec.name)
    assert cfg is not None and spec.weights.uri == f"timm:{spec.name}" and spec.args["model_name"] == spec.name
    assert spec.license.lower() == cfg.license.lower()
    # The published number's protocol is the one the builder uses: timm's test size and crop.
    data = resolve_data_config(pretrained_cfg=cfg.to_dict(), use_test_size=True)
    metrics = {r.metric: r for r in spec.reported}
    assert set(metrics) == {"top1", "top5"} and 0 < metrics["top1"].value < metrics["top5"].value <= 1
    protocol = metrics["top1"].protocol
    assert (protocol["input_size"], protocol["crop_pct"], protocol["interpolation"]) == \
        (data["input_size"][-1], data["crop_pct"], data["interpolation"])


def test_shipped_weights_match_their_pins_and_the_package_stays_small():
    spec = zoo.get("digits-resnet18", "model")
    assert zoo.weights.sha256_file(spec.weights.uri) == spec.weights.sha256
    package = Path(zoo_vision.__file__).parent
    size = sum(path.stat().st_size for path in package.rglob("*") if path.is_file() and "__pycache__" not in path.parts)
    assert size < 15 * 2**20
