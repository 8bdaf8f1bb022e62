"""The timm builder: checkpoints, labels, preprocessing and refusals, on tiny models."""

from __future__ import annotations

import json

import pytest
import timm
import torch
from PIL import Image
from safetensors.torch import save_file

import zoo
import zoo.weights
from zoo import MissingArtifactError, SampleError, UsageError, ZooError
from zoo_vision.models import build_timm

TINY = {"model_name": "resnet18", "num_classes": 3, "model_kwargs": {"channels": [4, 8, 8, 8], "stem_width": 4}}
TINY_LABELS = ["cat", "dog", "fox"]


def tiny_checkpoint(path, *, labels=TINY_LABELS, in_chans=3):  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    module = timm.create_model("resnet18", num_classes=3, in_chans=in_chans, channels=[4, 8, 8, 8], stem_width=4)
    metadata = {"labels": json.dumps(labels)} if labels else None
    save_file({k: v.contiguous() for k, v in module.state_dict().items()}, str(path), metadata=metadata)
    return module.eval()


def test_local_safetensors_checkpoint_with_labels_in_its_metadata(tmp_path):
    reference = tiny_checkpoint(tmp_path / "tiny.safetensors")
    model = build_timm(**TINY, checkpoint=str(tmp_path / "tiny.safetensors"))
    assert model.labels == TINY_LABELS and model.task == "image-classification"
    batch = model.collate([Image.new("RGB", (50, 40), (255, 0, 0)), Image.new("L", (7, 9), 30)])
    assert batch.shape == (2, 3, 288, 288)  # the test size of resnet18's default weights, resnet18.a1_in1k
    with torch.inference_mode():
        assert torch.equal(model.forward(batch), reference(batch))
    assert model.weights_sha256 == zoo.weights.sha256_file(tmp_path / "tiny.safetensors")


def test_config_records_the_preprocessing_and_overrides_apply(tmp_path):
    tiny_checkpoint(tmp_path / "tiny.safetensors")
    model = build_timm(**TINY, checkpoint=str(tmp_path / "tiny.safetensors"),
                       preprocessing={"input_size": [3, 64, 64], "crop_pct": 1.0, "mean": [0.5] * 3, "std": [0.5] * 3})
    assert model.config["input_size"] == (3, 64, 64) and model.config["crop_pct"] == 1.0
    assert model.config["mean"] == (0.5, 0.5, 0.5) and model.config["interpolation"] == "bicubic"
    assert model.collate([Image.new("RGB", (80, 80))]).shape == (1, 3, 64, 64)
    with pytest.raises(UsageError, match="unknown preprocessing"):
        build_timm(**TINY, preprocessing={"resize": 3})


def test_greyscale_model_converts_colour_inputs(tmp_path):
    tiny_checkpoint(tmp_path / "grey.safetensors", in_chans=1)
    model = build_timm(**TINY, in_chans=1, checkpoint=str(tmp_path / "grey.safetensors"),
                       preprocessing={"input_size": [1, 16, 16], "mean": [0.5], "std": [0.5]})
    assert model.config["image_mode"] == "L"
    assert model.collate([Image.new("RGB", (16, 16), (255, 255, 255))]).shape == (1, 1, 16, 16)


def test_imagenet_heads_are_named_with_imagenet_classes():
    model = build_timm(model_name="mobilenetv3_small_050.lamb_in1k")  # random weights, ImageNet head
    assert len(model.labels) == 1000 and model.labels[281] == "tabby, tabby cat"
    assert build_timm(model_name="mobilenetv3_small_050", num_classes=4).labels == ["0", "1", "2", "3"]


def test_explicit_labels_must_fit_the_head():
    with pytest.raises(UsageError, match="2 names for a model with 3 classes"):
        build_timm(**TINY, labels=["a", "b"])


def test_checkpoint_with_a_wrong_sha256_is_refused(tmp_path):
    tiny_checkpoint(tmp_path / "tiny.safetensors")
    with pytest.raises(ZooError, match="sha256"):
        build_timm(**TINY, checkpoint=str(tmp_path / "tiny.safetensors"), checkpoint_sha256="0" * 64)


def test_weights_only_pickle_checkpoint_loads(tmp_path):
    reference = tiny_checkpoint(tmp_path / "tiny.safetensors", labels=None)
    torch.save({"state_dict": reference.state_dict()}, tmp_path / "tiny.pth")
    model = build_timm(**TINY, labels=TINY_LABELS, checkpoint=str(tmp_path / "tiny.pth"))
    assert all(torch.equal(a, b) for a, b in zip(model.module.state_dict().values(), reference.state_dict().values()))


class _RunsCodeWhenUnpickled:
    def __init__(self, marker):  # type: ignore[no-untyped-def]
        self.marker = str(marker)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (open, (self.marker, "w"))  # unpickling would create the marker file


def test_pickle_checkpoint_carrying_code_is_refused(tmp_path):
    marker = tmp_path / "code-ran"
    torch.save({"conv1.weight": torch.zeros(1), "payload": _RunsCodeWhenUnpickled(marker)}, tmp_path / "evil.pth")
    with pytest.raises(ZooError, match="refused"):
        build_timm(**TINY, checkpoint=str(tmp_path / "evil.pth"))
    assert not marker.exists()


def test_checkpoint_that_does_not_fit_the_architecture_says_so(tmp_path):
    tiny_checkpoint(tmp_path / "tiny.safetensors")
    with pytest.raises(UsageError, match="do not fit timm model 'resnet18'"):
        build_timm(model_name="resnet18", num_classes=5, model_kwargs=TINY["model_kwargs"],
                   checkpoint=str(tmp_path / "tiny.safetensors"))


def test_in_order_key_mapping_loads_a_foreign_naming_scheme(tmp_path):
    reference = tiny_checkpoint(tmp_path / "tiny.safetensors")
    # A port with other key names but the same tensors in the same order (a pickle keeps the order).
    torch.save({f"_layer{i:03d}": v for i, v in enumerate(reference.state_dict().values())}, tmp_path / "foreign.pth")
    model = build_timm(**TINY, labels=TINY_LABELS, key_mapping="in-order", checkpoint=str(tmp_path / "foreign.pth"))
    batch = torch.randn(1, 3, 32, 32)
    with torch.inference_mode():
        assert torch.equal(model.forward(batch), reference(batch))
    with pytest.raises(UsageError, match="tensors, but the model has"):
        build_timm(model_name="resnet34", num_classes=3, key_mapping="in-order", checkpoint=str(tmp_path / "foreign.pth"))
    with pytest.raises(UsageError, match="needs a pickle state dict"):
        build_timm(**TINY, key_mapping="in-order", checkpoint=str(tmp_path / "tiny.safetensors"))


def test_hub_weights_missing_offline_name_the_repo_and_the_command():
    # A catalogue entry names the zoo command that fetches it; the builder called alone, the hub's.
    with pytest.raises(MissingArtifactError, match=r"timm/resnet50\.a1_in1k.*run `zoo pull resnet50\.a1_in1k`"):
        zoo.build_model("resnet50.a1_in1k")
    with pytest.raises(MissingArtifactError, match="hf download timm/mobilenetv3_small_050.lamb_in1k"):
        build_timm(model_name="hf-hub:timm/mobilenetv3_small_050.lamb_in1k", pretrained=True)


def test_unknown_architecture_suggests_names():
    with pytest.raises(UsageError, match="no model named 'resnet5O'.*close names"):
        build_timm(model_name="resnet5O")


def test_collate_names_the_position_of_an_unusable_input(tmp_path):
    tiny_checkpoint(tmp_path / "tiny.safetensors")
    model = build_timm(**TINY, checkpoint=str(tmp_path / "tiny.safetensors"))
    with pytest.raises(SampleError) as caught:
        model.collate([Image.new("RGB", (8, 8)), "not an image"])
    assert caught.value.sample_id == "1"


def test_config_records_where_the_labels_came_from(tmp_path):
    tiny_checkpoint(tmp_path / "tiny.safetensors")
    assert "metadata of" in build_timm(**TINY, checkpoint=str(tmp_path / "tiny.safetensors")).config["labels_from"]
    assert build_timm(**TINY, labels=TINY_LABELS).config["labels_from"] == "the labels argument"
    assert build_timm(model_name="mobilenetv3_small_050.lamb_in1k").config["labels_from"] == "timm's imagenet-1k class names"
    assert build_timm(**TINY).config["labels_from"].startswith("class indices")


def test_repeated_class_names_are_named():
    with pytest.raises(UsageError, match="must be unique; repeated: 'cat'"):
        build_timm(**TINY, labels=["cat", "dog", "cat"])


def test_preprocessing_overrides_that_do_not_fit_the_channels_are_refused():
    with pytest.raises(UsageError, match="mean has 2 values for a model with in_chans=3"):
        build_timm(**TINY, preprocessing={"mean": [0.5, 0.5]})
    with pytest.raises(UsageError, match=r"input_size \[3, 16, 16\] has 3 channel\(s\), but in_chans=1"):
        build_timm(**TINY, in_chans=1, preprocessing={"input_size": [3, 16, 16]})
    # One value serves every channel; [H, W] takes the model's channels.
    model = build_timm(**TINY, in_chans=1, preprocessing={"input_size": [16, 16], "mean": [0.5], "std": [0.25]})
    assert model.config["input_size"] == (1, 16, 16) and model.config["std"] == (0.25,)
    assert build_timm(**TINY, preprocessing={"std": [0.5]}).config["std"] == (0.5, 0.5, 0.5)


def test_greyscale_model_averages_the_weights_rgb_statistics():
    model = build_timm(**TINY, in_chans=1)  # resnet18's pretrained config carries ImageNet's RGB mean and std
    assert model.config["mean"] == pytest.approx((sum((0.485, 0.456, 0.406)) / 3,))


def test_model_kwargs_the_architecture_does_not_take_are_a_usage_error():
    with pytest.raises(UsageError, match="cannot be built with .*'stem_widht'.*check model_kwargs"):
        build_timm(model_name="resnet18", num_classes=3, model_kwargs={"stem_widht": 4})


def test_hub_repository_that_is_not_a_timm_model_is_named(tmp_path, monkeypatch):
    commit = "0" * 40
    snapshot = tmp_path / "models--acme--bert-like" / "snapshots" / commit
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text(json.dumps({"architectures": ["BertModel"], "model_type": "bert"}))
    (tmp_path / "models--acme--bert-like" / "refs").mkdir()
    (tmp_path / "models--acme--bert-like" / "refs" / "main").write_text(commit)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))  # zoo reads the hub cache's location when it looks
    with pytest.raises(UsageError, match=r"config\.json names no timm architecture .*None"):
        build_timm(model_name="hf-hub:acme/bert-like")


def test_a_tag_whose_weights_live_in_another_hub_repository_loads_them_from_there(tmp_path, monkeypatch):
    # As the timm catalogue names Florence-2's DaViT weights: the tag's architecture and config, the file
    # of another repository, loaded as timm loads its own hub weights.
    commit = "1" * 40
    snapshot = tmp_path / "models--acme--resnet18-copy" / "snapshots" / commit
    snapshot.mkdir(parents=True)
    published = timm.create_model("resnet18", num_classes=1000).state_dict()
    save_file({key: value.contiguous() for key, value in published.items()}, str(snapshot / "model.safetensors"))
    (tmp_path / "models--acme--resnet18-copy" / "refs").mkdir()
    (tmp_path / "models--acme--resnet18-copy" / "refs" / "main").write_text(commit)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    weights = zoo.WeightsSpec(uri="hf-hub:acme/resnet18-copy/model.safetensors", format="safetensors")
    model = build_timm(model_name="resnet18.a1_in1k", weights=weights)
    assert torch.equal(model.module.conv1.weight, published["conv1.weight"])
    assert len(model.labels) == 1000 and model.config["input_size"] == (3, 288, 288)  # the tag's own test size


def test_a_second_weights_source_is_refused_not_ignored(tmp_path):
    tiny_checkpoint(tmp_path / "tiny.safetensors")
    with pytest.raises(UsageError, match=r"pins its weights .*checkpoint=.*would be ignored"):
        zoo.build_model("digits-resnet18", checkpoint=str(tmp_path / "tiny.safetensors"))
    with pytest.raises(UsageError, match="pretrained=True would be ignored"):
        zoo.build_model("digits-resnet18", pretrained=True)
    with pytest.raises(UsageError, match="not both"):
        build_timm(**TINY, pretrained=True, checkpoint=str(tmp_path / "tiny.safetensors"))
