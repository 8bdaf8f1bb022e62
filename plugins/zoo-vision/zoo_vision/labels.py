"""ImageNet class names, shared by models and datasets so they match by name.

Models with ImageNet heads and datasets with ImageNet labels (synset folders,
the bundled photos) both take their names from here: timm's ImageNetInfo
descriptions ("tabby, tabby cat"). ImageNet-1k has two classes described as
"crane" (the bird n02012849 and the machine n03126707); such duplicates get
their synset appended, so every name is unique.
"""

from __future__ import annotations

import functools
from collections import Counter

__all__ = ["imagenet_labels", "synset_to_label"]


@functools.lru_cache(maxsize=4)
def _imagenet(subset: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    from timm.data import ImageNetInfo

    info = ImageNetInfo(subset)
    synsets = tuple(info.label_names())
    descriptions = [info.label_name_to_description(s) for s in synsets]
    counts = Counter(descriptions)
    labels = tuple(d if counts[d] == 1 else f"{d} ({s})" for d, s in zip(descriptions, synsets))
    return synsets, labels


def imagenet_labels(subset: str = "imagenet-1k") -> list[str]:
    """Unique class names in timm's output order for an ImageNet subset."""
    return list(_imagenet(subset)[1])


def synset_to_label(subset: str = "imagenet-1k") -> dict[str, str]:
    """WordNet synset id ("n01440764") -> the class name :func:`imagenet_labels` uses."""
    synsets, labels = _imagenet(subset)
    return dict(zip(synsets, labels))
