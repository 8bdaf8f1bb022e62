"""The ImageNet test sets timm publishes results on: local copies, checked complete; ReaL refused in one line."""

from __future__ import annotations

import io
import pkgutil
from dataclasses import replace

import pytest
from click.testing import CliRunner
from PIL import Image

import zoo
from zoo import MissingArtifactError, UsageError
from zoo.cli import make_cli
from zoo.engine.labels import target_mapping
from zoo_vision.data import imagenet_variants
from zoo_vision.labels import imagenet_labels, synset_to_label


def timm_list(file_name):  # type: ignore[no-untyped-def]
    return pkgutil.get_data("timm.data", f"_info/{file_name}").decode().split()


def write_copy(root, folders, per_class=1):  # type: ignore[no-untyped-def]
    jpeg = io.BytesIO()
    Image.new("RGB", (8, 8), (120, 90, 60)).save(jpeg, "JPEG")
    for folder in folders:
        (root / folder).mkdir()
        for index in range(per_class):
            (root / folder / f"{index}.jpg").write_bytes(jpeg.getvalue())
    return root


@pytest.fixture
def small_sets(monkeypatch):  # type: ignore[no-untyped-def]
    """The sets' sizes for copies with one image per class (the real ones have 10 to 150)."""
    sets = imagenet_variants.TEST_SETS
    for name, test_set in list(sets.items()):
        classes = 1000 if test_set.classes in ("indices", "imagenet-1k") else 200
        monkeypatch.setitem(sets, name, replace(test_set, size=classes,
                                                per_class=1 if test_set.per_class else None))


def test_imagenet_r_maps_its_200_classes_to_the_1000_outputs_as_timm_does(tmp_path, small_sets):
    write_copy(tmp_path, timm_list("imagenet_r_synsets.txt"))
    dataset = zoo.build_dataset("imagenet-r", root=str(tmp_path))
    assert dataset.split == "test" and len(dataset) == 200 and dataset.partial_label_space is True
    names = synset_to_label()
    assert dataset.labels == [names[synset] for synset in timm_list("imagenet_r_synsets.txt")]
    # Matched by name, its classes are the ImageNet-1k outputs timm's validate.py keeps (--valid-labels).
    assert target_mapping(imagenet_labels(), dataset.labels) == [int(i) for i in timm_list("imagenet_r_indices.txt")]


def test_imagenet_a_is_a_200_class_subset_too(tmp_path, small_sets):
    write_copy(tmp_path, timm_list("imagenet_a_synsets.txt"))
    dataset = zoo.build_dataset("imagenet-a", root=str(tmp_path))
    assert len(dataset) == 200 and dataset.partial_label_space is True
    assert target_mapping(imagenet_labels(), dataset.labels) == [int(i) for i in timm_list("imagenet_a_indices.txt")]


@pytest.mark.slow  # a thousand folders, each file hashed for the fingerprint
def test_imagenetv2_folders_are_imagenet_class_indices(tmp_path, small_sets):
    write_copy(tmp_path, [str(index) for index in range(1000)])
    dataset = zoo.build_dataset("imagenetv2-matched-frequency", root=str(tmp_path))
    assert len(dataset) == 1000 and dataset.partial_label_space is False
    sample = dataset[[relative for relative, _ in dataset.files].index("207/0.jpg")]
    assert dataset.labels[sample.target] == imagenet_labels()[207] == "golden retriever"
    assert sorted(dataset.labels) == sorted(imagenet_labels())


def test_an_incomplete_or_foreign_copy_is_one_line_naming_what_is_wrong(tmp_path, small_sets):
    synsets = timm_list("imagenet_a_synsets.txt")
    write_copy(tmp_path, synsets[1:])
    with pytest.raises(UsageError, match=rf"imagenet-a: .* has 199 of its 200 class folders; missing {synsets[0]};"
                                         " .*--dataset image-folder"):
        zoo.build_dataset("imagenet-a", root=str(tmp_path))
    write_copy(tmp_path, [synsets[0], "n01440764"])  # tench: an ImageNet class, not one of ImageNet-A's
    with pytest.raises(UsageError, match="n01440764 is not one of its 200 class folders"):
        zoo.build_dataset("imagenet-a", root=str(tmp_path))


def test_a_copy_with_images_missing_says_how_many(tmp_path, monkeypatch):
    write_copy(tmp_path, timm_list("imagenet_r_synsets.txt"))
    with pytest.raises(UsageError, match=r"imagenet-r: the set has 30,000 images, but .* has 200; complete the copy"):
        zoo.build_dataset("imagenet-r", root=str(tmp_path))
    with pytest.raises(MissingArtifactError, match="absent is not a folder; .*hendrycks/imagenet-r"):
        zoo.build_dataset("imagenet-r", root=str(tmp_path / "absent"))
    with pytest.raises(UsageError, match="dataset imagenet-sketch needs its location: --dataset-arg root=PATH"):
        zoo.build_dataset("imagenet-sketch")


def test_running_on_imagenet_real_says_in_one_line_why_it_cannot(tmp_path):
    with pytest.raises(UsageError, match="cannot score ImageNet-ReaL yet.*--dataset imagenet-1k"):
        zoo.build_dataset("imagenet-real", root=str(tmp_path))
    result = CliRunner().invoke(make_cli(), ["run", "digits-resnet18", "--dataset", "imagenet-real",
                                             "--dataset-arg", f"root={tmp_path}", "--no-store"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1 and "cannot score ImageNet-ReaL yet" in result.stderr


def test_zoo_info_offers_no_command_for_the_numbers_published_on_imagenet_real():
    """ReaL's numbers are shown on the card, but only datasets zoo can score get a reproduce line."""
    result = CliRunner().invoke(make_cli(), ["info", "resnet50.a1_in1k"])
    assert result.exit_code == 0, result.output
    assert "imagenet-real" in result.stdout  # the published value is on the card
    commands = [line for line in result.stdout.splitlines() if line.startswith("reproduce: ")]
    assert any("--dataset imagenet-1k " in line for line in commands)
    assert not any("imagenet-real" in line for line in commands)
