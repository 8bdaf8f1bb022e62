"""The ImageNet test sets timm publishes results on, each read from a local copy.

None of them may be redistributed here; a user downloads each from its
authors and gives its location with ``--dataset-arg root=PATH``. Each is an
ImageNet-layout folder, one subfolder of images per class, checked complete
(every class folder, every image) so that a number measured on it compares
with timm's published ones:

- ``imagenetv2-matched-frequency``: 10,000 images, folders ``0``..``999``
  named by ImageNet-1k class index, 10 images each.
- ``imagenet-sketch``: 50,889 sketches in the 1,000 ImageNet-1k synset folders.
- ``imagenet-r`` (renditions, 30,000 images) and ``imagenet-a`` (natural
  adversarial examples, 7,500): 200 synset folders each, a subset of
  ImageNet-1k's classes. Their folders are named by timm's ImageNet
  descriptions, so labels match a 1,000-class model's by name, and the datasets
  carry ``partial_label_space = True``: a model is scored on those 200 classes
  alone, its other outputs dropped, as timm's validate.py does
  (``--valid-labels`` with timm's ``imagenet_r_indices.txt``).
- ``imagenet-real``: the ImageNet-1k validation images with the reassessed
  label sets of "Are we done with ImageNet?". A prediction counts as right
  when it is any of an image's labels, and images without one are left out:
  zoo's single-label metrics cannot score that yet, so building it says so
  rather than return a number measured some other way.
"""

from __future__ import annotations

import pkgutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from zoo.errors import MissingArtifactError, UsageError
from zoo_vision.data.base import ImageFiles
from zoo_vision.data.folder import build_image_folder, list_classes

__all__ = ["TEST_SETS", "ImageNetTestSet", "build_imagenet_a", "build_imagenet_r", "build_imagenet_real",
           "build_imagenet_sketch", "build_imagenetv2_matched_frequency"]


@dataclass(frozen=True)
class ImageNetTestSet:
    """What a complete copy of one test set holds, and where to get it."""

    name: str
    size: int  # images in the complete set
    classes: str  # "imagenet-1k" (every class), "indices" (folders 0..999), or timm's synset file of a subset
    download: str
    per_class: int | None = None  # images in every class folder, when the set has as many in each


TEST_SETS: Final = {
    "imagenetv2-matched-frequency": ImageNetTestSet(
        "imagenetv2-matched-frequency", 10_000, "indices", per_class=10,
        download="https://github.com/modestyachts/ImageNetV2 (imagenetv2-matched-frequency.tar.gz)"),
    "imagenet-sketch": ImageNetTestSet(
        "imagenet-sketch", 50_889, "imagenet-1k", download="https://github.com/HaohanWang/ImageNet-Sketch"),
    "imagenet-r": ImageNetTestSet(
        "imagenet-r", 30_000, "imagenet_r_synsets.txt", download="https://github.com/hendrycks/imagenet-r"),
    "imagenet-a": ImageNetTestSet(
        "imagenet-a", 7_500, "imagenet_a_synsets.txt", download="https://github.com/hendrycks/natural-adv-examples"),
}
ELSEWHERE: Final = "complete the copy, or evaluate the folder as it is with --dataset image-folder"


def _timm_synsets(file_name: str) -> list[str]:
    """A synset list timm ships with its ImageNet class information (timm/data/_info/)."""
    data = pkgutil.get_data("timm.data", f"_info/{file_name}")
    if data is None:
        raise MissingArtifactError(f"timm's class list {file_name} is missing from the installed timm; reinstall timm")
    return data.decode("utf-8").split()


def _shown(names: list[str]) -> str:
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    return ", ".join(names[:3]) + more


def build_imagenetv2_matched_frequency(*, split: str, root: str | None = None) -> ImageFiles:
    return _build("imagenetv2-matched-frequency", split, root)


def build_imagenet_sketch(*, split: str, root: str | None = None) -> ImageFiles:
    return _build("imagenet-sketch", split, root)


def build_imagenet_r(*, split: str, root: str | None = None) -> ImageFiles:
    return _build("imagenet-r", split, root)


def build_imagenet_a(*, split: str, root: str | None = None) -> ImageFiles:
    return _build("imagenet-a", split, root)


def _build(name: str, split: str, root: str | None) -> ImageFiles:
    """The test set ``name`` (a key of :data:`TEST_SETS`) under ``root``, checked complete."""
    from zoo_vision.labels import imagenet_labels, synset_to_label

    test_set = TEST_SETS[name]
    if root is None:
        raise UsageError(f"dataset {name} needs its location: --dataset-arg root=PATH, a folder with one subfolder "
                         f"of images per class; download it from {test_set.download}")
    base = Path(root).expanduser()
    if not base.is_dir():
        raise MissingArtifactError(f"{name}: {base} is not a folder; give the location of your copy with "
                                   f"--dataset-arg root=PATH (download: {test_set.download})")
    if test_set.classes == "indices":
        expected = [str(index) for index in range(1000)]
    elif test_set.classes == "imagenet-1k":
        expected = list(synset_to_label("imagenet-1k"))
    else:
        expected = _timm_synsets(test_set.classes)
    present = list_classes(base)
    missing = sorted(set(expected) - set(present), key=expected.index)
    extra = sorted(set(present) - set(expected))
    if missing:
        raise UsageError(f"{name}: {base} has {len(expected) - len(missing)} of its {len(expected)} class folders; "
                         f"missing {_shown(missing)}; {ELSEWHERE}")
    if extra:
        raise UsageError(f"{name}: {base / extra[0]} is not one of its {len(expected)} class folders "
                         f"(like {expected[0]}); {ELSEWHERE}")
    labels_mode = "folder" if test_set.classes == "indices" else "imagenet"
    folder = build_image_folder(split=split, root=root, labels=labels_mode)
    counts = Counter(target for _, target in folder.files)
    if test_set.per_class is not None:
        wrong = [(folder_name, counts[index]) for index, folder_name in enumerate(present)
                 if counts[index] != test_set.per_class]
        if wrong:
            listed = ", ".join(f"{folder_name} has {count}" for folder_name, count in wrong[:3])
            raise UsageError(f"{name}: the set has {test_set.per_class} images per class, but in {folder.root} "
                             f"{listed}{f' (and {len(wrong) - 3} more classes)' if len(wrong) > 3 else ''}; {ELSEWHERE}")
    if len(folder.files) != test_set.size:
        raise UsageError(f"{name}: the set has {test_set.size:,} images, but {folder.root} has "
                         f"{len(folder.files):,}; {ELSEWHERE}")
    labels = folder.labels
    if test_set.classes == "indices":  # folder "207" is ImageNet-1k class 207
        every = imagenet_labels("imagenet-1k")
        labels = [every[int(folder_name)] for folder_name in folder.labels]
    info = {**folder.info, "name": name, "split": split, "classes": labels}
    # ImageNet-R and -A hold 200 of ImageNet-1k's classes: a model is scored on those alone (timm's --valid-labels).
    return ImageFiles(root=folder.root, files=folder.files, labels=labels, split=split,
                      fingerprint=folder.fingerprint, info=info, partial_label_space=len(expected) < 1000)


def build_imagenet_real(*, split: str, root: str | None = None) -> ImageFiles:
    """ImageNet-ReaL: not evaluable by zoo yet; one line says why and what to run instead."""
    raise UsageError("imagenet-real: zoo cannot score ImageNet-ReaL yet: a prediction counts when it is any of "
                     "an image's reassessed labels (timm's real_labels.json), which zoo's single-label metrics "
                     "cannot express; its numbers shown are timm's published ones; run the same images with their "
                     "original labels with --dataset imagenet-1k")
