"""``imagenet-1k``: the ImageNet-1k (ILSVRC 2012) validation set, read from a local copy.

ImageNet may not be redistributed: users download it under ImageNet's terms
and give its location with ``--dataset-arg root=PATH``. The copy must be in
the usual synset layout (``PATH/n01440764/ILSVRC2012_val_00000293.JPEG``...)
and complete, all 1,000 classes with 50 images each, so that a number
measured on it compares with published ImageNet-1k results; any other folder
is an ``image-folder``. Classes get timm's ImageNet names, in timm's order.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Final

from zoo.errors import MissingArtifactError, UsageError
from zoo_vision.data.base import ImageFiles
from zoo_vision.data.folder import build_image_folder, list_classes

__all__ = ["IMAGES_PER_CLASS", "LICENSE", "build_imagenet_1k"]

IMAGES_PER_CLASS = 50  # 50,000 validation images over 1,000 classes
LICENSE: Final = "LicenseRef-ImageNet"  # ImageNet's terms of access: non-commercial research and education
DOWNLOAD: Final = "https://image-net.org/download-images.php"
ELSEWHERE: Final = "complete the copy, or evaluate the folder as it is with --dataset image-folder"


def build_imagenet_1k(*, split: str, root: str | None = None) -> ImageFiles:
    """The 50,000 validation images under ``root/<synset>/``, checked complete."""
    from zoo_vision.labels import synset_to_label

    if root is None:
        raise UsageError("dataset imagenet-1k needs its location: --dataset-arg root=PATH, a folder with the "
                         "50,000 validation images in one subfolder per synset (PATH/n01440764/*.JPEG); "
                         f"download them from {DOWNLOAD}")
    base = Path(root).expanduser()
    if not base.is_dir():
        raise MissingArtifactError(f"imagenet-1k: {base} is not a folder; give the location of your copy of the "
                                   f"validation images with --dataset-arg root=PATH (download: {DOWNLOAD})")
    synsets = synset_to_label("imagenet-1k")
    missing = sorted(set(synsets) - set(list_classes(base)))
    if missing:
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise UsageError(f"imagenet-1k: {base} has {len(synsets) - len(missing)} of the 1000 ImageNet-1k class "
                         f"folders; missing {', '.join(missing[:3])}{more}; {ELSEWHERE}")
    folder = build_image_folder(split=split, root=root, labels="imagenet")  # refuses non-synset folders
    counts = Counter(target for _, target in folder.files)
    wrong = [(name, counts[index]) for index, name in enumerate(sorted(synsets)) if counts[index] != IMAGES_PER_CLASS]
    if wrong:
        listed = ", ".join(f"{name} has {count}" for name, count in wrong[:3])
        more = f" (and {len(wrong) - 3} more classes)" if len(wrong) > 3 else ""
        raise UsageError(f"imagenet-1k: the validation set has {IMAGES_PER_CLASS} images per class, but in "
                         f"{folder.root} {listed}{more}; {ELSEWHERE}")
    info = {**folder.info, "name": "imagenet-1k", "split": split, "license": LICENSE}
    return ImageFiles(root=folder.root, files=folder.files, labels=folder.labels, split=split,
                      fingerprint=folder.fingerprint, info=info)
