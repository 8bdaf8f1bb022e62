"""Which timm architecture the offline EfficientNet-Lite0 weights belong in, decided by evidence.

The same 296 tensors load into timm's ``efficientnet_lite0`` (symmetric
padding, BatchNorm eps 1e-5) and ``tf_efficientnet_lite0`` (TensorFlow "SAME"
padding, eps 1e-3). Every BatchNorm layer stores the running mean and variance
of its input seen in training; in the architecture the weights were trained in,
the activations real photos produce match those statistics best. The stem alone
cannot decide (the two paddings only shift the first feature map by a pixel),
so the check sums the mismatch over all 49 BatchNorm layers, where both
differences compound.
"""

from __future__ import annotations

import pytest

import zoo
from zoo_vision.data.photos import build_skimage_photos
from zoo_vision.images import load_image

CANDIDATES = ("efficientnet_lite0", "tf_efficientnet_lite0")


def batchnorm_mismatch(module, batch) -> float:  # type: ignore[no-untyped-def]
    """How far a batch's BatchNorm inputs are from the stored statistics, averaged over layers.

    Per channel: KL(N(observed mean, var) || N(running mean, running var)), each
    variance plus the layer's eps; per layer the median over channels, so a few
    dead channels do not dominate.
    """
    import torch

    observed = []

    def record(layer, inputs, output):  # type: ignore[no-untyped-def]
        x = inputs[0].double()
        observed.append((layer, x.mean((0, 2, 3)), x.var((0, 2, 3), unbiased=False)))

    layers = [m for m in module.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    hooks = [layer.register_forward_hook(record) for layer in layers]
    try:
        with torch.inference_mode():
            module(batch)
    finally:
        for hook in hooks:
            hook.remove()
    per_layer = []
    for layer, mean, var in observed:
        stored_var = layer.running_var.double() + layer.eps
        var = var + layer.eps
        kl = 0.5 * (var / stored_var + (mean - layer.running_mean.double()) ** 2 / stored_var - 1
                    - torch.log(var / stored_var))
        per_layer.append(kl.median().item())
    assert len(per_layer) == len(layers) == 49
    return sum(per_layer) / len(per_layer)


@pytest.mark.slow
def test_offline_lite0_weights_sit_in_the_architecture_whose_batchnorm_statistics_they_carry():
    import timm
    import torch

    from zoo.weights import load_state_dict
    from zoo_vision.state_dicts import clean_state_dict, map_in_order

    model = zoo.build_model("efficientnet-lite0-offline")
    # The five labelled CC0 / public-domain photos and the astronaut portrait, preprocessed by the entry.
    photos = build_skimage_photos(split="test")
    files = [photos.root / name for name, _ in photos.files] + [photos.root / "astronaut.png"]
    batch = model.collate([load_image(path) for path in files])
    weights = clean_state_dict(load_state_dict(model.config["weights"], format="pickle"))
    mismatch = {}
    for architecture in CANDIDATES:
        module = timm.create_model(architecture, pretrained=False).eval()
        module.load_state_dict(map_in_order(weights, module.state_dict(), where=architecture), strict=True)
        mismatch[architecture] = batchnorm_mismatch(module, batch)
    best, other = sorted(CANDIDATES, key=mismatch.get)

    assert model.config["architecture"] == best, mismatch
    # A clear margin, not noise (measured: 0.039 against 0.056 on these six photos).
    assert mismatch[best] < 0.85 * mismatch[other], mismatch
    # And the entry, as zoo builds it, is that architecture with these weights.
    assert batchnorm_mismatch(model.module, batch) == pytest.approx(mismatch[best], rel=1e-6)
    assert torch.equal(model.module.bn1.running_var, weights["_bn0.running_var"])
