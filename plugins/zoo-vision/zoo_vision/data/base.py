"""Map-style image datasets: images held in memory, or image files read on access."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from zoo.interface import Sample
from zoo_vision.images import read_image

__all__ = ["ArrayImages", "ImageFiles", "fingerprint_of"]

TASK = "image-classification"


def fingerprint_of(*parts: bytes | str) -> str:
    """sha256 over the parts, each length-prefixed so boundaries cannot shift."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


class ArrayImages:
    """Greyscale uint8 images (N, H, W) in memory, served as PIL 'L' images."""

    task = TASK

    def __init__(self, *, images: np.ndarray, targets: Sequence[int], ids: Sequence[str], labels: Sequence[str],
                 split: str, fingerprint: str, info: Mapping[str, Any]) -> None:
        self.images, self.targets, self.ids = images, list(targets), list(ids)
        self.labels, self.split = list(labels), split
        self.fingerprint, self.info = fingerprint, dict(info)

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: int) -> Sample:
        return Sample(Image.fromarray(self.images[index], mode="L"), self.targets[index], self.ids[index])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.info.get('name')!r}, split={self.split!r}, {len(self)} images)"


class ImageFiles:
    """Image files under a root, read (verified, EXIF-rotated, RGB) when accessed.

    A file that cannot be read raises :class:`zoo.SampleError` naming its
    path relative to the root; it is never replaced by another sample.
    ``partial_label_space``: the images cover a subset of a model's classes
    (ImageNet-R's 200 of ImageNet-1k's 1,000), and a model is scored on those
    classes alone, its other outputs dropped (see :class:`zoo.Dataset`).
    """

    task = TASK

    def __init__(self, *, root: Path, files: Sequence[tuple[str, int]], labels: Sequence[str], split: str,
                 fingerprint: str, info: Mapping[str, Any], partial_label_space: bool = False) -> None:
        self.root, self.files = Path(root), list(files)
        self.labels, self.split = list(labels), split
        self.fingerprint, self.info = fingerprint, dict(info)
        self.partial_label_space = partial_label_space

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> Sample:
        relative, target = self.files[index]
        return Sample(read_image(self.root / relative, sample_id=relative), target, relative)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.root)!r}, split={self.split!r}, {len(self)} images)"
