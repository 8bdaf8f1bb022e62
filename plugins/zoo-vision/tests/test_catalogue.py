"""The catalogue's entries agree with timm and with the files the plugin ships."""

from __future__ import annotations

from pathlib import Path

import pytest
from timm.data import resolve_data_config
from timm.models import get_pretrained_cfg

import zoo
import zoo.weights
import zoo_vision

# timm's hub tags: timm:TAG, or hf-hub:REPO/model.safetensors for the 53 kept outside timm/TAG.
HUB_MODELS = [spec for spec in zoo.list_models(plugin="vision") if "hub-weights" in spec.tags]
PUBLISHED_ON = ("imagenet-1k", "imagenet-real", "imagenetv2-matched-frequency", "imagenet-sketch", "imagenet-r",
                "imagenet-a")


def test_catalogue_has_the_families_people_use():
    families = {tag for spec in HUB_MODELS for tag in spec.tags}  # timm's module of each architecture
    assert len(HUB_MODELS) >= 1800
    assert {"resnet", "convnext", "vision-transformer", "efficientnet", "mobilenetv3", "regnet"} <= families


def test_hub_entries_match_timms_pretrained_configs():
    for spec in HUB_MODELS:
        cfg = get_pretrained_cfg(spec.name)
        assert cfg is not None and cfg.hf_hub_id, spec.name
        hub_uri = f"timm:{spec.name}" if cfg.hf_hub_id == f"timm/{spec.name}" else f"hf-hub:{cfg.hf_hub_id}/model.safetensors"
        assert spec.weights.uri == hub_uri and spec.args["model_name"] == spec.name
        # The published number's protocol is the one the builder uses: timm's test size and crop, or
        # the entry's own preprocessing where timm measured it otherwise (timm writes crop_pct with 3 decimals).
        data = resolve_data_config(pretrained_cfg=cfg.to_dict(), use_test_size=True)
        data.update(spec.args.get("preprocessing", {}))
        for value in spec.reported:
            assert value.dataset in PUBLISHED_ON and 0 < value.value <= 1, spec.name
            protocol = value.protocol
            assert (protocol["input_size"], protocol["interpolation"]) == \
                (data["input_size"][-1], data["interpolation"]), spec.name
            assert protocol["crop_pct"] == pytest.approx(data["crop_pct"], abs=5e-4), spec.name
        top = {value.metric: value.value for value in spec.reported if value.dataset == "imagenet-1k"}
        assert not top or top["top1"] < top["top5"], spec.name


def test_shipped_weights_match_their_pins_and_the_package_stays_small():
    spec = zoo.get("digits-resnet18", "model")
    assert zoo.weights.sha256_file(spec.weights.uri) == spec.weights.sha256
    package = Path(zoo_vision.__file__).parent
    size = sum(path.stat().st_size for path in package.rglob("*") if path.is_file() and "__pycache__" not in path.parts)
    assert size < 15 * 2**20
