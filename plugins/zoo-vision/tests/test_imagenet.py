"""``imagenet-1k``: the validation set from a local copy, and the catalogue numbers that name it."""

from __future__ import annotations

import io
import shutil

import pytest
from click.testing import CliRunner
from PIL import Image

import zoo
from zoo import MissingArtifactError, UsageError
from zoo.cli import make_cli
from zoo_vision.data import imagenet
from zoo_vision.labels import imagenet_labels, synset_to_label

IMAGENET_MODELS = [spec for spec in zoo.list_models(tag="imagenet-1k")
                   if spec.reported and spec.weights and spec.weights.uri.startswith("timm:")]
# timm's published test sets and the split of each that zoo registers.
TEST_SET_SPLITS = {"imagenet-1k": "validation", "imagenet-real": "validation", "imagenetv2-matched-frequency": "test",
                   "imagenet-sketch": "test", "imagenet-r": "test", "imagenet-a": "test"}


@pytest.fixture
def imagenet_copy(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The validation layout in miniature: every synset folder, one image each instead of 50."""
    monkeypatch.setattr(imagenet, "IMAGES_PER_CLASS", 1)
    jpeg = io.BytesIO()
    Image.new("RGB", (8, 8), (120, 90, 60)).save(jpeg, "JPEG")
    for synset in synset_to_label():
        (tmp_path / synset).mkdir()
        (tmp_path / synset / f"ILSVRC2012_val_{synset}.JPEG").write_bytes(jpeg.getvalue())
    return tmp_path


def test_imagenet_1k_reads_a_complete_copy_with_timms_class_names(imagenet_copy):
    dataset = zoo.build_dataset("imagenet-1k", root=str(imagenet_copy))
    assert dataset.split == "validation" and len(dataset) == 1000
    assert dataset.labels == imagenet_labels()  # timm's order, so label i is logit i of an ImageNet model
    sample = dataset[0]
    assert sample.id == "n01440764/ILSVRC2012_val_n01440764.JPEG" and dataset.labels[sample.target] == "tench, Tinca tinca"
    assert dataset.info["name"] == "imagenet-1k" and dataset.info["license"] == zoo.get("imagenet-1k", "dataset").license


def test_imagenet_1k_refuses_an_incomplete_copy_and_says_what_is_missing(imagenet_copy):
    extra = imagenet_copy / "n01443537" / "second.JPEG"
    shutil.copy(imagenet_copy / "n01443537" / "ILSVRC2012_val_n01443537.JPEG", extra)
    with pytest.raises(UsageError, match=r"1 images per class, but in .* n01443537 has 2; .*--dataset image-folder"):
        zoo.build_dataset("imagenet-1k", root=str(imagenet_copy))
    extra.unlink()
    shutil.rmtree(imagenet_copy / "n01440764")
    with pytest.raises(UsageError, match="has 999 of the 1000 ImageNet-1k class folders; missing n01440764;"):
        zoo.build_dataset("imagenet-1k", root=str(imagenet_copy))
    (imagenet_copy / "n01440764").mkdir()
    Image.new("RGB", (8, 8)).save(imagenet_copy / "n01440764" / "a.JPEG")
    (imagenet_copy / "cats").mkdir()
    Image.new("RGB", (8, 8)).save(imagenet_copy / "cats" / "a.JPEG")
    with pytest.raises(UsageError, match="cats is not an ImageNet-1k synset folder"):
        zoo.build_dataset("imagenet-1k", root=str(imagenet_copy))


def test_imagenet_1k_needs_the_location_of_a_copy(tmp_path):
    with pytest.raises(UsageError, match="--dataset-arg root=PATH.*image-net.org"):
        zoo.build_dataset("imagenet-1k")
    with pytest.raises(MissingArtifactError, match="absent is not a folder; .*--dataset-arg root=PATH"):
        zoo.build_dataset("imagenet-1k", root=str(tmp_path / "absent"))
    with pytest.raises(UsageError, match="no split 'test'; its splits are validation"):
        zoo.build_dataset("imagenet-1k", split="test", root=str(tmp_path))


def test_imagenet_numbers_name_the_test_sets_they_were_measured_on():
    for spec in IMAGENET_MODELS:
        assert spec.default_dataset == "imagenet-1k", spec.name
        for reported in spec.reported:
            assert (reported.split, dict(reported.dataset_args)) == (TEST_SET_SPLITS[reported.dataset], {"root": "PATH"})
    for name, split in TEST_SET_SPLITS.items():
        assert tuple(zoo.get(name, "dataset").splits) == (split,)


def test_zoo_list_and_info_show_imagenet_and_how_to_reproduce():
    assert len(IMAGENET_MODELS) >= 1200  # the generated timm catalogue
    cli = make_cli()
    listing = CliRunner().invoke(cli, ["list", "efficientnet_lite0.ra_in1k"], env={"COLUMNS": "200"})
    assert "top1 0.7549 (imagenet-1k)" in listing.output  # timm's 75.488
    info = CliRunner().invoke(cli, ["info", "resnet18.tv_in1k"])
    assert ("reproduce: zoo run vision:resnet18.tv_in1k --dataset imagenet-1k --split validation "
            "--dataset-arg root=PATH") in info.output.splitlines()


@pytest.mark.slow
def test_an_imagenet_model_evaluates_on_imagenet_1k(imagenet_copy):
    run = zoo.evaluate("efficientnet-lite0-offline", "imagenet-1k", dataset_args={"root": str(imagenet_copy)},
                       limit=4, num_workers=0)
    assert run["dataset"]["id"] == "vision:imagenet-1k" and run["dataset"]["split"] == "validation"
    assert run["samples"]["evaluated"] == 4 and set(run["metrics"]) == {"top1", "top5"}
