"""`zoo.bench` on the bundled image models: real preprocessing, inputs and FLOPs (no timing is checked)."""

from __future__ import annotations

import pytest

import zoo


@pytest.mark.slow
def test_bench_feeds_each_model_its_own_inputs_and_counts_the_flops_of_one_sample():
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    digits, lite0 = (zoo.bench(name, batch_sizes=(2,), seconds=0.05, warmup=0, device="cpu", synthetic=synthetic)[0]
                     for name, synthetic in (("digits-resnet18", False), ("efficientnet-lite0-offline", True)))
    assert digits["status"] == lite0["status"] == "ok"
    # The digits test split through the model's own transform: greyscale 32x32, one sample per FLOP count.
    assert digits["bench"]["inputs"] == "dataset:vision:digits"
    assert digits["bench"]["input_shape"] == [1, *digits["model"]["config"]["input_size"]] == [1, 1, 32, 32]
    module = zoo.build_model("digits-resnet18").module.eval()
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        module(torch.zeros(1, 1, 32, 32))
    assert digits["bench"]["flops_per_sample"] == counter.get_total_flops() > 0
    assert digits["bench"]["channels_last"] is True  # as zoo run does for image models
    # Synthetic inputs at the weights' own input size.
    assert lite0["bench"]["inputs"] == "synthetic"
    assert lite0["bench"]["input_description"] == "2 random 224x224 images (the model's input_size)"
    assert lite0["bench"]["input_shape"] == [1, 3, 224, 224]
    assert lite0["bench"]["flops_per_sample"] > 100 * digits["bench"]["flops_per_sample"]
