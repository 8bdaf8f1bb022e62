"""The few timm tags without a hub repository name their weights by URL, loaded as timm loads them."""

from __future__ import annotations

import pytest
import timm
import torch
from timm.models import get_pretrained_cfg

import zoo
from zoo.specs import WeightsSpec
from zoo_vision.models import build_timm


@pytest.mark.slow  # builds a 12M-parameter GCViT three times
def test_a_tags_own_url_weights_load_through_timms_pretrained_loading(tmp_path):
    spec = zoo.get("gcvit_xxtiny.in1k", "model")
    url = get_pretrained_cfg("gcvit_xxtiny.in1k").url
    assert spec.weights.uri == url and spec.weights.format == "pickle"
    source = timm.create_model("gcvit_xxtiny", num_classes=1000)
    checkpoint = tmp_path / "gcvit_xxtiny.pth"
    torch.save({"state_dict": source.state_dict()}, checkpoint)
    downloaded = WeightsSpec(uri=url, format="pickle", path=str(checkpoint))  # as zoo pull leaves it
    # timm's own loading adapts the head to other classes, as it does for hub weights.
    model = build_timm(model_name="gcvit_xxtiny.in1k", weights=downloaded, num_classes=10)
    assert model.module.num_classes == 10
    stem = "stem.conv1.weight"
    assert torch.equal(model.module.state_dict()[stem], source.state_dict()[stem])
    other = WeightsSpec(uri="https://example.org/other.pth", format="pickle", path=str(checkpoint))
    with pytest.raises(zoo.UsageError, match="do not fit timm model 'gcvit_xxtiny'"):
        build_timm(model_name="gcvit_xxtiny.in1k", weights=other, num_classes=10)  # any other file loads strictly
