"""Which padding and BatchNorm eps the offline EfficientNet-Lite0 weights were trained with.

    python plugins/zoo-vision/scripts/lite0_batchnorm_evidence.py     # ~30 s of CPU

Loads the weights of ``efficientnet-lite0-offline`` into timm's
``efficientnet_lite0`` with each combination of padding (symmetric, or
TensorFlow "SAME") and BatchNorm eps (1e-5, or TensorFlow's 1e-3), runs
scikit-image's photos through each (centre crops plus seeded random crops and
flips), and prints how far every BatchNorm layer's input statistics are from
the running statistics stored in the weights: the per-channel KL divergence
KL(N(observed) || N(stored)), median over channels, mean over the 49 layers.
The architecture the weights were trained in gives the smallest divergence.
``tests/test_lite0_architecture.py`` checks the same on six photos.
"""

from __future__ import annotations

import numpy as np
import timm
import torch
from PIL import Image
from timm.data import create_transform, resolve_data_config
from torchvision import transforms

import zoo
from zoo.weights import load_state_dict
from zoo_vision.data.photos import build_skimage_photos
from zoo_vision.state_dicts import clean_state_dict, map_in_order

PHOTOS = ("astronaut.png", "camera.png", "chelsea.png", "clock_motion.png", "coffee.png", "rocket.jpg",
          "brick.png", "grass.png", "gravel.png", "hubble_deep_field.jpg", "retina.jpg", "moon.png")
RANDOM_VIEWS = 3  # random crops and flips per photo, besides the centre crop
VARIANTS = {  # efficientnet_lite0 keyword arguments; the last is timm's tf_efficientnet_lite0
    "efficientnet_lite0 (symmetric, eps 1e-5)": {},
    "symmetric padding, eps 1e-3": {"bn_eps": 1e-3},
    "TF SAME padding, eps 1e-5": {"pad_type": "same"},
    "tf_efficientnet_lite0 (TF SAME, eps 1e-3)": {"pad_type": "same", "bn_eps": 1e-3},
}


def layer_divergences(module: torch.nn.Module, batch: torch.Tensor) -> np.ndarray:
    """Per BatchNorm layer: the median over channels of KL(N(observed) || N(stored)), eps included."""
    observed = []

    def record(layer, inputs, output):  # type: ignore[no-untyped-def]
        x = inputs[0].double()
        observed.append((layer, x.mean((0, 2, 3)), x.var((0, 2, 3), unbiased=False)))

    hooks = [m.register_forward_hook(record) for m in module.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    with torch.inference_mode():
        module(batch)
    for hook in hooks:
        hook.remove()
    result = []
    for layer, mean, var in observed:
        stored_var, var = layer.running_var.double() + layer.eps, var + layer.eps
        kl = 0.5 * (var / stored_var + (mean - layer.running_mean.double()) ** 2 / stored_var - 1
                    - torch.log(var / stored_var))
        result.append(kl.median().item())
    return np.array(result)


def main() -> None:
    torch.manual_seed(0)
    spec = zoo.get("efficientnet-lite0-offline", "model")
    weights_path = zoo.build_model(spec.id).config["weights"]
    weights = clean_state_dict(load_state_dict(weights_path, format="pickle"))
    variances = torch.cat([v.flatten() for k, v in weights.items() if k.endswith("running_var")])
    print(f"{weights_path}: {len(variances)} running variances, {float((variances < 1e-3).float().mean()):.1%} "
          f"below 1e-3, {int((variances == 0).sum())} exactly 0")

    config = resolve_data_config({}, model=timm.create_model("tf_efficientnet_lite0"))
    centre = create_transform(**config)
    random_view = transforms.Compose([
        transforms.RandomResizedCrop(224, scale=(0.3, 1.0), interpolation=transforms.InterpolationMode.BICUBIC),
        transforms.RandomHorizontalFlip(), transforms.ToTensor(), transforms.Normalize(config["mean"], config["std"])])
    root = build_skimage_photos(split="test").root
    images = [Image.open(root / name).convert("RGB") for name in PHOTOS]
    batch = torch.stack([centre(image) for image in images]
                        + [random_view(image) for _ in range(RANDOM_VIEWS) for image in images])
    print(f"{len(batch)} views of {len(PHOTOS)} scikit-image photos\n")

    results = {}
    for name, kwargs in VARIANTS.items():
        module = timm.create_model("efficientnet_lite0", **kwargs).eval()
        module.load_state_dict(map_in_order(weights, module.state_dict(), where=name), strict=True)
        results[name] = layer_divergences(module, batch)
    chosen = results["tf_efficientnet_lite0 (TF SAME, eps 1e-3)"]
    print(f"{'architecture':44s} {'divergence':>10s} {'stem':>7s}  layers where tf_efficientnet_lite0 is closer")
    for name, values in results.items():
        print(f"{name:44s} {values.mean():10.4f} {values[0]:7.4f}  {int((chosen < values).sum())} of {len(values)}")


if __name__ == "__main__":
    main()
