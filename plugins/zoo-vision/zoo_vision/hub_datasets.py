"""Well-known image-classification datasets on the Hugging Face hub, as zoo datasets.

Each entry is zoo's own reader (``zoo.hf_datasets``) with the hub id and
columns filled in: ``zoo pull --dataset NAME`` fetches the files of its splits
into the Hugging Face cache, then ``zoo run MODEL --dataset NAME`` reads them
offline, images decoded by zoo from the stored bytes; class names come from
each dataset's ``ClassLabel`` column. Revisions are not pinned (no commit could
be checked offline): a run records the commit it read in the dataset's
fingerprint. Pure data: the entry module imports it without importing ``datasets``.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["HUB_DATASETS", "register_hub_datasets"]

TASK: Final = "image-classification"
BUILDER: Final = "zoo.hf_datasets:image_classification"

HUB_DATASETS: Final[tuple[dict[str, Any], ...]] = (
    dict(name="beans", splits=["test", "validation", "train"], size={"test": 128, "validation": 133, "train": 1034},
         args={"path": "AI-Lab-Makerere/beans", "image": "image", "label": "labels"}, license="MIT",
         source="https://huggingface.co/datasets/AI-Lab-Makerere/beans", tags=["plants", "hugging-face"],
         citation="Makerere AI Lab. 2020. Bean disease dataset. https://github.com/AI-Lab-Makerere/ibean/",
         description="Bean leaf photos taken in Uganda: angular_leaf_spot, bean_rust or healthy (500x500)."),
    dict(name="cifar10", splits=["test", "train"], size={"test": 10000, "train": 50000},
         args={"path": "uoft-cs/cifar10", "image": "img", "label": "label"}, license="NOASSERTION",  # card: unknown
         source="https://huggingface.co/datasets/uoft-cs/cifar10", tags=["objects", "low-resolution", "hugging-face"],
         citation="Alex Krizhevsky. 2009. Learning Multiple Layers of Features from Tiny Images. Technical report, "
                  "University of Toronto.",
         description="CIFAR-10: 60,000 32x32 colour images in 10 classes (airplane, automobile, bird, cat, deer, dog, "
                     "frog, horse, ship, truck)."),
)


def register_hub_datasets(register: Any) -> None:
    """Register every entry of :data:`HUB_DATASETS` (the plugin's ``register_datasets`` calls it)."""
    for entry in HUB_DATASETS:
        fields = dict(entry)
        name = fields.pop("name")
        fields.setdefault("default_split", fields["splits"][0])
        register(name, task=TASK, builder=BUILDER, **fields)
