"""``skimage-photos``: scikit-image's CC0 / public-domain photos with ImageNet-1k labels.

Each photo is labelled from the subject its scikit-image docstring
documents, with the closest ImageNet-1k class, decided before looking at any
model's predictions. Photos whose subject has no ImageNet class (the
astronaut portrait), drawings (the horse silhouette) and photos without a
CC0 or public-domain statement (the Middlebury motorcycle, the coins) are
left out. Every file is sha256-pinned, so reported numbers stay tied to
these exact pixels.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Final

from zoo.errors import MissingArtifactError
from zoo.weights import IntegrityError, sha256_file
from zoo_vision.data.base import ImageFiles, fingerprint_of

__all__ = ["PHOTOS", "build_skimage_photos"]

# file, ImageNet-1k class (timm description), licence per docstring, why this class, sha256 (scikit-image 0.26)
PHOTOS: Final = (
    ("chelsea.png", "tabby, tabby cat", "CC0 (Stefan van der Walt)", "Chelsea, a striped tabby cat",
     "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb"),
    ("coffee.png", "espresso", "CC0 (Rachel Michetti)", "a cup of espresso, Pikolo Espresso Bar",
     "cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7"),
    ("camera.png", "tripod", "CC0 (Lav Varshney)", "a photographer behind a camera on a tripod",
     "b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a"),
    ("rocket.jpg", "missile", "public domain (SpaceX)", "a Falcon 9 rocket launch; ImageNet has no 'rocket' "
     "class and its 'missile' class (n03773504) holds rocket launches",
     "c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c"),
    ("clock_motion.png", "wall clock", "public domain (Stefan van der Walt)", "a motion-blurred wall clock",
     "f029226b28b642e80113d86622e9b215ee067a0966feaf5e60604a1e05733955"),
)


def _data_dir() -> Path:
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        raise MissingArtifactError("dataset skimage-photos: scikit-image is not installed; run `pip install scikit-image`")
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def build_skimage_photos(*, split: str) -> ImageFiles:
    """The five labelled photos, read from scikit-image's data folder."""
    root = _data_dir()
    labels = sorted({label for _, label, *_ in PHOTOS})
    hashes = []
    for name, *_, expected in PHOTOS:
        path = root / name
        if not path.is_file():
            raise MissingArtifactError(f"dataset skimage-photos: {path} is missing; reinstall scikit-image")
        actual = sha256_file(path)
        if actual != expected:
            raise IntegrityError(f"dataset skimage-photos: {path} has sha256 {actual}, expected {expected} "
                                 f"(scikit-image 0.26's file); the photo changed, so reported numbers would not apply")
        hashes.append(actual)
    files = [(name, labels.index(label)) for name, label, *_ in PHOTOS]
    info = {"name": "skimage-photos", "root": str(root), "license": "CC0-1.0 AND LicenseRef-Public-Domain",
            "photos": [{"file": name, "label": label, "license": lic, "why": why} for name, label, lic, why, _ in PHOTOS]}
    return ImageFiles(root=root, files=files, labels=labels, split=split,
                      fingerprint=fingerprint_of(*(f"{name}\t{label}\t{digest}" for (name, label, *_), digest in zip(PHOTOS, hashes))),
                      info=info)
