"""Weights the record would not mention: timm arguments that load weights themselves are refused."""

from __future__ import annotations

import pytest
from zoo.errors import UsageError

from zoo_vision.models import build_timm


@pytest.mark.parametrize("kwargs", [{"checkpoint_path": "/tmp/other.pth"}, {"pretrained_cfg_overlay": {"file": "x"}}])
def test_model_kwargs_that_load_weights_are_refused(kwargs):
    with pytest.raises(UsageError, match="would load weights behind zoo's back, unchecked and unrecorded; give a "
                                         "checkpoint with --model-arg checkpoint=PATH"):
        build_timm(model_name="resnet18", model_kwargs=kwargs)
