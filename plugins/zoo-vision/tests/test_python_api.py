"""zoo.predict and zoo.embed on timm models: in-memory images, files, and features equal to timm's own."""

from __future__ import annotations

import numpy as np
import pytest
import timm
import torch

import zoo

TINY_RESNET = {"model_name": "resnet18", "num_classes": 3, "labels": ["cat", "dog", "fox"],
               "model_kwargs": {"channels": [4, 8, 8, 8], "stem_width": 4},
               "preprocessing": {"input_size": [3, 32, 32]}}


@pytest.mark.parametrize("args", [TINY_RESNET, {"model_name": "test_vit", "num_classes": 3}],
                         ids=["resnet-global-pool", "vit-class-token"])
def test_embeddings_are_timms_own_features_without_the_head(args, noise_image):
    torch.manual_seed(0)
    model = zoo.build_model("timm", random_init=True, **args)  # a template: random weights only when asked
    images = [noise_image("RGB", (40, 30)), noise_image("L", (20, 20))]
    features = zoo.embed(model, images, device="cpu")
    # timm's documented way to get pooled features: the same architecture built with num_classes=0.
    headless = timm.create_model(args["model_name"], num_classes=0, **args.get("model_kwargs", {})).eval()
    missing, unexpected = headless.load_state_dict(model.module.state_dict(), strict=False)
    assert missing == [] and all(key.startswith(("fc.", "head.")) for key in unexpected)
    with torch.inference_mode():
        expected = headless(model.collate(images)).numpy()
    assert features.dtype == np.float32 and features.shape == (2, headless.num_features)
    np.testing.assert_allclose(features, expected, rtol=1e-5, atol=1e-6)


def test_predict_takes_files_pil_images_and_arrays(tmp_path, noise_image):
    torch.manual_seed(0)
    model = zoo.build_model("timm", random_init=True, **TINY_RESNET)
    image = noise_image("RGB", (32, 32))
    image.save(tmp_path / "photo.png")
    results = zoo.predict(model, [str(tmp_path / "photo.png"), image, np.asarray(image)], top_k=2, device="cpu")
    assert [result["input"] for result in results] == [str(tmp_path / "photo.png"), 1, 2]
    assert results[0]["top"] == results[1]["top"] == results[2]["top"]  # the same pixels, three ways
    assert len(results[0]["top"]) == 2 and {entry["label"] for entry in results[0]["top"]} <= {"cat", "dog", "fox"}
    assert model.predict(image, top_k=2) == [{**results[1], "input": 0}]
